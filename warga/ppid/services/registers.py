"""The registers the PPID keeps: the Daftar Informasi Publik (DIP, UU 14/2008 art. 9–11) and the
register of exempted information (art. 17, established by a consequence test, art. 19).

The PPID utama (`ppid.manage`) keeps every unit's entries; a PPID pembantu its own unit's (another
unit's entry is "not found"). Every write checks the whole input first (one `InvalidInput` with
every problem, nothing half-stored) and writes its audit row in the same transaction. Entries are
never deleted: a withdrawn entry keeps its reason and leaves the public register.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import Actor, get_scoped, scoped, unscoped
from warga.org.models import Unit

from .. import capabilities as caps
from ..models import (
    PERIODIC_MONTHS,
    ExemptInformation,
    ExemptionGround,
    InformationCategory,
    InformationDocument,
    InformationFormat,
    PublicInformation,
)
from ._common import file_check, text_clean
from .intake import REQUEST_UNIT_KINDS, main_unit

MAX_ENTRY_DOCUMENTS = 20

Entry = TypeVar("Entry", PublicInformation, ExemptInformation)


@dataclass(frozen=True)
class InformationInput:
    """One DIP entry as a form or the API gives it."""

    category: str = ""
    unit_id: int | None = None
    title: str = ""
    summary: str = ""
    format: str = InformationFormat.SOFT
    retention: str = ""
    period: str = ""
    published_on: date | None = None


@dataclass(frozen=True)
class ExemptionInput:
    """One entry of the register of exempted information."""

    ground: str = ""
    unit_id: int | None = None
    title: str = ""
    test_reference: str = ""
    tested_on: date | None = None
    consequence: str = ""
    period: str = ""
    exempt_until: date | None = None


def registers_visible(actor: Actor, model: type[Entry]) -> QuerySet[Entry]:
    """The entries an officer keeps: the PPID utama every unit's, a pembantu its unit's."""
    actor.require(caps.REGISTERS)
    qs: QuerySet[Entry] = scoped(model.objects.select_related("unit"), actor)
    if actor.can(caps.MANAGE):
        return qs
    return qs.filter(unit_id=actor.unit_id) if actor.unit_id else qs.none()


def _clean(problems: list[dict[str, str]], name: str, value: str, limit: int = 4000) -> str:
    """The text as stored, or "" with the problem noted on its field."""
    try:
        return text_clean(value, field=name, limit=limit)
    except InvalidInput as exc:
        problems.append({"field": name, "message": str(exc.message)})
        return ""


def _unit(actor: Actor, unit_id: int | None, problems: list[dict[str, str]]) -> Unit | None:
    """The unit an entry belongs to: a pembantu's own (another unit's is "not found"); the PPID
    utama any unit that answers requests (by default its own)."""
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, kind__in=REQUEST_UNIT_KINDS, is_active=True).first()
        if unit is None:
            problems.append({"field": "unit", "message": _("Unknown unit.")})
            return None
        if not actor.can(caps.MANAGE) and unit.pk != actor.unit_id:
            raise NotFound(_("Not found."))
        return unit
    unit = actor.unit if actor.unit_id else main_unit()
    if unit is None:
        problems.append({"field": "unit", "message": _("Choose the unit.")})
    return unit


def _past(value: date | None, field: str, problems: list[dict[str, str]], today: date) -> date | None:
    if value is None:
        problems.append({"field": field, "message": _("Give the date.")})
    elif value > today:
        problems.append({"field": field, "message": _("The date is in the future.")})
    return value


def _choice(value: str, choices: list[str], field: str, problems: list[dict[str, str]]) -> str:
    if value not in choices:
        problems.append({"field": field, "message": _("Not one of the choices.")})
    return value


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        raise InvalidInput(problems[0]["message"], code="ppid.register_input", details=problems)


def _information_fields(actor: Actor, data: InformationInput) -> dict[str, Any]:
    problems: list[dict[str, str]] = []
    today = timezone.localdate()
    fields = {
        "category": _choice(data.category, InformationCategory.values, "category", problems),
        "format": _choice(data.format, InformationFormat.values, "format", problems),
        "title": _clean(problems, "title", data.title, 300),
        "summary": _clean(problems, "summary", data.summary),
        "retention": _clean(problems, "retention", data.retention, 100),
        "period": _clean(problems, "period", data.period, 100),
        "published_on": _past(data.published_on, "published_on", problems, today),
        "unit": _unit(actor, data.unit_id, problems),
    }
    _refuse(problems)
    return fields


def _exemption_fields(actor: Actor, data: ExemptionInput) -> dict[str, Any]:
    problems: list[dict[str, str]] = []
    today = timezone.localdate()
    fields = {
        "ground": _choice(data.ground, ExemptionGround.values, "ground", problems),
        "title": _clean(problems, "title", data.title, 300),
        "test_reference": _clean(problems, "test_reference", data.test_reference, 200),
        "tested_on": _past(data.tested_on, "tested_on", problems, today),
        "consequence": _clean(problems, "consequence", data.consequence),
        "period": _clean(problems, "period", data.period, 100),
        "exempt_until": data.exempt_until,
        "unit": _unit(actor, data.unit_id, problems),
    }
    if data.exempt_until and data.tested_on and data.exempt_until <= data.tested_on:
        problems.append(
            {"field": "exempt_until", "message": _("The end of the exemption must follow the test's date.")}
        )
    _refuse(problems)
    return fields


def _region() -> Any:
    from warga.regions.selectors import installation_region

    region = installation_region()
    if region is None:
        raise InvalidInput(_("The installation region is not loaded."), code="ppid.region")
    return region


def _locked(actor: Actor, model: type[Entry], entry_id: int) -> Entry:
    entry: Entry = get_scoped(
        registers_visible(actor, model).select_for_update(of=("self",)), actor, pk=entry_id
    )
    return entry


def _still_listed(entry: PublicInformation | ExemptInformation, expected_version: int | None) -> None:
    if entry.withdrawn_at is not None:
        raise Conflict(_("This entry was withdrawn; it can no longer be changed."), code="ppid.withdrawn")
    if expected_version is not None and expected_version != entry.version:
        raise Conflict(
            _("Someone else changed this entry in the meantime. Reload it and try again."), code="ppid.stale"
        )


def _save(
    *,
    actor: Actor,
    model: type[Entry],
    entry_id: int | None,
    fields: dict[str, Any],
    expected_version: int | None,
    action: str,
) -> Entry:
    now = timezone.now()
    if entry_id is None:
        entry = model(region=_region(), created_by=actor.user, created_at=now, updated_at=now, **fields)
        entry.save()
        audit_record(actor=actor, action=f"{action}.create", obj=entry, summary={"unit": entry.unit_id})
        return entry
    entry = _locked(actor, model, entry_id)
    _still_listed(entry, expected_version)
    changed = sorted(name for name, value in fields.items() if getattr(entry, name) != value)
    with unscoped("the entry was fetched within the actor's scope; its unit may change"):
        model.objects.filter(pk=entry.pk).update(updated_at=now, version=F("version") + 1, **fields)
    entry.refresh_from_db()
    audit_record(actor=actor, action=f"{action}.update", obj=entry, summary={"fields": changed})
    return entry


@transaction.atomic
def information_save(
    *,
    actor: Actor,
    data: InformationInput,
    entry_id: int | None = None,
    expected_version: int | None = None,
) -> PublicInformation:
    """Create a DIP entry (`entry_id` None) or correct one that is still in the register."""
    actor.require(caps.REGISTERS)
    return _save(
        actor=actor,
        model=PublicInformation,
        entry_id=entry_id,
        fields=_information_fields(actor, data),
        expected_version=expected_version,
        action="ppid.information",
    )


@transaction.atomic
def exemption_save(
    *,
    actor: Actor,
    data: ExemptionInput,
    entry_id: int | None = None,
    expected_version: int | None = None,
) -> ExemptInformation:
    """Create an entry of the exempted-information register or correct one still in force."""
    actor.require(caps.REGISTERS)
    return _save(
        actor=actor,
        model=ExemptInformation,
        entry_id=entry_id,
        fields=_exemption_fields(actor, data),
        expected_version=expected_version,
        action="ppid.exemption",
    )


def _withdraw(actor: Actor, model: type[Entry], entry_id: int, reason: str, action: str) -> Entry:
    actor.require(caps.REGISTERS)
    entry = _locked(actor, model, entry_id)
    if entry.withdrawn_at is not None:
        raise Conflict(_("This entry was already withdrawn."), code="ppid.withdrawn")
    reason = text_clean(reason, field="reason", limit=2000)
    now = timezone.now()
    model.objects.filter(pk=entry.pk).update(
        withdrawn_at=now,
        withdrawn_reason=reason,
        withdrawn_by=actor.user,
        updated_at=now,
        version=F("version") + 1,
    )
    entry.refresh_from_db()
    audit_record(actor=actor, action=f"{action}.withdraw", obj=entry, summary={"unit": entry.unit_id})
    return entry


@transaction.atomic
def information_withdraw(*, actor: Actor, entry_id: int, reason: str) -> PublicInformation:
    """Take a DIP entry out of the public register, keeping it and the reason."""
    return _withdraw(actor, PublicInformation, entry_id, reason, "ppid.information")


@transaction.atomic
def exemption_withdraw(*, actor: Actor, entry_id: int, reason: str) -> ExemptInformation:
    """End an exemption (its period ran out, a new consequence test opened it…), keeping the
    entry and the reason."""
    return _withdraw(actor, ExemptInformation, entry_id, reason, "ppid.exemption")


@transaction.atomic
def information_document_attach(
    *, actor: Actor, entry_id: int, name: str, content: bytes
) -> InformationDocument:
    """One downloadable document of a DIP entry, checked by content and size like the answer
    documents (PDF, JPEG or PNG; images decoded within the pixel budget and re-encoded)."""
    actor.require(caps.REGISTERS)
    entry = _locked(actor, PublicInformation, entry_id)
    _still_listed(entry, None)
    if entry.documents.count() >= MAX_ENTRY_DOCUMENTS:
        raise Conflict(
            _("At most %(n)d documents per entry.") % {"n": MAX_ENTRY_DOCUMENTS}, code="ppid.documents_many"
        )
    checked = file_check(content)
    label = text_clean(name, field="name", limit=120, required=False) or entry.title[:120]
    document = InformationDocument(
        entry=entry,
        name=label,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=checked.sha256,
        uploaded_by=actor.user,
        created_at=timezone.now(),
    )
    document.file.save(
        f"ppid/dip/{secrets.token_hex(16)}.{checked.extension}", ContentFile(checked.content), save=False
    )
    document.save()
    PublicInformation.objects.filter(pk=entry.pk).update(updated_at=document.created_at)
    audit_record(
        actor=actor,
        action="ppid.information.document",
        obj=document,
        summary={"entry": entry.pk, "size": document.size, "type": document.content_type},
    )
    return document


@unscoped("the exempted-information register is public; a refusal may cite any unit's entry")
def exemption_for_refusal(entry_id: int) -> ExemptInformation:
    """The register entry a refusal cites, while it is in force; InvalidInput otherwise."""
    entry = ExemptInformation.objects.filter(pk=entry_id, withdrawn_at__isnull=True).first()
    if entry is None or (entry.exempt_until is not None and entry.exempt_until < timezone.localdate()):
        message = _("Not an exemption in force in the register.")
        raise InvalidInput(
            message, code="ppid.exemption_entry", details=[{"field": "exemption_entry", "message": message}]
        )
    return entry


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@unscoped("the Daftar Informasi Publik is public")
def periodic_published_on(entry: PublicInformation, today: date | None = None) -> date | None:
    """When periodic information counts as provided (art. 9(4): at least every six months): the
    entry is in the register and a document of it was published within the last six months. The
    date of that newest document, or None."""
    today = today or timezone.localdate()
    if entry.withdrawn_at is not None:
        return None
    newest = (
        InformationDocument.objects.filter(entry=entry)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if newest is None:
        return None
    published = timezone.localdate(newest)
    return published if published >= _months_before(today, PERIODIC_MONTHS) else None


__all__ = [
    "ExemptionInput",
    "InformationInput",
    "exemption_for_refusal",
    "exemption_save",
    "exemption_withdraw",
    "information_document_attach",
    "information_save",
    "information_withdraw",
    "periodic_published_on",
    "registers_visible",
]
