"""Limits and checks shared by the register's services: locking, versions, reasons, field
cleaning, memberships and the duplicate check after a registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import kecamatan_lookup

from .. import rules
from ..models import (
    Citizenship,
    Family,
    FamilyMembership,
    LifeStatus,
    MaritalStatus,
    Relationship,
    Resident,
)
from ..signals import residents_created

SPOUSES = (Relationship.HUSBAND, Relationship.WIFE)


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
    # With its desa (what a change to the family reads next), locking the family's row only.
    return get_scoped(Family.objects.select_related("desa").select_for_update(of=("self",)), actor, pk=pk)


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
    parsed: date | None = rules.collect(errors, rules.date_value, value, None, field=field, label=label)
    return parsed


def _check_past_date(value: date | None, field: str, errors: list[dict[str, str]], label: str) -> None:
    if value is not None:
        rules.collect(errors, rules.past_date, value, None, field=field, label=label, today=_today())


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
    number: int | None = rules.collect(errors, rules.rt_rw, value, None, field=field, label=label)
    return number


def _choice(value: Any, field: str, label: str, choices: Iterable[str], errors: list[dict[str, str]]) -> str:
    text = "" if value is None else str(value).strip()
    chosen: str = rules.collect(errors, rules.choice, text, text, field=field, label=label, choices=choices)
    return chosen


def _name(value: Any, field: str, label: str, errors: list[dict[str, str]], *, required: bool) -> str:
    name: str = rules.collect(
        errors, rules.person_name, value, rules.collapse(value), field=field, label=label, required=required
    )
    return name


def _text(value: Any, limit: int) -> str:
    return rules.free_text(value, limit=limit)


def _nik(value: Any, errors: list[dict[str, str]], *, sex: str | None, birth_date: date | None) -> str:
    """The NIK normalised by its rule (spaces removed); its problems, if any, join `errors`."""
    nik: str = rules.collect(
        errors,
        rules.nik,
        value,
        str(value or "").strip(),
        kecamatan_lookup=kecamatan_lookup,
        sex=sex,
        birth_date=birth_date,
        today=_today(),
    )
    return nik


def _region_exists(plain: str) -> bool:
    dotted = ".".join(plain[i : i + 2] for i in range(0, len(plain), 2))
    return Region.objects.filter(code=dotted).exists()


def _kk(value: Any, errors: list[dict[str, str]]) -> str:
    """The KK number normalised by its rule (spaces removed); its problems, if any, join `errors`."""
    kk: str = rules.collect(
        errors, rules.kk_number, value, str(value or "").strip(), region_lookup=_region_exists, today=_today()
    )
    return kk


def _clean_resident(data: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """Check every personal field of a new resident with the rules of `rules.py`; fill `errors`
    rather than stop at the first."""

    def check(rule: Any, field: str, fallback: Any = "", **options: Any) -> Any:
        return rules.collect(errors, rule, data.get(field), fallback, **options)

    cleaned: dict[str, Any] = {}
    cleaned["full_name"] = _name(data.get("full_name"), "full_name", _("Full name"), errors, required=True)
    cleaned["sex"] = check(rules.sex, "sex")
    cleaned["birth_date"] = check(rules.birth_date, "birth_date", None, today=_today())
    cleaned["birth_place"] = rules.free_text(data.get("birth_place"), limit=rules.BIRTH_PLACE_MAX_LENGTH)
    cleaned["religion"] = check(rules.religion, "religion")
    cleaned["marital_status"] = check(rules.marital_status, "marital_status", MaritalStatus.SINGLE)
    cleaned["occupation"] = rules.free_text(data.get("occupation"), limit=rules.OCCUPATION_MAX_LENGTH)
    cleaned["education"] = check(rules.education, "education")
    cleaned["blood_type"] = check(rules.blood_type, "blood_type")
    cleaned["citizenship"] = check(rules.citizenship, "citizenship", Citizenship.WNI)
    cleaned["father_name"] = _name(
        data.get("father_name"), "father_name", _("Father's name"), errors, required=False
    )
    cleaned["mother_name"] = _name(
        data.get("mother_name"), "mother_name", _("Mother's name"), errors, required=False
    )
    cleaned["rw"] = _small_int(data.get("rw"), "rw", "RW", errors)
    cleaned["rt"] = _small_int(data.get("rt"), "rt", "RT", errors)
    cleaned["address"] = rules.free_text(data.get("address"), limit=rules.ADDRESS_MAX_LENGTH)
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
    """Every new person is announced (`residents_created`): the dedupe app compares them with
    the register once the registration is committed, so a rolled-back registration proposes
    nothing and an approval at the counter does not wait for the comparison."""
    ids = [r.pk for r in residents if r.pk]
    if ids:
        residents_created.send(sender=Resident, resident_ids=ids)
