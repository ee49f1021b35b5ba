"""Registering, entering and correcting residents."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor
from warga.regions.models import Region

from ..capabilities import REGISTRY_CORRECT, REGISTRY_EDIT
from ..models import (
    Family,
    LifeEventType,
    Relationship,
    Resident,
)
from ..names import name_key
from ._common import (
    _check_duplicates,
    _check_head_free,
    _check_nik_free,
    _check_reason,
    _check_version,
    _choice,
    _clean_resident,
    _err,
    _fail,
    _lock_family,
    _lock_resident,
    _membership_start,
    _nik_errors,
    _require_alive,
    _require_reason,
    _resolve_desa,
    _today,
)
from .families import _family_create
from .history import _apply, _audit, _diff, _family_history, _new_event, _plain, _resident_history

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
