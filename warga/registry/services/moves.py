"""Moves: within the kabupaten, out of it and into it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor, code_within, unscoped
from warga.regions.models import Region, RegionLevel

from ..capabilities import REGISTRY_EVENTS
from ..models import (
    Family,
    LifeEvent,
    LifeEventType,
    LifeStatus,
    Relationship,
    Resident,
)
from ..names import name_key
from ._common import (
    _check_duplicates,
    _check_head_free,
    _choice,
    _clean_resident,
    _err,
    _event_date,
    _fail,
    _lock_family,
    _lock_resident,
    _nik,
    _require_alive,
    _resolve_desa,
    _small_int,
    _text,
)
from .families import _family_create, _join_family, _leave_family, _split
from .history import _apply, _diff, _family_history, _new_event, _plain, _resident_history


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
        nik = _nik(item.get("nik"), item_errors, sex=cleaned["sex"], birth_date=cleaned["birth_date"])
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
