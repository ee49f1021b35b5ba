"""Reads of the stakeholder register. An OPD's officers see their unit's stakeholders; kecamatan
officers the stakeholders of their area (any unit's); the PPID utama and the
administrator every unit's in their area (`stakeholders.all_units`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from warga.core.errors import NotFound
from warga.core.scoping import Actor, scoped
from warga.org.models import Unit, UnitKind
from warga.regions.lookups import CODE_RE
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import area_regions

from . import capabilities as caps
from .models import Stakeholder, StakeholderChange

UNIT_BOUND_KINDS = (UnitKind.OPD, UnitKind.EXTERNAL)
LEVELS = (RegionLevel.KABUPATEN, RegionLevel.KECAMATAN, RegionLevel.DESA)


def unit_bound(actor: Actor) -> bool:
    """An OPD's officer (without `stakeholders.all_units`) sees only their unit's register."""
    if actor.can(caps.ALL_UNITS) or actor.unit_id is None:
        return False
    unit = actor.unit
    return unit is not None and unit.kind in UNIT_BOUND_KINDS


def stakeholders_visible(actor: Actor) -> QuerySet[Stakeholder]:
    qs = scoped(Stakeholder.objects.all(), actor)
    if unit_bound(actor) and actor.unit_id is not None:
        qs = qs.filter(unit_id=actor.unit_id)
    return qs


@dataclass(frozen=True)
class StakeholderFilters:
    kind: str = ""
    topic: str = ""
    region: str = ""  # a region code within the actor's area: that region and below
    unit_id: int | None = None
    consent: str = ""  # "yes" | "no" | ""
    active: str = "yes"  # "yes" | "no" | "all"
    query: str = ""
    ids: tuple[int, ...] = ()


def filter_stakeholders(qs: QuerySet[Stakeholder], filters: StakeholderFilters) -> QuerySet[Stakeholder]:
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.topic:
        qs = qs.filter(topics__contains=f",{filters.topic},")
    if filters.region:
        if not CODE_RE.match(filters.region):
            return qs.none()  # not a region code: nothing is within it
        qs = qs.filter(region__within=filters.region)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.consent == "yes":
        qs = qs.filter(sms_consent=True)
    elif filters.consent == "no":
        qs = qs.filter(sms_consent=False)
    if filters.active == "yes":
        qs = qs.filter(active=True)
    elif filters.active == "no":
        qs = qs.filter(active=False)
    if filters.ids:
        qs = qs.filter(pk__in=filters.ids)
    query = " ".join(filters.query.split())[:100]
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(organisation__icontains=query) | Q(position__icontains=query)
        )
    return qs


def stakeholders_list(*, actor: Actor, filters: StakeholderFilters) -> QuerySet[Stakeholder]:
    return filter_stakeholders(stakeholders_visible(actor), filters).select_related("region", "unit")


def stakeholder_get(*, actor: Actor, pk: int) -> Stakeholder:
    found = (
        stakeholders_visible(actor).select_related("region", "region__parent", "unit").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    found._scoped_for = actor  # type: ignore[attr-defined]
    return found


def stakeholder_history(stakeholder: Stakeholder) -> QuerySet[StakeholderChange]:
    return StakeholderChange.objects.filter(stakeholder=stakeholder).select_related("by")


def region_choices(actor: Actor) -> QuerySet[Region]:
    return area_regions(actor.area_code, LEVELS, include_area=True)


def unit_choices(actor: Actor) -> QuerySet[Unit]:
    """The units whose register the actor keeps: their own, or (all units) OPDs and offices."""
    if actor.can(caps.ALL_UNITS):
        return Unit.objects.filter(
            kind__in=(UnitKind.OPD, UnitKind.KECAMATAN_OFFICE, UnitKind.DESA_OFFICE, UnitKind.DISDUKCAPIL),
            is_active=True,
        ).order_by("kind", "name")
    return Unit.objects.filter(pk=actor.unit_id) if actor.unit_id else Unit.objects.none()


def stakeholder_counts(*, actor: Actor) -> dict[str, int]:
    qs = stakeholders_visible(actor).filter(active=True)
    return {"active": qs.count(), "consent": qs.filter(sms_consent=True).count()}
