"""Limits and checks shared by the register's services: locking, versions, reasons, field
cleaning, memberships and the duplicate check after a registration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.core.tasks import enqueue_on_commit
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import kecamatan_lookup

from ..identity import check_kk, check_nik
from ..models import (
    BloodType,
    Citizenship,
    Education,
    Family,
    FamilyMembership,
    LifeStatus,
    MaritalStatus,
    Relationship,
    Religion,
    Resident,
    Sex,
)

OLDEST_BIRTH_DATE = date(1880, 1, 1)
SPOUSES = (Relationship.HUSBAND, Relationship.WIFE)
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'`’\-])*$")


def _today() -> date:
    return timezone.localdate()


def _fail(errors: list[dict[str, str]]) -> None:
    """Raise one InvalidInput carrying every problem found, so a form can show them all."""
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), code="registry.invalid", details=errors)


def _err(field: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


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


def _membership_start(resident: Resident, family: Family, relationship: str, on: date) -> None:
    FamilyMembership.objects.create(
        family=family, resident=resident, relationship=relationship, started_on=on
    )


def _membership_end(resident: Resident, on: date, reason: str) -> None:
    FamilyMembership.objects.filter(resident=resident, ended_on__isnull=True).update(
        ended_on=on, end_reason=reason[:40]
    )


def _check_duplicates(residents: Sequence[Resident]) -> None:
    """Every new person is compared with the register; probable duplicates go to the
    Disdukcapil's review queue. A worker does it once the registration is committed: a
    rolled-back registration proposes nothing, and an approval at the counter does not wait for
    the comparison (it never blocks the registration, it only proposes a review)."""
    from warga.dedupe.tasks import dedupe_check_residents_task  # the dedupe app builds on the registry

    ids = [r.pk for r in residents if r.pk]
    if ids:
        enqueue_on_commit(dedupe_check_residents_task, ids)
