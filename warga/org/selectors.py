"""Reads of the organisation tree. Units are reference data every officer may name (routing a
report to an OPD), so their manager is plain; what an officer may act for is chosen here."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from warga.core.scoping import Actor, get_scoped, scoped

from .models import Unit, UnitKind


def units_of_area(*, actor: Actor, kinds: Collection[str] = (UnitKind.KECAMATAN_OFFICE,)) -> QuerySet[Unit]:
    """Units of these kinds in the actor's area (and the actor's own unit), by name."""
    return scoped(Unit.objects.filter(kind__in=list(kinds)), actor).order_by("name")


def unit_of_area(*, actor: Actor, pk: int) -> Unit:
    """One unit in the actor's area (or the actor's own), else NotFound."""
    return get_scoped(Unit.objects.all(), actor, pk=pk)
