"""Writes to the population register.

Every service checks a capability, loads what it changes through the actor's scope, validates
everything before writing anything (so bad input leaves the register unchanged), writes the
change, a history row with old and new values, and an audit row without personal values, all
in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, code_within, get_scoped, unscoped
from warga.core.tasks import enqueue_on_commit
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import kecamatan_lookup, kecamatan_of

from .capabilities import REGISTRY_CORRECT, REGISTRY_EDIT, REGISTRY_EVENTS, REGISTRY_PHONES
from .identity import check_kk, check_nik, make_nik
from .models import (
    BloodType,
    Citizenship,
    Education,
    Family,
    FamilyChange,
    FamilyMembership,
    LifeEvent,
    LifeEventType,
    LifeStatus,
    MaritalStatus,
    Phone,
    Relationship,
    Religion,
    Resident,
    ResidentChange,
    Sex,
)
from .names import name_key

# --------------------------------------------------------------------------- limits

OLDEST_BIRTH_DATE = date(1880, 1, 1)
MIN_MARRIAGE_AGE = 19  # UU 16/2019; younger needs a court dispensation
OTP_LENGTH = 6
OTP_TTL = timedelta(minutes=10)
OTP_RESEND_AFTER = timedelta(seconds=60)
OTP_MAX_ATTEMPTS = 5
CONSENT_CHANNELS = ("counter", "sms", "web", "field")
SPOUSES = (Relationship.HUSBAND, Relationship.WIFE)

#: Resident fields an officer may correct, and how each one is checked.
CORRECTABLE_FIELDS = (
    "nik",
    "full_name",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "marital_status",
    "occupation",
    "education",
    "blood_type",
    "citizenship",
    "father_name",
    "mother_name",
    "rw",
    "rt",
    "address",
    "relationship",
)
FAMILY_FIELDS = ("kk_number", "desa", "rw", "rt", "address", "issued_on")
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'`’\-])*$")


# --------------------------------------------------------------------------- helpers


def _today() -> date:
    return timezone.localdate()


def _fail(errors: list[dict[str, str]]) -> None:
    """Raise one InvalidInput carrying every problem found, so a form can show them all."""
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), code="registry.invalid", details=errors)


def _err(field: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _plain(value: Any) -> Any:
    """A value as stored in a history row: JSON-friendly and readable."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def _diff(obj: models.Model, new: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for field, value in new.items():
        old = getattr(obj, field + "_id") if field in ("desa", "family") else getattr(obj, field)
        new_plain = _plain(value)
        if _plain(old) != new_plain:
            changes[field] = [_plain(old), new_plain]
    return changes


def _resident_history(
    resident: Resident,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, list[Any]],
    reason: str = "",
    event: LifeEvent | None = None,
) -> None:
    ResidentChange.objects.create(
        resident=resident, actor=actor.user, action=action, reason=reason[:300], event=event, changes=changes
    )


def _family_history(
    family: Family,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, list[Any]],
    reason: str = "",
    event: LifeEvent | None = None,
) -> None:
    FamilyChange.objects.create(
        family=family, actor=actor.user, action=action, reason=reason[:300], event=event, changes=changes
    )


def _apply(obj: Resident | Family, values: dict[str, Any]) -> None:
    """Save only these fields (an instance loaded earlier may be stale elsewhere) and bump the version."""
    for field, value in values.items():
        setattr(obj, field, value)
    fields = [*values, "version", "updated_at"]
    if isinstance(obj, Resident) and "full_name" in values:
        fields.append("name_key")
    obj.version = models.F("version") + 1  # type: ignore[assignment]
    obj.save(update_fields=fields)
    obj.refresh_from_db(fields=["version"])


def _lock_resident(actor: Actor, resident: Resident | int) -> Resident:
    pk = resident.pk if isinstance(resident, Resident) else resident
    return get_scoped(Resident.objects.select_for_update(), actor, pk=pk)


def _lock_family(actor: Actor, family: Family | int) -> Family:
    pk = family.pk if isinstance(family, Family) else family
    return get_scoped(Family.objects.select_for_update(), actor, pk=pk)


def _require_alive(resident: Resident) -> None:
    if resident.life_status == LifeStatus.DEAD:
        raise InvalidInput(
            _("%(name)s is recorded as deceased; the record can no longer be changed this way.")
            % {"name": resident.full_name},
            code="registry.resident_dead",
        )
    if resident.life_status == LifeStatus.MOVED_OUT:
        raise InvalidInput(
            _("%(name)s has moved out of the region; register a move-in first.")
            % {"name": resident.full_name},
            code="registry.resident_moved_out",
        )


def _check_version(obj: Resident | Family, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            _("Someone else changed this record while you were editing it. Reload the page and try again."),
            code="registry.stale_version",
            details={"current_version": obj.version},
        )


MIN_REASON_LENGTH = 5


def _reason_problem(reason: str) -> dict[str, str] | None:
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        return _err(
            "reason", _("Give the reason for this change (at least 5 characters)."), "reason_required"
        )
    return None


def _require_reason(reason: str) -> str:
    problem = _reason_problem(reason)
    if problem is not None:
        raise InvalidInput(problem["message"], code="registry.reason_required", details=[problem])
    return (reason or "").strip()[:300]


def _check_reason(reason: str, errors: list[dict[str, str]]) -> str:
    """Like _require_reason, but the problem joins the others so a form shows them all at once."""
    problem = _reason_problem(reason)
    if problem is not None:
        errors.append(problem)
    return (reason or "").strip()[:300]


def _as_date(value: Any, field: str, errors: list[dict[str, str]], label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
        errors.append(_err(field, _("%(label)s is not a real date.") % {"label": label}, "invalid_date"))
        return None
    errors.append(_err(field, _("%(label)s is required.") % {"label": label}, "required"))
    return None


def _check_past_date(value: date | None, field: str, errors: list[dict[str, str]], label: str) -> None:
    if value is None:
        return
    if value > _today():
        errors.append(_err(field, _("%(label)s cannot be in the future.") % {"label": label}, "future_date"))
    elif value < OLDEST_BIRTH_DATE:
        errors.append(
            _err(field, _("%(label)s is too far in the past.") % {"label": label}, "impossible_date")
        )


def _event_date(value: date, errors: list[dict[str, str]], *, field: str = "date") -> None:
    _check_past_date(value, field, errors, _("The date of the event"))


def _resolve_desa(
    actor: Actor, value: Region | str | None, errors: list[dict[str, str]], field: str = "desa"
) -> Region | None:
    """A desa/kelurahan the actor may register people in; unknown regions are named as such."""
    if value is None or value == "":
        errors.append(_err(field, _("Choose the desa/kelurahan."), "required"))
        return None
    region = value if isinstance(value, Region) else Region.objects.filter(code=str(value).strip()).first()
    if region is None:
        errors.append(
            _err(field, _("Region %(code)s is unknown.") % {"code": str(value)[:30]}, "unknown_region")
        )
        return None
    if region.level != RegionLevel.DESA:
        errors.append(
            _err(
                field, _("%(name)s is not a desa or kelurahan.") % {"name": region.display_name}, "not_a_desa"
            )
        )
        return None
    if not actor.covers(region.code):
        errors.append(
            _err(field, _("%(name)s is outside your area.") % {"name": region.display_name}, "outside_area")
        )
        return None
    return region


def _small_int(value: Any, field: str, label: str, errors: list[dict[str, str]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 999:
        errors.append(
            _err(field, _("%(label)s must be a number from 1 to 999.") % {"label": label}, "invalid")
        )
        return None
    return number


def _choice(value: Any, field: str, label: str, choices: Iterable[str], errors: list[dict[str, str]]) -> str:
    text = "" if value is None else str(value).strip()
    if text not in choices:
        errors.append(_err(field, _("%(label)s has an unknown value.") % {"label": label}, "invalid_choice"))
    return text


def _name(value: Any, field: str, label: str, errors: list[dict[str, str]], *, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            errors.append(_err(field, _("%(label)s is required.") % {"label": label}, "required"))
        return ""
    if len(text) > 120 or not _NAME_RE.match(text):
        errors.append(
            _err(
                field,
                _("%(label)s may contain letters, spaces and . , ' - only.") % {"label": label},
                "invalid_name",
            )
        )
    return text


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _nik_errors(nik: str, *, sex: str | None, birth_date: date | None) -> list[dict[str, str]]:
    sex_arg = sex if sex in Sex.values else None
    result = check_nik(
        nik, kecamatan_lookup=kecamatan_lookup, sex=sex_arg, birth_date=birth_date, today=_today()
    )
    return [_err("nik", e.message, e.code) for e in result.errors]


def _region_exists(plain: str) -> bool:
    dotted = ".".join(plain[i : i + 2] for i in range(0, len(plain), 2))
    return Region.objects.filter(code=dotted).exists()


def _kk_errors(kk: str) -> list[dict[str, str]]:
    result = check_kk(kk, region_lookup=_region_exists, today=_today())
    return [_err("kk_number", e.message, e.code) for e in result.errors]


def _clean_resident(data: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """Check every personal field of a new resident; fill `errors` rather than stop at the first."""
    cleaned: dict[str, Any] = {}
    cleaned["full_name"] = _name(data.get("full_name"), "full_name", _("Full name"), errors, required=True)
    cleaned["sex"] = _choice(data.get("sex"), "sex", _("Sex"), Sex.values, errors)
    birth_date = _as_date(data.get("birth_date"), "birth_date", errors, _("Date of birth"))
    _check_past_date(birth_date, "birth_date", errors, _("Date of birth"))
    cleaned["birth_date"] = birth_date
    cleaned["birth_place"] = _text(data.get("birth_place"), 80)
    cleaned["religion"] = _choice(
        data.get("religion", ""), "religion", _("Religion"), ["", *Religion.values], errors
    )
    cleaned["marital_status"] = _choice(
        data.get("marital_status") or MaritalStatus.SINGLE,
        "marital_status",
        _("Marital status"),
        MaritalStatus.values,
        errors,
    )
    cleaned["occupation"] = _text(data.get("occupation"), 80)
    cleaned["education"] = _choice(
        data.get("education", ""), "education", _("Education"), ["", *Education.values], errors
    )
    cleaned["blood_type"] = _choice(
        data.get("blood_type", ""), "blood_type", _("Blood type"), BloodType.values, errors
    )
    cleaned["citizenship"] = _choice(
        data.get("citizenship") or Citizenship.WNI,
        "citizenship",
        _("Citizenship"),
        Citizenship.values,
        errors,
    )
    cleaned["father_name"] = _name(
        data.get("father_name"), "father_name", _("Father's name"), errors, required=False
    )
    cleaned["mother_name"] = _name(
        data.get("mother_name"), "mother_name", _("Mother's name"), errors, required=False
    )
    cleaned["rw"] = _small_int(data.get("rw"), "rw", "RW", errors)
    cleaned["rt"] = _small_int(data.get("rt"), "rt", "RT", errors)
    cleaned["address"] = _text(data.get("address"), 200)
    cleaned["ever_married"] = cleaned["marital_status"] != MaritalStatus.SINGLE
    return cleaned


def _check_nik_free(nik: str, errors: list[dict[str, str]], *, exclude_pk: int | None = None) -> None:
    with unscoped("NIK uniqueness: a NIK is unique in the whole register"):
        others = Resident.objects.filter(nik=nik)
        if exclude_pk:
            others = others.exclude(pk=exclude_pk)
        taken = others.exists()
    if taken:
        # Said without telling where or who: the officer may not see that record.
        errors.append(_err("nik", _("This NIK is already in the register."), "nik_taken"))


def _kk_taken(kk_number: str, *, exclude_pk: int | None = None) -> bool:
    with unscoped("KK uniqueness: a KK number is unique in the whole register"):
        taken = Family.objects.filter(kk_number=kk_number)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        return taken.exists()


def _check_head_free(
    family: Family, relationship: str, errors: list[dict[str, str]], exclude_pk: int | None = None
) -> None:
    if relationship != Relationship.HEAD:
        return
    heads = Resident.objects.filter(family=family, relationship=Relationship.HEAD)
    if exclude_pk:
        heads = heads.exclude(pk=exclude_pk)
    if heads.exists():
        errors.append(
            _err(
                "relationship",
                _("KK %(kk)s already has a head of family; a family has only one.")
                % {"kk": family.kk_number},
                "two_heads",
            )
        )


def _audit(actor: Actor, action: str, obj: models.Model, **summary: Any) -> None:
    audit_record(actor=actor, action=f"registry.{action}", obj=obj, summary=summary)


def _new_event(
    *,
    actor: Actor,
    type: str,
    occurred_on: date,
    desa: Region,
    residents: Sequence[Resident],
    family: Family | None = None,
    place: str = "",
    reporter: str = "",
    documents: Sequence[str] = (),
    event_ref: str = "",
    details: dict[str, Any] | None = None,
) -> LifeEvent:
    event = LifeEvent.objects.create(
        type=type,
        occurred_on=occurred_on,
        place=_text(place, 200),
        reporter=_text(reporter, 120),
        documents=[_text(d, 200) for d in documents if str(d).strip()],
        event_ref=_text(event_ref, 64),
        desa=desa,
        family=family,
        details=details or {},
        actor=actor.user,
    )
    event.residents.set(residents)
    _audit(actor, f"event.{type}", event, residents=len(residents), documents=len(event.documents))
    return event


# --------------------------------------------------------------------------- numbers


def _next_serial(prefix: str, model: type[Resident] | type[Family], field: str) -> int:
    with unscoped("numbers: a NIK or KK serial is unique across every area"):
        last = (
            model.objects.filter(**{f"{field}__startswith": prefix})  # type: ignore[attr-defined]
            .order_by(f"-{field}")
            .values_list(field, flat=True)
            .first()
        )
    serial = int(last[12:]) + 1 if last else 1
    if serial > 9999:
        raise Conflict(
            _("No free serial number is left for this date and area."), code="registry.serials_exhausted"
        )
    return serial


def nik_issue(*, desa: Region, birth_date: date, sex: str) -> str:
    """The next free NIK for someone born on `birth_date` and first registered in this kecamatan."""
    kecamatan = kecamatan_of(desa.code) or desa.code
    prefix = make_nik(kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=1)[:12]
    return make_nik(
        kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=_next_serial(prefix, Resident, "nik")
    )


def kk_issue(*, desa: Region, issued_on: date | None = None) -> str:
    """The next free KK number issued today by the kecamatan of this desa."""
    day = issued_on or _today()
    prefix = (kecamatan_of(desa.code) or desa.code).replace(".", "") + day.strftime("%d%m%y")
    return f"{prefix}{_next_serial(prefix, Family, 'kk_number'):04d}"


def _create_with_number(build: Any, number_of: Any, retries: int = 5) -> Any:
    """Insert a row whose number was just computed; another office may take it at the same time."""
    for attempt in range(retries):
        number = number_of()
        try:
            with transaction.atomic():
                return build(number)
        except IntegrityError:
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- residents


def _membership_start(resident: Resident, family: Family, relationship: str, on: date) -> None:
    FamilyMembership.objects.create(
        family=family, resident=resident, relationship=relationship, started_on=on
    )


def _membership_end(resident: Resident, on: date, reason: str) -> None:
    FamilyMembership.objects.filter(resident=resident, ended_on__isnull=True).update(
        ended_on=on, end_reason=reason[:40]
    )


def _check_family_open(family: Family, errors: list[dict[str, str]]) -> None:
    if not family.is_active:
        errors.append(_err("family", _("This KK is no longer active."), "family_inactive"))


def _check_new_resident(
    actor: Actor,
    data: dict[str, Any],
    family: Family | None,
    relationship: str,
    errors: list[dict[str, str]],
) -> tuple[str, dict[str, Any], Region | None, str]:
    """Check a new resident's data: (NIK, cleaned fields, desa, relationship), problems in `errors`.

    In a family, the resident lives in the family's desa and takes its RT/RW/address where none
    is given; without one, `data["desa"]` is where they live and there is no relationship."""
    cleaned = _clean_resident(data, errors)
    nik = str(data.get("nik") or "").strip()
    errors += _nik_errors(nik, sex=cleaned["sex"], birth_date=cleaned["birth_date"])
    if not any(e["field"] == "nik" for e in errors):
        _check_nik_free(nik, errors)
    if family is not None:
        desa: Region | None = family.desa
        cleaned["rw"] = cleaned["rw"] or family.rw
        cleaned["rt"] = cleaned["rt"] or family.rt
        cleaned["address"] = cleaned["address"] or family.address
        if not str(relationship or "").strip():
            errors.append(
                _err(
                    "relationship",
                    _("%(label)s is required.") % {"label": _("Relationship to head")},
                    "required",
                )
            )
        else:
            relationship = _choice(
                relationship, "relationship", _("Relationship to head"), Relationship.values, errors
            )
            _check_head_free(family, relationship, errors)
    else:
        desa = _resolve_desa(actor, data.get("desa"), errors)
        relationship = ""
    return nik, cleaned, desa, relationship


def _insert_resident(
    *,
    actor: Actor,
    nik: str,
    cleaned: dict[str, Any],
    desa: Region,
    family: Family | None,
    relationship: str,
    reason: str,
) -> Resident:
    resident = Resident.objects.create(
        nik=nik,
        desa=desa,
        family=family,
        relationship=relationship,
        name_key=name_key(cleaned["full_name"]),
        **cleaned,
    )
    if family is not None:
        _membership_start(resident, family, relationship, _today())
        _family_history(
            family, actor=actor, action="member_added", changes={"member": [None, resident.pk]}, reason=reason
        )
    _resident_history(
        resident,
        actor=actor,
        action="create",
        changes={
            k: [None, _plain(v)]
            for k, v in [("nik", nik), *cleaned.items(), ("desa", desa)]
            if v not in ("", None)
        },
        reason=reason,
    )
    return resident


@transaction.atomic
def resident_create(
    *,
    actor: Actor,
    data: dict[str, Any],
    family: Family | None = None,
    relationship: str = "",
    reason: str = "",
) -> Resident:
    """Add a resident who already holds a NIK (imports, registrations at the counter)."""
    actor.require(REGISTRY_EDIT)
    errors: list[dict[str, str]] = []
    if family is not None:
        family = _lock_family(actor, family)
        _check_family_open(family, errors)
    nik, cleaned, desa, relationship = _check_new_resident(actor, data, family, relationship, errors)
    _fail(errors)
    assert desa is not None
    resident = _insert_resident(
        actor=actor,
        nik=nik,
        cleaned=cleaned,
        desa=desa,
        family=family,
        relationship=relationship,
        reason=reason,
    )
    _audit(actor, "resident.create", resident, family=bool(family))
    _check_duplicates([resident])
    return resident


@transaction.atomic
def resident_enter(
    *,
    actor: Actor,
    data: dict[str, Any],
    family: Family | None,
    relationship: str,
    reason: str,
) -> Resident:
    """Biodata entry: a resident who holds a NIK but is missing from the register, entered
    outside a life event, with the reason written in every history row.

    With `family` they join that KK in `relationship`; without one a new KK is issued
    (kecamatan code + today's date + next serial) in `data["desa"]` at the resident's RT/RW and
    address, with them as head. Everything is checked before anything is written."""
    actor.require(REGISTRY_EDIT)
    errors: list[dict[str, str]] = []
    reason = _check_reason(reason, errors)
    if family is not None:
        family = _lock_family(actor, family)
        _check_family_open(family, errors)
    elif str(relationship or "").strip() not in ("", Relationship.HEAD):
        errors.append(
            _err(
                "relationship",
                _(
                    "A new KK is issued with this person as its head; for another relationship, "
                    "give the number of an existing KK."
                ),
                "head_required",
            )
        )
    nik, cleaned, desa, relationship = _check_new_resident(actor, data, family, relationship, errors)
    _fail(errors)
    assert desa is not None
    new_family = family is None
    if family is None:
        family = _family_create(
            actor=actor,
            kk_number=None,
            desa=desa,
            rw=cleaned["rw"],
            rt=cleaned["rt"],
            address=cleaned["address"],
            reason=reason,
        )
        relationship = Relationship.HEAD
    resident = _insert_resident(
        actor=actor,
        nik=nik,
        cleaned=cleaned,
        desa=desa,
        family=family,
        relationship=relationship,
        reason=reason,
    )
    _audit(actor, "resident.create", resident, family=True, new_family=new_family, entry="biodata")
    _check_duplicates([resident])
    return resident


@transaction.atomic
def resident_correct(
    *,
    actor: Actor,
    resident: Resident,
    changes: dict[str, Any],
    reason: str,
    expected_version: int | None = None,
) -> Resident:
    """Correct recorded data (a typo in a name, a wrong birth date) with the reason written down."""
    actor.require(REGISTRY_CORRECT)
    resident = _lock_resident(actor, resident)
    reason = _require_reason(reason)
    _check_version(resident, expected_version)
    _require_alive(resident)
    unknown = sorted(set(changes) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            _("These fields cannot be corrected here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="registry.field_not_correctable",
        )
    errors: list[dict[str, str]] = []
    current = {f: getattr(resident, f) for f in CORRECTABLE_FIELDS if f not in ("nik", "relationship")}
    merged = {**current, **{k: v for k, v in changes.items() if k not in ("nik", "relationship")}}
    cleaned = _clean_resident(merged, errors)
    cleaned = {k: v for k, v in cleaned.items() if k in changes or k == "ever_married"}
    if cleaned.get("ever_married") is False and resident.ever_married:
        cleaned["ever_married"] = True  # once married, always "ever married"
    nik = str(changes.get("nik", resident.nik)).strip()
    birth_date = cleaned.get("birth_date", resident.birth_date)
    sex = cleaned.get("sex", resident.sex)
    if {"nik", "birth_date", "sex"} & set(changes):
        errors += _nik_errors(nik, sex=sex, birth_date=birth_date)
        if "nik" in changes and not any(e["field"] == "nik" for e in errors):
            _check_nik_free(nik, errors, exclude_pk=resident.pk)
    if "nik" in changes:
        cleaned["nik"] = nik
    if "relationship" in changes:
        if resident.family_id is None:
            errors.append(_err("relationship", _("This resident is not in a family."), "no_family"))
        else:
            relationship = _choice(
                changes["relationship"],
                "relationship",
                _("Relationship to head"),
                Relationship.values,
                errors,
            )
            assert resident.family is not None
            _check_head_free(resident.family, relationship, errors, exclude_pk=resident.pk)
            if resident.relationship == Relationship.HEAD and relationship != Relationship.HEAD:
                errors.append(
                    _err(
                        "relationship",
                        _("The head of family stays head until another member is made head."),
                        "head_required",
                    )
                )
            cleaned["relationship"] = relationship
    for parent_field in ("mother", "father"):
        parent = getattr(resident, parent_field)
        if (
            parent is not None
            and "birth_date" in cleaned
            and cleaned["birth_date"]
            and parent.birth_date >= cleaned["birth_date"]
        ):
            errors.append(
                _err("birth_date", _("A child cannot be older than their parent."), "child_older_than_parent")
            )
    _fail(errors)
    diff = _diff(resident, cleaned)
    if not diff:
        raise InvalidInput(_("Nothing was changed."), code="registry.no_change")
    event = _new_event(
        actor=actor,
        type=LifeEventType.CORRECTION,
        occurred_on=_today(),
        desa=resident.desa,
        residents=[resident],
        family=resident.family,
        details={"fields": sorted(diff), "reason": reason},
    )
    _apply(resident, cleaned)
    _resident_history(resident, actor=actor, action="correct", changes=diff, reason=reason, event=event)
    _audit(actor, "resident.correct", resident, fields=sorted(diff))
    return resident


# --------------------------------------------------------------------------- families


@transaction.atomic
def family_create(
    *, actor: Actor, kk_number: str | None, desa: Region, rw: int | None, rt: int | None, address: str
) -> Family:
    """A new KK; with `kk_number=None` the next number of the desa's kecamatan is issued."""
    actor.require(REGISTRY_EDIT)
    return _family_create(actor=actor, kk_number=kk_number, desa=desa, rw=rw, rt=rt, address=address)


def _family_create(
    *,
    actor: Actor,
    kk_number: str | None,
    desa: Region | str,
    rw: Any,
    rt: Any,
    address: str,
    reason: str = "",
) -> Family:
    errors: list[dict[str, str]] = []
    region = _resolve_desa(actor, desa, errors)
    rw_n = _small_int(rw, "rw", "RW", errors)
    rt_n = _small_int(rt, "rt", "RT", errors)
    if kk_number is not None:
        kk_number = kk_number.strip()
        errors += _kk_errors(kk_number)
        if not errors and _kk_taken(kk_number):
            errors.append(_err("kk_number", _("This KK number is already in the register."), "kk_taken"))
    _fail(errors)
    assert region is not None
    fields = {"desa": region, "rw": rw_n, "rt": rt_n, "address": _text(address, 200)}
    if kk_number is None:
        family = _create_with_number(
            lambda number: Family.objects.create(kk_number=number, issued_on=_today(), **fields),
            lambda: kk_issue(desa=region),
        )
    else:
        family = Family.objects.create(kk_number=kk_number, **fields)
    _family_history(
        family,
        actor=actor,
        action="create",
        changes={
            k: [None, _plain(v)]
            for k, v in [("kk_number", family.kk_number), *fields.items()]
            if v not in ("", None)
        },
        reason=reason,
    )
    _audit(actor, "family.create", family, issued=kk_number is None)
    return family


@transaction.atomic
def family_update(
    *, actor: Actor, family: Family, changes: dict[str, Any], reason: str, expected_version: int | None = None
) -> Family:
    """Correct a family's address or KK data; members living at the KK address move with it."""
    actor.require(REGISTRY_EDIT)
    family = _lock_family(actor, family)
    reason = _require_reason(reason)
    _check_version(family, expected_version)
    unknown = sorted(set(changes) - set(FAMILY_FIELDS))
    if unknown:
        raise InvalidInput(
            _("These fields cannot be corrected here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="registry.field_not_correctable",
        )
    errors: list[dict[str, str]] = []
    cleaned: dict[str, Any] = {}
    if "desa" in changes:
        cleaned["desa"] = _resolve_desa(actor, changes["desa"], errors)
    if "rw" in changes:
        cleaned["rw"] = _small_int(changes["rw"], "rw", "RW", errors)
    if "rt" in changes:
        cleaned["rt"] = _small_int(changes["rt"], "rt", "RT", errors)
    if "address" in changes:
        cleaned["address"] = _text(changes["address"], 200)
    if "issued_on" in changes:
        cleaned["issued_on"] = _as_date(changes["issued_on"], "issued_on", errors, _("Issue date"))
        _check_past_date(cleaned["issued_on"], "issued_on", errors, _("Issue date"))
    if "kk_number" in changes:
        kk = str(changes["kk_number"] or "").strip()
        errors += _kk_errors(kk)
        if not errors and _kk_taken(kk, exclude_pk=family.pk):
            errors.append(_err("kk_number", _("This KK number is already in the register."), "kk_taken"))
        cleaned["kk_number"] = kk
    _fail(errors)
    diff = _diff(family, cleaned)
    if not diff:
        raise InvalidInput(_("Nothing was changed."), code="registry.no_change")
    _apply(family, cleaned)
    _family_history(family, actor=actor, action="update", changes=diff, reason=reason)
    address_fields: dict[str, Any] = {k: cleaned[k] for k in ("desa", "rw", "rt", "address") if k in cleaned}
    if address_fields:
        for member in Resident.objects.select_for_update().filter(family=family):
            member_diff = _diff(member, address_fields)
            if member_diff:
                _apply(member, address_fields)
                _resident_history(
                    member, actor=actor, action="family_address", changes=member_diff, reason=reason
                )
    _audit(actor, "family.update", family, fields=sorted(diff))
    return family


def _pick_head(family: Family, *, exclude: Iterable[int]) -> Resident | None:
    """Who becomes head when the head leaves: the spouse, else the oldest adult, else the oldest."""
    members = list(
        Resident.objects.select_for_update()
        .filter(family=family, life_status=LifeStatus.ALIVE)
        .exclude(pk__in=list(exclude))
        .order_by("birth_date", "pk")
    )
    if not members:
        return None
    for member in members:
        if member.relationship in SPOUSES:
            return member
    today = _today()
    adults = [m for m in members if m.age_on(today) >= 17]
    return (adults or members)[0]


def _leave_family(
    resident: Resident,
    *,
    actor: Actor,
    on: date,
    end_reason: str,
    reason: str = "",
    event: LifeEvent | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Take a resident out of their family; name a new head or close the KK if needed."""
    family = resident.family
    if family is None:
        if extra:
            diff = _diff(resident, extra)
            _apply(resident, extra)
            _resident_history(
                resident, actor=actor, action=end_reason, changes=diff, reason=reason, event=event
            )
        return
    was_head = resident.relationship == Relationship.HEAD
    values = {"family": None, "relationship": "", **(extra or {})}
    diff = _diff(resident, values)
    _apply(resident, values)
    _membership_end(resident, on, end_reason)
    _resident_history(resident, actor=actor, action=end_reason, changes=diff, reason=reason, event=event)
    family_changes: dict[str, list[Any]] = {"member": [resident.pk, None]}
    if was_head:
        new_head = _pick_head(family, exclude=[resident.pk])
        if new_head is not None:
            _make_head(new_head, actor=actor, on=on, reason=reason, event=event)
            family_changes["head"] = [resident.pk, new_head.pk]
    if not Resident.objects.filter(family=family).exists():
        family_changes["is_active"] = [True, False]
        Family.objects.filter(pk=family.pk).update(is_active=False, version=models.F("version") + 1)
    _family_history(
        family, actor=actor, action=f"member_{end_reason}", changes=family_changes, reason=reason, event=event
    )


def _make_head(resident: Resident, *, actor: Actor, on: date, reason: str, event: LifeEvent | None) -> None:
    diff = _diff(resident, {"relationship": Relationship.HEAD})
    _apply(resident, {"relationship": Relationship.HEAD})
    _membership_end(resident, on, "new_head")
    assert resident.family is not None
    _membership_start(resident, resident.family, Relationship.HEAD, on)
    _resident_history(resident, actor=actor, action="new_head", changes=diff, reason=reason, event=event)


def _join_family(
    resident: Resident,
    family: Family,
    relationship: str,
    *,
    actor: Actor,
    on: date,
    reason: str,
    event: LifeEvent | None = None,
    action: str = "join_family",
) -> None:
    values = {
        "family": family,
        "relationship": relationship,
        "desa": family.desa,
        "rw": family.rw,
        "rt": family.rt,
    }
    if family.address:
        values["address"] = family.address
    diff = _diff(resident, values)
    _apply(resident, values)
    _membership_start(resident, family, relationship, on)
    _resident_history(resident, actor=actor, action=action, changes=diff, reason=reason, event=event)
    _family_history(
        family,
        actor=actor,
        action="member_added",
        changes={"member": [None, resident.pk]},
        reason=reason,
        event=event,
    )
    if not family.is_active:
        Family.objects.filter(pk=family.pk).update(is_active=True, version=models.F("version") + 1)


@transaction.atomic
def family_add_member(
    *, actor: Actor, family: Family, resident: Resident, relationship: str, reason: str
) -> None:
    """Put a resident who is in no family into this one (a resident is in one family at a time)."""
    actor.require(REGISTRY_EDIT)
    family = _lock_family(actor, family)
    resident = _lock_resident(actor, resident)
    reason = _require_reason(reason)
    _require_alive(resident)
    errors: list[dict[str, str]] = []
    relationship = _choice(
        relationship, "relationship", _("Relationship to head"), Relationship.values, errors
    )
    if resident.family_id == family.pk:
        errors.append(_err("resident", _("This resident is already a member of this KK."), "already_member"))
    elif resident.family_id is not None:
        assert resident.family is not None
        errors.append(
            _err(
                "resident",
                _("This resident is still a member of KK %(kk)s; remove them from it first.")
                % {"kk": resident.family.kk_number},
                "in_other_family",
            )
        )
    _check_head_free(family, relationship, errors)
    _fail(errors)
    _join_family(resident, family, relationship, actor=actor, on=_today(), reason=reason)
    _audit(actor, "family.add_member", family, resident=resident.pk)


@transaction.atomic
def family_remove_member(*, actor: Actor, family: Family, resident: Resident, reason: str) -> None:
    """Take a member off the KK; if it was the head, the spouse or eldest adult becomes head."""
    actor.require(REGISTRY_EDIT)
    family = _lock_family(actor, family)
    resident = _lock_resident(actor, resident)
    reason = _require_reason(reason)
    if resident.family_id != family.pk:
        raise InvalidInput(_("This resident is not a member of this KK."), code="registry.not_member")
    _leave_family(resident, actor=actor, on=_today(), end_reason="removed", reason=reason)
    _audit(actor, "family.remove_member", family, resident=resident.pk)


def _split(
    *,
    actor: Actor,
    family: Family,
    members: Sequence[Resident],
    new_head: Resident,
    address: str | None,
    desa: Region | None = None,
    rw: Any = "keep",
    rt: Any = "keep",
    reason: str,
    event: LifeEvent | None = None,
    found: Sequence[dict[str, str]] = (),
) -> Family:
    locked = [_lock_resident(actor, m) for m in members]
    ids = {m.pk for m in locked}
    errors = list(found)  # problems the caller found already, reported with these
    known = len(errors)
    if new_head.pk not in ids:
        errors.append(
            _err("new_head", _("The new head must be one of the members who leave."), "head_not_member")
        )
    for member in locked:
        if member.family_id != family.pk:
            errors.append(
                _err(
                    "members",
                    _("%(name)s is not a member of this KK.") % {"name": member.full_name},
                    "not_member",
                )
            )
        elif member.life_status != LifeStatus.ALIVE:
            errors.append(
                _err(
                    "members",
                    _("%(name)s is not a living resident.") % {"name": member.full_name},
                    "not_alive",
                )
            )
    remaining = Resident.objects.filter(family=family).exclude(pk__in=ids)
    if len(errors) == known and not remaining.exists():
        errors.append(
            _err(
                "members", _("All members would leave; change the family's address instead."), "whole_family"
            )
        )
    _fail(errors)
    new_family = _family_create(
        actor=actor,
        kk_number=None,
        desa=desa or family.desa,
        rw=family.rw if rw == "keep" else rw,
        rt=family.rt if rt == "keep" else rt,
        address=family.address if address is None else address,
        reason=reason,
    )
    today = _today()
    for member in sorted(locked, key=lambda m: m.pk != new_head.pk):
        relationship = Relationship.HEAD if member.pk == new_head.pk else member.relationship
        if relationship == Relationship.HEAD and member.pk != new_head.pk:
            relationship = Relationship.OTHER_RELATIVE
        was_head = member.relationship == Relationship.HEAD
        _membership_end(member, today, "split")
        _join_family(
            member,
            new_family,
            relationship,
            actor=actor,
            on=today,
            reason=reason,
            event=event,
            action="split",
        )
        _family_history(
            family,
            actor=actor,
            action="member_split",
            changes={"member": [member.pk, None]},
            reason=reason,
            event=event,
        )
        if was_head:
            successor = _pick_head(family, exclude=ids)
            if successor is not None:
                _make_head(successor, actor=actor, on=today, reason=reason, event=event)
                _family_history(
                    family,
                    actor=actor,
                    action="new_head",
                    changes={"head": [member.pk, successor.pk]},
                    reason=reason,
                    event=event,
                )
    return new_family


@transaction.atomic
def family_split(
    *,
    actor: Actor,
    family: Family,
    members: Sequence[Resident],
    new_head: Resident,
    address: str | None = None,
    reason: str | None = None,
) -> Family:
    """Members leave a KK to form a new one (a married child setting up house).

    The new KK gets the next number of the kecamatan. With `reason` (required from the officer
    pages, at least 5 characters) the history rows carry it; without, they say "KK split"."""
    actor.require(REGISTRY_EDIT)
    family = _lock_family(actor, family)
    if not members:
        raise InvalidInput(
            _("Choose the members who leave."),
            code="registry.no_members",
            details=[_err("members", _("Choose the members who leave."), "required")],
        )
    errors: list[dict[str, str]] = []
    if reason is not None:
        reason = _check_reason(reason, errors)
    new_family = _split(
        actor=actor,
        family=family,
        members=members,
        new_head=new_head,
        address=address,
        reason=reason or _("KK split"),
        found=errors,
    )
    _audit(actor, "family.split", family, new_family=new_family.pk, members=len(members))
    return new_family


# --------------------------------------------------------------------------- life events


@transaction.atomic
def birth_register(
    *,
    actor: Actor,
    family: Family,
    full_name: str,
    sex: str,
    birth_date: date,
    birth_place: str,
    mother: Resident | None,
    father: Resident | None,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
) -> Resident:
    """A child born into a family: a new NIK is issued and the child joins the KK as a child."""
    actor.require(REGISTRY_EVENTS)
    family = _lock_family(actor, family)
    errors: list[dict[str, str]] = []
    if not family.is_active:
        errors.append(_err("family", _("This KK is no longer active."), "family_inactive"))
    cleaned = _clean_resident(
        {"full_name": full_name, "sex": sex, "birth_date": birth_date, "birth_place": birth_place}, errors
    )
    child_born = cleaned["birth_date"]
    parents: dict[str, Resident] = {}
    for role, parent, want_sex in (("mother", mother, Sex.FEMALE), ("father", father, Sex.MALE)):
        if parent is None:
            continue
        parent = get_scoped(Resident.objects.all(), actor, pk=parent.pk)
        label = _("The mother") if role == "mother" else _("The father")
        if parent.sex != want_sex:
            errors.append(
                _err(role, _("%(label)s is recorded with the other sex.") % {"label": label}, "parent_sex")
            )
        if role == "mother" and parent.family_id != family.pk:
            errors.append(_err(role, _("The mother is not a member of this KK."), "mother_not_in_family"))
        if child_born and parent.birth_date >= child_born:
            errors.append(
                _err(role, _("A child cannot be older than their parent."), "child_older_than_parent")
            )
        elif child_born and parent.died_on and role == "mother" and parent.died_on < child_born:
            errors.append(
                _err(role, _("The mother's recorded date of death is before the birth."), "parent_dead")
            )
        parents[role] = parent
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    relationship = Relationship.CHILD
    head = Resident.objects.filter(family=family, relationship=Relationship.HEAD).first()
    if head is not None and parents and head.pk not in {p.pk for p in parents.values()}:
        relationship = (
            Relationship.GRANDCHILD if _is_child_of_head(parents, head) else Relationship.OTHER_RELATIVE
        )
    values = {
        **cleaned,
        "desa": family.desa,
        "rw": family.rw,
        "rt": family.rt,
        "address": family.address,
        "family": family,
        "relationship": relationship,
        "mother": parents.get("mother"),
        "father": parents.get("father"),
        "mother_name": parents["mother"].full_name if "mother" in parents else "",
        "father_name": parents["father"].full_name if "father" in parents else "",
        "name_key": name_key(cleaned["full_name"]),
    }
    child = _create_with_number(
        lambda nik: Resident.objects.create(nik=nik, **values),
        lambda: nik_issue(desa=family.desa, birth_date=child_born, sex=cleaned["sex"]),
    )
    _membership_start(child, family, relationship, child_born)
    event = _new_event(
        actor=actor,
        type=LifeEventType.BIRTH,
        occurred_on=child_born,
        desa=family.desa,
        residents=[child, *parents.values()],
        family=family,
        place=birth_place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    _resident_history(
        child,
        actor=actor,
        action="birth",
        changes={
            k: [None, _plain(v)]
            for k, v in [("nik", child.nik), *values.items()]
            if v not in ("", None) and k != "name_key"
        },
        event=event,
    )
    _family_history(
        family, actor=actor, action="member_born", changes={"member": [None, child.pk]}, event=event
    )
    _check_duplicates([child])
    return child


def _is_child_of_head(parents: dict[str, Resident], head: Resident) -> bool:
    return any(p.relationship in (Relationship.CHILD, Relationship.CHILD_IN_LAW) for p in parents.values())


@transaction.atomic
def death_register(
    *,
    actor: Actor,
    resident: Resident,
    died_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
) -> LifeEvent:
    """Mark a resident dead, take them off their KK, name a new head, widow the spouse."""
    actor.require(REGISTRY_EVENTS)
    resident = _lock_resident(actor, resident)
    _require_alive(resident)
    errors: list[dict[str, str]] = []
    _check_past_date(died_on, "died_on", errors, _("Date of death"))
    if died_on < resident.birth_date:
        errors.append(
            _err("died_on", _("The date of death is before the date of birth."), "death_before_birth")
        )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    family = resident.family
    spouses = []
    if family is not None and resident.relationship in (Relationship.HEAD, *SPOUSES):
        partner_roles = {
            Relationship.HEAD: SPOUSES,
            Relationship.HUSBAND: (Relationship.HEAD,),
            Relationship.WIFE: (Relationship.HEAD,),
        }[Relationship(resident.relationship)]
        spouses = list(
            Resident.objects.select_for_update()
            .filter(
                family=family,
                relationship__in=partner_roles,
                life_status=LifeStatus.ALIVE,
                marital_status=MaritalStatus.MARRIED,
            )
            .exclude(sex=resident.sex)
        )
    event = _new_event(
        actor=actor,
        type=LifeEventType.DEATH,
        occurred_on=died_on,
        desa=resident.desa,
        residents=[resident],
        family=family,
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    _leave_family(
        resident,
        actor=actor,
        on=died_on,
        end_reason="death",
        event=event,
        extra={"life_status": LifeStatus.DEAD, "died_on": died_on},
    )
    for spouse in spouses:
        diff = _diff(spouse, {"marital_status": MaritalStatus.WIDOWED})
        _apply(spouse, {"marital_status": MaritalStatus.WIDOWED})
        _resident_history(spouse, actor=actor, action="widowed", changes=diff, event=event)
    return event


def _lock_movers(actor: Actor, residents: Sequence[Resident]) -> list[Resident]:
    if not residents:
        raise InvalidInput(_("Choose who moves."), code="registry.no_residents")
    movers = [_lock_resident(actor, r) for r in residents]
    for mover in movers:
        _require_alive(mover)
    return movers


@transaction.atomic
def move_within(
    *,
    actor: Actor,
    residents: Sequence[Resident],
    to_desa: Region,
    rw: int | None,
    rt: int | None,
    address: str,
    moved_on: date,
    event_ref: str = "",
) -> LifeEvent:
    """A move inside the kabupaten: a whole family moves its KK; part of one gets a new KK."""
    actor.require(REGISTRY_EVENTS)
    movers = _lock_movers(actor, residents)
    errors: list[dict[str, str]] = []
    region = Region.objects.filter(code=to_desa.code if isinstance(to_desa, Region) else str(to_desa)).first()
    home = settings.WARGA_REGION_CODE
    if region is None:
        errors.append(
            _err("to_desa", _("Region %(code)s is unknown.") % {"code": str(to_desa)[:30]}, "unknown_region")
        )
    elif region.level != RegionLevel.DESA:
        errors.append(
            _err(
                "to_desa",
                _("%(name)s is not a desa or kelurahan.") % {"name": region.display_name},
                "not_a_desa",
            )
        )
    elif not code_within(region.code, home):
        errors.append(
            _err(
                "to_desa",
                _("The destination is outside this kabupaten/kota; register a move out."),
                "outside_region",
            )
        )
    rw_n = _small_int(rw, "rw", "RW", errors)
    rt_n = _small_int(rt, "rt", "RT", errors)
    _event_date(moved_on, errors)
    _fail(errors)
    assert region is not None
    origin = movers[0].desa
    event = _new_event(
        actor=actor,
        type=LifeEventType.MOVE_WITHIN,
        occurred_on=moved_on,
        desa=origin,
        residents=movers,
        details={"from": origin.code, "to": region.code},
        event_ref=event_ref,
    )
    reason = _("Move within the region")
    address_values: dict[str, Any] = {"desa": region, "rw": rw_n, "rt": rt_n, "address": _text(address, 200)}
    by_family: dict[int | None, list[Resident]] = {}
    for mover in movers:
        by_family.setdefault(mover.family_id, []).append(mover)
    for family_id, group in by_family.items():
        if family_id is None:
            for mover in group:
                diff = _diff(mover, address_values)
                _apply(mover, address_values)
                _resident_history(
                    mover, actor=actor, action="move_within", changes=diff, reason=reason, event=event
                )
            continue
        family = Family.objects.select_for_update().get(pk=family_id)
        staying = Resident.objects.filter(family=family).exclude(pk__in=[m.pk for m in group])
        if not staying.exists():
            diff = _diff(family, address_values)
            _apply(family, address_values)
            _family_history(
                family, actor=actor, action="move_within", changes=diff, reason=reason, event=event
            )
            for mover in group:
                mover.refresh_from_db()
                diff = _diff(mover, address_values)
                _apply(mover, address_values)
                _resident_history(
                    mover, actor=actor, action="move_within", changes=diff, reason=reason, event=event
                )
        else:
            head = next((m for m in group if m.relationship == Relationship.HEAD), None) or _eldest(group)
            _split(
                actor=actor,
                family=family,
                members=group,
                new_head=head,
                address=str(address_values["address"]),
                desa=region,
                rw=rw_n,
                rt=rt_n,
                reason=reason,
                event=event,
            )
    return event


def _eldest(group: Sequence[Resident]) -> Resident:
    return sorted(group, key=lambda m: (m.birth_date, m.pk))[0]


@transaction.atomic
def move_out(
    *, actor: Actor, residents: Sequence[Resident], destination: str, moved_on: date, event_ref: str = ""
) -> LifeEvent:
    """Residents leave the kabupaten: they stay on record as moved out and leave their KK."""
    actor.require(REGISTRY_EVENTS)
    movers = _lock_movers(actor, residents)
    errors: list[dict[str, str]] = []
    if not (destination or "").strip():
        errors.append(_err("destination", _("Give the destination address."), "required"))
    _event_date(moved_on, errors)
    _fail(errors)
    event = _new_event(
        actor=actor,
        type=LifeEventType.MOVE_OUT,
        occurred_on=moved_on,
        desa=movers[0].desa,
        residents=movers,
        place=destination,
        event_ref=event_ref,
    )
    # Non-heads first, so a head leaving with the whole family never hands the KK to a leaver.
    for mover in sorted(movers, key=lambda m: m.relationship == Relationship.HEAD):
        mover.refresh_from_db()
        _leave_family(
            mover,
            actor=actor,
            on=moved_on,
            end_reason="move_out",
            reason=_("Moved out"),
            event=event,
            extra={"life_status": LifeStatus.MOVED_OUT},
        )
    return event


@transaction.atomic
def move_in(
    *,
    actor: Actor,
    data: list[dict[str, Any]],
    family: Family | None,
    desa: Region,
    rw: Any,
    rt: Any,
    address: str,
    moved_on: date,
    origin: str,
    event_ref: str = "",
) -> list[Resident]:
    """People arriving from elsewhere, with their NIK: into an existing KK or a new one.

    Each item of `data` is a resident's data plus "relationship". Someone who moved out earlier
    and comes back keeps their record (matched by NIK) and is made active again.
    """
    actor.require(REGISTRY_EVENTS)
    if not data:
        raise InvalidInput(_("Add at least one person who moves in."), code="registry.no_residents")
    errors: list[dict[str, str]] = []
    if family is not None:
        family = _lock_family(actor, family)
        region: Region | None = family.desa
    else:
        region = _resolve_desa(actor, desa, errors)
    if not (origin or "").strip():
        errors.append(_err("origin", _("Give the address they come from."), "required"))
    _event_date(moved_on, errors)
    people = []
    niks: set[str] = set()
    heads = 0
    for index, item in enumerate(data, start=1):
        item_errors: list[dict[str, str]] = []
        cleaned = _clean_resident(item, item_errors)
        nik = str(item.get("nik") or "").strip()
        item_errors += _nik_errors(nik, sex=cleaned["sex"], birth_date=cleaned["birth_date"])
        with unscoped("move in: a returning resident is registered where they moved out from"):
            returning = Resident.objects.select_for_update().filter(nik=nik).first() if nik else None
        if returning is not None and returning.life_status != LifeStatus.MOVED_OUT:
            item_errors.append(_err("nik", _("This NIK is already in the register."), "nik_taken"))
        if nik in niks:
            item_errors.append(_err("nik", _("The same NIK is listed twice."), "nik_repeated"))
        niks.add(nik)
        relationship = _choice(
            item.get("relationship"),
            "relationship",
            _("Relationship to head"),
            Relationship.values,
            item_errors,
        )
        heads += relationship == Relationship.HEAD
        if family is not None:
            _check_head_free(family, relationship, item_errors)
        for e in item_errors:
            e["message"] = _("Person %(n)d: %(message)s") % {"n": index, "message": e["message"]}
            e["field"] = f"data.{index - 1}.{e['field']}"
        errors += item_errors
        people.append((nik, cleaned, relationship, returning))
    if family is None and heads != 1:
        errors.append(_err("data", _("A new KK needs exactly one head of family."), "head_count"))
    elif heads > 1:
        errors.append(_err("data", _("A family has only one head."), "two_heads"))
    _fail(errors)
    assert region is not None
    if family is None:
        family = _family_create(
            actor=actor, kk_number=None, desa=region, rw=rw, rt=rt, address=address, reason=_("Move in")
        )
    event = _new_event(
        actor=actor,
        type=LifeEventType.MOVE_IN,
        occurred_on=moved_on,
        desa=region,
        residents=[],
        family=family,
        place=origin,
        event_ref=event_ref,
    )
    result = []
    for nik, cleaned, relationship, returning in sorted(people, key=lambda p: p[2] != Relationship.HEAD):
        if returning is not None:
            values = {**cleaned, "life_status": LifeStatus.ALIVE}
            diff = _diff(returning, values)
            _apply(returning, values)
            _resident_history(
                returning, actor=actor, action="move_in", changes=diff, reason=_("Move in"), event=event
            )
            resident = returning
        else:
            resident = Resident.objects.create(
                nik=nik, desa=family.desa, name_key=name_key(cleaned["full_name"]), **cleaned
            )
            _resident_history(
                resident,
                actor=actor,
                action="move_in",
                changes={
                    k: [None, _plain(v)] for k, v in [("nik", nik), *cleaned.items()] if v not in ("", None)
                },
                event=event,
            )
        _join_family(
            resident, family, relationship, actor=actor, on=moved_on, reason=_("Move in"), event=event
        )
        result.append(resident)
    event.residents.set(result)
    _check_duplicates(result)
    return result


def _check_spouses(husband: Resident, wife: Resident, errors: list[dict[str, str]]) -> None:
    if husband.sex != Sex.MALE:
        errors.append(_err("husband", _("The husband is recorded as female."), "wrong_sex"))
    if wife.sex != Sex.FEMALE:
        errors.append(_err("wife", _("The wife is recorded as male."), "wrong_sex"))
    if husband.pk == wife.pk:
        errors.append(_err("wife", _("Choose two different people."), "same_person"))


@transaction.atomic
def marriage_register(
    *,
    actor: Actor,
    husband: Resident,
    wife: Resident,
    married_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
    dispensation_ref: str = "",
    new_family_address: str | None = None,
) -> LifeEvent:
    """Both become married. With `new_family_address` they leave their KKs for a new one
    with the husband as head; otherwise the KKs are left as they are (the couple can be
    put together later with family_add_member or family_split)."""
    actor.require(REGISTRY_EVENTS)
    husband = _lock_resident(actor, husband)
    wife = _lock_resident(actor, wife)
    _require_alive(husband)
    _require_alive(wife)
    errors: list[dict[str, str]] = []
    _check_spouses(husband, wife, errors)
    _event_date(married_on, errors)
    for role, person in (("husband", husband), ("wife", wife)):
        if person.marital_status == MaritalStatus.MARRIED and role == "wife":
            errors.append(
                _err(
                    role,
                    _("%(name)s is already recorded as married.") % {"name": person.full_name},
                    "already_married",
                )
            )
        if married_on and person.age_on(married_on) < MIN_MARRIAGE_AGE and not dispensation_ref.strip():
            errors.append(
                _err(
                    role,
                    _("%(name)s was under %(age)d on the wedding day; give the court dispensation reference.")
                    % {"name": person.full_name, "age": MIN_MARRIAGE_AGE},
                    "under_age",
                )
            )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    event = _new_event(
        actor=actor,
        type=LifeEventType.MARRIAGE,
        occurred_on=married_on,
        desa=husband.desa,
        residents=[husband, wife],
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
        details={"dispensation_ref": _text(dispensation_ref, 64)} if dispensation_ref else {},
    )
    reason = _("Marriage")
    for person in (husband, wife):
        values = {"marital_status": MaritalStatus.MARRIED, "ever_married": True}
        diff = _diff(person, values)
        _apply(person, values)
        _resident_history(person, actor=actor, action="marriage", changes=diff, reason=reason, event=event)
    if new_family_address is not None:
        new_family = _family_create(
            actor=actor,
            kk_number=None,
            desa=husband.desa,
            rw=husband.rw,
            rt=husband.rt,
            address=new_family_address or husband.address,
            reason=reason,
        )
        for person, relationship in ((husband, Relationship.HEAD), (wife, Relationship.WIFE)):
            person.refresh_from_db()
            _leave_family(
                person, actor=actor, on=married_on, end_reason="marriage", reason=reason, event=event
            )
            person.refresh_from_db()
            _join_family(
                person, new_family, relationship, actor=actor, on=married_on, reason=reason, event=event
            )
        event.family = new_family
        event.save(update_fields=["family"])
    return event


@transaction.atomic
def divorce_register(
    *,
    actor: Actor,
    husband: Resident,
    wife: Resident,
    divorced_on: date,
    place: str,
    reporter: str,
    documents: Sequence[str] = (),
    event_ref: str = "",
    leaving: Resident | None = None,
    new_family_address: str | None = None,
) -> LifeEvent:
    """Both become divorced. If they share a KK, `leaving` (default: the wife) gets her own KK,
    with whichever members are chosen later; the other keeps the KK."""
    actor.require(REGISTRY_EVENTS)
    husband = _lock_resident(actor, husband)
    wife = _lock_resident(actor, wife)
    _require_alive(husband)
    _require_alive(wife)
    errors: list[dict[str, str]] = []
    _check_spouses(husband, wife, errors)
    _event_date(divorced_on, errors)
    for role, person in (("husband", husband), ("wife", wife)):
        if person.marital_status != MaritalStatus.MARRIED:
            errors.append(
                _err(
                    role,
                    _("%(name)s is not recorded as married.") % {"name": person.full_name},
                    "not_married",
                )
            )
    if leaving is not None and leaving.pk not in (husband.pk, wife.pk):
        errors.append(
            _err("leaving", _("The one who leaves the KK must be the husband or the wife."), "invalid")
        )
    if not reporter.strip():
        errors.append(_err("reporter", _("Name who reported the event."), "required"))
    _fail(errors)
    event = _new_event(
        actor=actor,
        type=LifeEventType.DIVORCE,
        occurred_on=divorced_on,
        desa=husband.desa,
        residents=[husband, wife],
        family=husband.family,
        place=place,
        reporter=reporter,
        documents=documents,
        event_ref=event_ref,
    )
    reason = _("Divorce")
    for person in (husband, wife):
        diff = _diff(person, {"marital_status": MaritalStatus.DIVORCED})
        _apply(person, {"marital_status": MaritalStatus.DIVORCED})
        _resident_history(person, actor=actor, action="divorce", changes=diff, reason=reason, event=event)
    if husband.family_id is not None and husband.family_id == wife.family_id:
        leaver = wife if leaving is None or leaving.pk == wife.pk else husband
        leaver.refresh_from_db()
        family = Family.objects.select_for_update().get(pk=husband.family_id)
        _split(
            actor=actor,
            family=family,
            members=[leaver],
            new_head=leaver,
            address=new_family_address,
            reason=reason,
            event=event,
        )
    return event


# --------------------------------------------------------------------------- phones


def _otp_hash(phone_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"registry-otp:{phone_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _otp_send(actor: Actor, phone: Phone) -> None:
    from warga.messaging.services import sms_send

    now = timezone.now()
    if phone.otp_sent_at and now - phone.otp_sent_at < OTP_RESEND_AFTER:
        raise Conflict(
            _("A code was sent less than a minute ago. Wait a moment before asking for another."),
            code="registry.otp_too_soon",
        )
    code = f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"
    phone.otp_hash = _otp_hash(phone.pk, code)
    phone.otp_sent_at = now
    phone.otp_expires_at = now + OTP_TTL
    phone.otp_attempts = 0
    phone.save(update_fields=["otp_hash", "otp_sent_at", "otp_expires_at", "otp_attempts"])
    text = _("Warga verification code: %(code)s. Valid for %(minutes)d minutes. Do not share this code.") % {
        "code": code,
        "minutes": int(OTP_TTL.total_seconds() // 60),
    }
    sms_send(to=phone.number, text=text, purpose="otp", actor=actor)


@transaction.atomic
def phone_add(
    *, actor: Actor, resident: Resident, number: str, consent_broadcast: bool, channel: str
) -> Phone:
    """Record a resident's mobile number and send it a one-time code to prove it is theirs."""
    from warga.messaging.phones import normalize_msisdn

    actor.require(REGISTRY_PHONES)
    resident = _lock_resident(actor, resident)
    _require_alive(resident)
    msisdn = normalize_msisdn(number)
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(_("Unknown consent channel."), code="registry.invalid_channel")
    if Phone.objects.filter(resident=resident, number=msisdn).exists():
        raise Conflict(_("This number is already recorded for this resident."), code="registry.phone_exists")
    now = timezone.now()
    phone = Phone.objects.create(
        resident=resident,
        number=msisdn,
        consent_broadcast=consent_broadcast,
        consent_at=now if consent_broadcast else None,
        consent_channel=channel,
        added_by=actor.user,
    )
    _resident_history(
        resident,
        actor=actor,
        action="phone_add",
        changes={"phone": [None, msisdn], "consent_broadcast": [None, consent_broadcast]},
    )
    _audit(actor, "phone.add", phone, consent=consent_broadcast, channel=channel)
    _otp_send(actor, phone)
    return phone


@transaction.atomic
def phone_resend_code(*, actor: Actor, phone: Phone) -> Phone:
    actor.require(REGISTRY_PHONES)
    phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
    if phone.verified_at:
        raise Conflict(_("This number is already verified."), code="registry.phone_verified")
    _otp_send(actor, phone)
    _audit(actor, "phone.resend", phone)
    return phone


def phone_verify(*, actor: Actor, phone: Phone, code: str) -> Phone:
    """Check the code the resident read out. A wrong code still counts as an attempt.

    The attempt counter is saved before the error is raised, so it is not a single
    transaction around everything.
    """
    actor.require(REGISTRY_PHONES)
    failure: InvalidInput | None = None
    with transaction.atomic():
        phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
        now = timezone.now()
        if phone.verified_at:
            raise Conflict(_("This number is already verified."), code="registry.phone_verified")
        if not phone.otp_hash or not phone.otp_expires_at or phone.otp_expires_at < now:
            raise InvalidInput(_("The code has expired. Send a new code."), code="registry.otp_expired")
        if phone.otp_attempts >= OTP_MAX_ATTEMPTS:
            raise InvalidInput(_("Too many wrong codes. Send a new code."), code="registry.otp_locked")
        given = re.sub(r"\D", "", code or "")
        if hmac.compare_digest(_otp_hash(phone.pk, given), phone.otp_hash):
            phone.verified_at = now
            phone.otp_hash = ""
            phone.otp_expires_at = None
            phone.save(update_fields=["verified_at", "otp_hash", "otp_expires_at"])
            _resident_history(
                phone.resident,
                actor=actor,
                action="phone_verify",
                changes={"phone_verified": [None, phone.number]},
            )
            _audit(actor, "phone.verify", phone)
            return phone
        phone.otp_attempts += 1
        phone.save(update_fields=["otp_attempts"])
        _audit(actor, "phone.verify_failed", phone, attempts=phone.otp_attempts)
        left = OTP_MAX_ATTEMPTS - phone.otp_attempts
        failure = InvalidInput(
            _("The code is wrong. %(left)d attempts left.") % {"left": left}
            if left
            else _("Too many wrong codes. Send a new code."),
            code="registry.otp_wrong",
        )
    raise failure


@transaction.atomic
def phone_consent_set(*, actor: Actor, phone: Phone, consent_broadcast: bool, channel: str) -> Phone:
    """Record a resident giving or withdrawing consent to broadcasts. Giving it again clears an opt-out."""
    actor.require(REGISTRY_PHONES)
    phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(_("Unknown consent channel."), code="registry.invalid_channel")
    now = timezone.now()
    old = phone.consent_broadcast
    phone.consent_broadcast = consent_broadcast
    phone.consent_at = now
    phone.consent_channel = channel
    if consent_broadcast:
        phone.opted_out_at = None
    elif not phone.opted_out_at:
        phone.opted_out_at = now
    phone.save(update_fields=["consent_broadcast", "consent_at", "consent_channel", "opted_out_at"])
    _resident_history(
        phone.resident,
        actor=actor,
        action="phone_consent",
        changes={"consent_broadcast": [old, consent_broadcast]},
    )
    _audit(actor, "phone.consent", phone, consent=consent_broadcast, channel=channel)
    return phone


def _check_duplicates(residents: Sequence[Resident]) -> None:
    """Every new person is compared with the register; probable duplicates go to the
    Disdukcapil's review queue. A worker does it once the registration is committed: a
    rolled-back registration proposes nothing, and an approval at the counter does not wait for
    the comparison (it never blocks the registration, it only proposes a review)."""
    from warga.dedupe.tasks import dedupe_check_residents_task  # the dedupe app builds on the registry

    ids = [r.pk for r in residents if r.pk]
    if ids:
        enqueue_on_commit(dedupe_check_residents_task, ids)
