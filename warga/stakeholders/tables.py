"""The stakeholder register as tables (`warga.core.tables`), for the list's export buttons
(`/stakeholders/export/`: the list's filters are posted with them, so no name sits in a URL).

The files (CSV, XLSX) keep the import's columns under their field names, with the codes and the
ya/tidak the import reads, plus `unit` and `active`: an export imports back, its SMS consent with
the consent's date, channel and evidence. The print view shows the same rows in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

from .models import Stakeholder
from .services import FIELDS

ACTION = "stakeholders.stakeholder"  # the audit row: stakeholders.stakeholder.export
TITLE = _("Stakeholders")
FILENAME = "pemangku-kepentingan"


def _yes_no(value: bool) -> str:
    """What the import reads (`services._YES`/`_NO`), whatever the officer's language."""
    return "ya" if value else "tidak"


# One value per column of the import (`services.FIELDS`), then the register's own two.
_FILE_VALUES: dict[str, Callable[[Stakeholder], Any]] = {
    "kind": lambda s: s.kind,
    "name": lambda s: s.name,
    "organisation": lambda s: s.organisation,
    "position": lambda s: s.position,
    "topics": lambda s: ",".join(s.topic_list()),
    "region": lambda s: s.region_id,
    "phone": lambda s: s.phone,
    "email": lambda s: s.email,
    "address": lambda s: s.address,
    "sms_consent": lambda s: _yes_no(s.sms_consent),
    "consent_on": lambda s: s.consent_on,
    "consent_channel": lambda s: s.consent_channel,
    "consent_evidence": lambda s: s.consent_evidence,
    "notes": lambda s: s.notes,
    "unit": lambda s: s.unit.name,
    "active": lambda s: _yes_no(s.active),
}
EXPORT_FIELDS = (*FIELDS, "unit", "active")

FILE = Table(
    action=ACTION,
    title=TITLE,
    filename=FILENAME,
    columns=tuple(Column(name, _FILE_VALUES[name]) for name in EXPORT_FIELDS),
)


def _consent(s: Stakeholder) -> str:
    if not s.sms_consent:
        return str(_("not given"))
    return f"{_('given')} ({s.get_consent_channel_display()})" if s.consent_channel else str(_("given"))


PRINT = Table(
    action=ACTION,
    title=TITLE,
    filename=FILENAME,
    columns=(
        Column(_("Name"), lambda s: s.name),
        Column(_("Organisation"), lambda s: s.organisation),
        Column(_("Position or role"), lambda s: s.position),
        Column(_("Kind"), lambda s: s.get_kind_display()),
        Column(_("Topics"), lambda s: ", ".join(s.topic_labels())),
        Column(_("Area"), lambda s: s.region.name),
        Column(_("Unit"), lambda s: s.unit.name),
        Column(_("Phone"), lambda s: s.phone),
        Column(_("SMS consent"), _consent),
        Column(_("Consent given on"), lambda s: s.consent_on),
        Column(_("Status"), lambda s: _("active") if s.active else _("archived")),
    ),
)
