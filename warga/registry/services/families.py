"""Families: creating and updating them, adding and removing members, splitting them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region

from ..capabilities import REGISTRY_EDIT
from ..models import (
    Family,
    LifeEvent,
    LifeStatus,
    Relationship,
    Resident,
)
from ._common import (
    SPOUSES,
    _as_date,
    _check_head_free,
    _check_past_date,
    _check_reason,
    _check_version,
    _choice,
    _err,
    _fail,
    _kk,
    _lock_family,
    _lock_resident,
    _membership_end,
    _membership_start,
    _require_alive,
    _require_reason,
    _resolve_desa,
    _small_int,
    _text,
    _today,
)
from .history import _apply, _audit, _diff, _family_history, _plain, _resident_history
from .numbers import _create_with_number, kk_issue

FAMILY_FIELDS = ("kk_number", "desa", "rw", "rt", "address", "issued_on")


@transaction.atomic
def _kk_taken(kk_number: str, *, exclude_pk: int | None = None) -> bool:
    with unscoped("KK uniqueness: a KK number is unique in the whole register"):
        taken = Family.objects.filter(kk_number=kk_number)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        return taken.exists()


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
        kk_number = _kk(kk_number, errors)
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
        kk = _kk(changes["kk_number"], errors)
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
