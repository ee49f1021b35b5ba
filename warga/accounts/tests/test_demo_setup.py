"""`manage.py demo_setup`: demo data in every kecamatan, every service of the catalogue in
several states, and a second run that adds nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from warga.applications.catalogue import DEFAULT_SERVICES
from warga.applications.models import Application
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

    before = _counts()
    call_command("demo_setup", "--size", "small", "--quiet", stdout=io.StringIO())
    after = _counts()
    grown = {label: (before[label], after[label]) for label in before if after[label] != before[label]}
    assert not grown, f"a second run added rows: {grown}"
