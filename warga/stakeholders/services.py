"""Writes of the stakeholder register: create, update, archive (never delete) and the XLSX import
(all rows or none), each with its history and audit rows in the same transaction. The exports
are tables on `core.tables` (`tables.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, scoped
from warga.core.workbooks import workbook_check
from warga.messaging.phones import normalize_msisdn
from warga.regions.models import Region
from warga.registry.models import Resident

from . import capabilities as caps
from .models import ConsentChannel, Stakeholder, StakeholderChange, StakeholderKind, Topic
from .selectors import LEVELS, stakeholders_visible, unit_choices

MAX_TOPICS = 5
IMPORT_MAX_ROWS = 2000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_UNCOMPRESSED = 50 * 1024 * 1024
FIELDS = (
    "kind",
    "name",
    "organisation",
    "position",
    "topics",
    "region",
    "phone",
    "email",
    "address",
    "sms_consent",
    "consent_on",
    "consent_channel",
    "consent_evidence",
    "notes",
)
TRACKED = (
    "kind",
    "name",
    "organisation",
    "position",
    "topics",
    "region_id",
    "unit_id",
    "phone",
    "email",
    "address",
    "sms_consent",
    "consent_on",
    "consent_channel",
    "consent_evidence",
    "notes",
    "resident_id",
)


@dataclass
class StakeholderInput:
    kind: str
    name: str
    region: str
    organisation: str = ""
    position: str = ""
    topics: list[str] = field(default_factory=list)
    unit_id: int | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    sms_consent: bool = False
    consent_on: date | None = None
    consent_channel: str = ""
    consent_evidence: str = ""
    notes: str = ""
    resident_id: int | None = None


def _problem(field_name: str, code: str, message: str) -> dict[str, str]:
    return {"field": field_name, "code": f"stakeholders.{code}", "message": message}


def _check_text(values: dict[str, Any], problems: list[dict[str, str]], data: StakeholderInput) -> None:
    for name, limit in (("name", 160), ("organisation", 160), ("position", 120), ("address", 300)):
        value = " ".join((getattr(data, name) or "").split())
        if len(value) > limit:
            problems.append(_problem(name, "too_long", _("At most %(n)d characters.") % {"n": limit}))
        values[name] = value
    if not values["name"]:
        problems.append(_problem("name", "name", _("Give the name of the person or organisation.")))
    notes = (data.notes or "").strip()
    if len(notes) > 4000:
        problems.append(_problem("notes", "too_long", _("At most %(n)d characters.") % {"n": 4000}))
    values["notes"] = notes


def _check_contact(values: dict[str, Any], problems: list[dict[str, str]], data: StakeholderInput) -> None:
    values["phone"] = ""
    if (data.phone or "").strip():
        try:
            values["phone"] = normalize_msisdn(data.phone)
        except InvalidInput as exc:
            problems.append(_problem("phone", "phone", str(exc.message)))
    email = (data.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_problem("email", "email", _("This is not an e-mail address.")))
    values["email"] = email


def _check_consent(values: dict[str, Any], problems: list[dict[str, str]], data: StakeholderInput) -> None:
    values.update(
        sms_consent=bool(data.sms_consent), consent_on=None, consent_channel="", consent_evidence=""
    )
    if not data.sms_consent:
        return
    if not values.get("phone") and not any(p["field"] == "phone" for p in problems):
        problems.append(_problem("phone", "consent_phone", _("SMS consent needs a phone number.")))
    if data.consent_on is None:
        problems.append(_problem("consent_on", "consent_date", _("Give the date the consent was given.")))
    elif data.consent_on > timezone.localdate():
        problems.append(_problem("consent_on", "consent_date", _("The date of consent is in the future.")))
    if data.consent_channel not in ConsentChannel.values:
        problems.append(_problem("consent_channel", "consent_channel", _("Say how the consent was given.")))
    evidence = " ".join((data.consent_evidence or "").split())
    if not evidence:
        problems.append(
            _problem(
                "consent_evidence", "consent_evidence", _("Note the evidence of consent (form, minutes…).")
            )
        )
    elif len(evidence) > 300:
        problems.append(_problem("consent_evidence", "too_long", _("At most %(n)d characters.") % {"n": 300}))
    values.update(consent_on=data.consent_on, consent_channel=data.consent_channel, consent_evidence=evidence)


def _check_where(
    values: dict[str, Any], problems: list[dict[str, str]], data: StakeholderInput, actor: Actor
) -> None:
    code = (data.region or "").strip()
    region = Region.objects.filter(code=code, level__in=LEVELS).first() if code else None
    if region is None or not actor.covers(region.code):
        problems.append(
            _problem("region", "region", _("Choose a kabupaten, kecamatan or desa in your area."))
        )
    values["region_id"] = region.code if region else None
    units = unit_choices(actor)
    unit_id = data.unit_id or actor.unit_id
    if unit_id is None or not units.filter(pk=unit_id).exists():
        problems.append(_problem("unit", "unit", _("Choose the unit whose register this is.")))
    values["unit_id"] = unit_id
    values["resident_id"] = None
    if data.resident_id:
        if not scoped(Resident.objects.filter(pk=data.resident_id), actor).exists():
            problems.append(_problem("resident", "resident", _("No resident with this id in your area.")))
        values["resident_id"] = data.resident_id


def _checked(actor: Actor, data: StakeholderInput) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Every field checked; the values as stored and every problem (field, code, message)."""
    problems: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    if data.kind not in StakeholderKind.values:
        problems.append(_problem("kind", "kind", _("Choose the kind of stakeholder.")))
    values["kind"] = data.kind
    _check_text(values, problems, data)
    topics = sorted({t.strip() for t in data.topics if t and t.strip()})
    unknown = [t for t in topics if t not in Topic.values]
    if unknown:
        problems.append(_problem("topics", "topics", _("Unknown topics: %(t)s.") % {"t": ", ".join(unknown)}))
    elif len(topics) > MAX_TOPICS:
        problems.append(_problem("topics", "topics", _("At most %(n)d topics.") % {"n": MAX_TOPICS}))
    values["topics"] = ("," + ",".join(topics) + ",") if topics else ""
    _check_contact(values, problems, data)
    _check_consent(values, problems, data)
    _check_where(values, problems, data, actor)
    return values, problems


def _refuse(problems: list[dict[str, str]]) -> InvalidInput:
    return InvalidInput(
        problems[0]["message"] if len(problems) == 1 else _("Correct the marked fields."),
        code="stakeholders.invalid",
        details=problems,
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _history(
    actor: Actor, stakeholder: Stakeholder, action: str, changes: dict[str, Any], reason: str = ""
) -> None:
    StakeholderChange.objects.create(
        stakeholder=stakeholder, action=action, changes=changes, reason=reason, by=actor.user
    )


@transaction.atomic
def stakeholder_create(*, actor: Actor, data: StakeholderInput) -> Stakeholder:
    actor.require(caps.MANAGE)
    values, problems = _checked(actor, data)
    if problems:
        raise _refuse(problems)
    stakeholder = Stakeholder.objects.create(created_by=actor.user, **values)
    _history(
        actor, stakeholder, "create", {k: [None, _jsonable(values[k])] for k in TRACKED if values.get(k)}
    )
    audit_record(
        actor=actor,
        action="stakeholders.stakeholder.create",
        obj=stakeholder,
        summary={"unit": stakeholder.unit_id, "kind": stakeholder.kind},
    )
    return stakeholder


def _load(actor: Actor, stakeholder_id: int) -> Stakeholder:
    found = stakeholders_visible(actor).select_for_update().filter(pk=stakeholder_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


@transaction.atomic
def stakeholder_update(*, actor: Actor, stakeholder_id: int, data: StakeholderInput) -> Stakeholder:
    actor.require(caps.MANAGE)
    stakeholder = _load(actor, stakeholder_id)
    if not stakeholder.active:
        raise InvalidInput(_("An archived stakeholder cannot be edited."), code="stakeholders.archived")
    if data.unit_id is None:
        data.unit_id = stakeholder.unit_id
    values, problems = _checked(actor, data)
    if problems:
        raise _refuse(problems)
    changes = {
        k: [_jsonable(getattr(stakeholder, k)), _jsonable(values[k])]
        for k in TRACKED
        if getattr(stakeholder, k) != values[k]
    }
    if not changes:
        return stakeholder
    for key, value in values.items():
        setattr(stakeholder, key, value)
    stakeholder.save()
    _history(actor, stakeholder, "update", changes)
    audit_record(
        actor=actor,
        action="stakeholders.stakeholder.update",
        obj=stakeholder,
        summary={"fields": sorted(changes)},
    )
    return stakeholder


@transaction.atomic
def stakeholder_archive(*, actor: Actor, stakeholder_id: int, reason: str) -> Stakeholder:
    """Archived, never deleted: it leaves the lists and every broadcast; its history stays."""
    actor.require(caps.MANAGE)
    stakeholder = _load(actor, stakeholder_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            _("Give the reason for archiving."),
            code="stakeholders.reason",
            details=[_problem("reason", "reason", _("Give the reason for archiving."))],
        )
    if len(reason) > 300:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": 300}, code="stakeholders.reason")
    if not stakeholder.active:
        raise InvalidInput(_("This stakeholder is already archived."), code="stakeholders.archived")
    stakeholder.active = False
    stakeholder.archived_at = timezone.now()
    stakeholder.archived_reason = reason
    stakeholder.save(update_fields=["active", "archived_at", "archived_reason", "updated_at"])
    _history(actor, stakeholder, "archive", {"active": [True, False]}, reason)
    audit_record(actor=actor, action="stakeholders.stakeholder.archive", obj=stakeholder)
    return stakeholder


# --- import -------------------------------------------------------------------------------------

_YES = {"ya", "y", "yes", "1", "true", "setuju"}
_NO = {"", "tidak", "t", "no", "n", "0", "false"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> date | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return "bad"


def _row_input(row: Mapping[str, Any], unit_id: int | None) -> tuple[StakeholderInput, list[dict[str, str]]]:
    problems: list[dict[str, str]] = []
    consent_text = _cell(row.get("sms_consent")).lower()
    if consent_text not in _YES | _NO:
        problems.append(_problem("sms_consent", "consent", _("Write ya or tidak.")))
    consent_on = _parse_date(row.get("consent_on"))
    if consent_on == "bad":
        problems.append(_problem("consent_on", "consent_date", _("Write the date as YYYY-MM-DD.")))
        consent_on = None
    topics = [t.strip() for t in _cell(row.get("topics")).replace(";", ",").split(",") if t.strip()]
    data = StakeholderInput(
        kind=_cell(row.get("kind")),
        name=_cell(row.get("name")),
        region=_cell(row.get("region")),
        organisation=_cell(row.get("organisation")),
        position=_cell(row.get("position")),
        topics=topics,
        unit_id=unit_id,
        phone=_cell(row.get("phone")),
        email=_cell(row.get("email")),
        address=_cell(row.get("address")),
        sms_consent=consent_text in _YES,
        consent_on=consent_on if isinstance(consent_on, date) else None,
        consent_channel=_cell(row.get("consent_channel")),
        consent_evidence=_cell(row.get("consent_evidence")),
        notes=_cell(row.get("notes")),
    )
    return data, problems


def _read_rows(upload: IO[bytes]) -> list[dict[str, Any]]:
    import openpyxl

    workbook_check(upload, max_rows=IMPORT_MAX_ROWS, max_uncompressed=IMPORT_MAX_UNCOMPRESSED)
    upload.seek(0)
    try:
        book = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(
            _("The file is damaged: it cannot be opened as a spreadsheet."), code="stakeholders.file"
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell(h).lower() for h in next(rows, ())]
        missing = [f for f in ("kind", "name", "region") if f not in header]
        if missing:
            raise InvalidInput(
                _("The first row must name the columns; missing: %(c)s.") % {"c": ", ".join(missing)},
                code="stakeholders.header",
            )
        out: list[dict[str, Any]] = []
        for values in rows:
            if not any(v not in (None, "") for v in values):
                continue
            if len(out) >= IMPORT_MAX_ROWS:
                raise InvalidInput(
                    _("At most %(n)d rows per file.") % {"n": IMPORT_MAX_ROWS}, code="stakeholders.rows"
                )
            out.append(
                {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}
            )
        return out
    finally:
        book.close()


@transaction.atomic
def stakeholders_import(*, actor: Actor, upload: IO[bytes], size: int, unit_id: int | None = None) -> int:
    """Every row of the workbook, or none: one InvalidInput lists each bad row's problems
    (`details`: row, field, message) and nothing is stored."""
    actor.require(caps.MANAGE)
    if size > IMPORT_MAX_BYTES:
        raise InvalidInput(
            _("The file is too large (at most %(mb)d MB).") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            code="stakeholders.file",
        )
    rows = _read_rows(upload)
    if not rows:
        raise InvalidInput(_("The file has no rows."), code="stakeholders.empty")
    checked: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):
        data, row_problems = _row_input(row, unit_id)
        values, more = _checked(actor, data)
        for problem in row_problems + more:
            problems.append({"row": number, **problem})
        checked.append(values)
    if problems:
        raise InvalidInput(
            _("%(n)d rows have problems; nothing was imported.") % {"n": len({p["row"] for p in problems})},
            code="stakeholders.import",
            details=problems,
        )
    for values in checked:
        stakeholder = Stakeholder.objects.create(created_by=actor.user, **values)
        _history(
            actor, stakeholder, "import", {k: [None, _jsonable(values[k])] for k in TRACKED if values.get(k)}
        )
    audit_record(
        actor=actor,
        action="stakeholders.stakeholder.import",
        object_type="stakeholders.stakeholder",
        summary={"rows": len(checked)},
    )
    return len(checked)
