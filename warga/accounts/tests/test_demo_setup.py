"""`manage.py demo_setup`: demo data in every kecamatan, every service of the catalogue in
several states, a print day of KTP-el cards, and a second run that adds nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

from warga.applications.catalogue import DEFAULT_SERVICES
from warga.applications.models import Application
from warga.audit.models import AuditLog
from warga.cards.models import (
    BatchStatus,
    Delivery,
    EntryKind,
    Handover,
    ItemResult,
    KtpCard,
    KtpStatus,
    PrintBatch,
    StockEntry,
)
from warga.regions.models import Region, RegionLevel
from warga.registry.models import Resident

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        # The audit log records the second run's reads and checks; it holds no demo data.
        if model._meta.app_label not in ("sessions", "contenttypes", "auth", "admin", "audit")
    }


def test_demo_setup_shows_everything_and_runs_once(regions, settings):
    settings.WARGA_REGION_CODE = "32.14"
    out = io.StringIO()
    call_command("demo_setup", "--size", "small", stdout=out)
    assert "Demo ready" in out.getvalue()

    services = set(Application.objects.values_list("service__code", flat=True))
    missing = {spec["code"] for spec in DEFAULT_SERVICES} - services
    assert not missing, f"services without a demo application: {sorted(missing)}"
    states = set(Application.objects.values_list("status", flat=True))
    assert len(states) >= 4, states
    assert {"submitted", "verified", "sent", "in_review", "approved", "issued"} <= states
    assert Application.objects.values("kecamatan").distinct().count() >= 2

    kecamatan = Region.objects.filter(code__within="32.14", level=RegionLevel.KECAMATAN)
    empty = [k.name for k in kecamatan if not Resident.objects.filter(desa__within=k.code).exists()]
    assert kecamatan.exists() and not empty, f"kecamatan without residents: {empty}"

    _assert_print_day()

    before = _counts()
    call_command("demo_setup", "--size", "small", "--quiet", stdout=io.StringIO())
    after = _counts()
    grown = {label: (before[label], after[label]) for label in before if after[label] != before[label]}
    assert not grown, f"a second run added rows: {grown}"


def _assert_print_day() -> None:
    """A print day made through the card services: the batch, the ledger, the distribution."""
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.CLOSED
    results = Counter(batch.items.values_list("result", flat=True))
    printed, spoiled = results[ItemResult.PRINTED], results[ItemResult.SPOILED]
    assert printed > 10 * spoiled > 0, results
    ledger = Counter(
        StockEntry.objects.filter(kind__in=[EntryKind.CONSUMPTION, EntryKind.SPOILED]).values_list(
            "kind", flat=True
        )
    )
    assert ledger == {EntryKind.CONSUMPTION: printed, EntryKind.SPOILED: spoiled}
    assert KtpCard.objects.filter(printed_at__isnull=False, card_serial__isnull=False).count() == printed
    assert AuditLog.objects.filter(action="cards.print.bulk").count() == 1
    assert Delivery.objects.filter(received_at__isnull=False).exists()
    assert Delivery.objects.filter(received_at__isnull=True).exists()
    ready = KtpCard.objects.filter(status=KtpStatus.SENT_TO_KECAMATAN, ready_at__isnull=False)
    assert ready.exists(), "no card waiting for pick-up"
    assert Handover.objects.exists()
    assert KtpCard.objects.filter(status=KtpStatus.PRINTED, pickup_office__isnull=True).exists()
