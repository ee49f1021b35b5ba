from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region, RegionLevel

from .models import CitizenReport, ReportChannel

MAX_TEXT = 1000


def citizen_report_create(
    *,
    actor: Actor | None,
    text: str,
    channel: str,
    phone: str = "",
    desa: Region | None = None,
    category: str = "",
    client_ref: str = "",
) -> CitizenReport:
    """Store a report once (a repeated `client_ref` returns the first one)."""
    from warga.regions.selectors import installation_region

    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput(_("The report is empty."), code="report.empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("The report is too long (at most %(n)d characters).") % {"n": MAX_TEXT}, code="report.long"
        )
    if channel not in ReportChannel.values:
        raise InvalidInput(_("Unknown channel."), code="report.channel")
    if desa is not None and desa.level != RegionLevel.DESA:
        raise InvalidInput(_("A report belongs to a desa."), code="report.desa")
    if actor is not None and actor.is_authenticated:
        actor.require("reports.create")
        if desa is not None and not actor.covers(desa.code):
            raise NotFound(_("Not found."))
    client_ref = (client_ref or "")[:64]
    if client_ref:
        with unscoped("resend: a client reference names one report, wherever it was made"):
            existing = CitizenReport.objects.filter(client_ref=client_ref).first()
        if existing is not None:
            return existing
    region = desa or installation_region()
    if region is None:
        raise InvalidInput(_("The installation region is not loaded."), code="report.region")
    try:
        with transaction.atomic():
            report = CitizenReport.objects.create(
                channel=channel,
                phone=(phone or "")[:20],
                text=text,
                desa=desa,
                region=region,
                category=(category or "")[:40],
                client_ref=client_ref,
                created_by=actor.user if actor else None,
            )
            audit_record(
                actor=actor,
                action="reports.report.create",
                obj=report,
                summary={"channel": channel, "category": category},
            )
    except IntegrityError:
        if client_ref:
            with unscoped("resend: a client reference names one report, wherever it was made"):
                return CitizenReport.objects.get(client_ref=client_ref)
        raise
    return report
