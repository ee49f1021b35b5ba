"""The people SMS reaches, as messaging sees them.

Residents and their numbers belong to the register, which sits above messaging: it provides
them through this interface when it starts (`register_audience` in its AppConfig.ready()), so
messaging never imports it. Apps that know more about residents add the broadcast segments they
own (`register_segment_filter`; cards adds the KTP-el status).

The phone rows an audience returns have `id`, `number` and `resident`, whose `full_name`,
`desa` (with `name` and `parent`), `rw` and `rt` fill a broadcast's variables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

if TYPE_CHECKING:
    from warga.core.scoping import Actor


class Audience(Protocol):
    def phones(self) -> QuerySet[Any]:
        """Every phone row: the id range a broadcast is queued over, chunk by chunk."""
        ...

    def recipient_phones(
        self, *, desa_prefix: str, rw: int | None, rt: int | None, segment: Mapping[str, Any], today: date
    ) -> QuerySet[Any]:
        """Verified numbers with consent, neither opted out nor failed, of living residents
        within the region `desa_prefix` (and RW/RT), filtered by the register's own segment
        fields (sex, min_age, max_age)."""
        ...

    def residents(self, *, desa_prefix: str) -> QuerySet[Any]:
        """Residents within the region, for the segment filters of other apps."""
        ...

    def residents_for_number(self, number: str) -> list[Any]:
        """Living residents for whom this very number is verified, with their desa."""
        ...

    def resident_with_verified_number(self, *, actor: Actor, nik: str) -> tuple[Any | None, str | None]:
        """The resident with this NIK in the actor's area (None if none) and their most recently
        verified number (None if none)."""
        ...


SegmentFilter = Callable[..., QuerySet[Any]]  # (residents, value, *, on: date) -> residents

_AUDIENCE: list[Audience] = []
_SEGMENT_FILTERS: dict[str, SegmentFilter] = {}


def register_audience(audience: Audience) -> None:
    _AUDIENCE[:] = [audience]


def audience() -> Audience:
    if not _AUDIENCE:
        raise ImproperlyConfigured("No app provides the SMS audience (warga.registry is not installed).")
    return _AUDIENCE[0]


def register_segment_filter(key: str, segment_filter: SegmentFilter) -> None:
    """A broadcast segment field owned by another app: `segment_filter(residents, value, on=day)`
    returns the residents that match."""
    _SEGMENT_FILTERS[key] = segment_filter


def segment_filters() -> dict[str, SegmentFilter]:
    return dict(_SEGMENT_FILTERS)


class RecipientList(Protocol):
    """People outside the register that an app keeps with their own SMS consent (the stakeholder
    register): a broadcast whose segment names the list (`{"list": key, …}`) goes to them
    instead of residents. Registered by the owning app in its AppConfig.ready()."""

    def clean(self, *, actor: Actor, area_code: str, selection: Mapping[str, Any]) -> dict[str, Any]:
        """The selection checked for this actor (InvalidInput/NotFound otherwise), as stored
        on the broadcast. A person chosen by name who cannot receive it is refused here."""
        ...

    def recipients(self, *, area_code: str, selection: Mapping[str, Any]) -> QuerySet[Any]:
        """Rows that may receive it (consent given), with `id` and a `number` column."""
        ...

    def excluded(self, *, area_code: str, selection: Mapping[str, Any]) -> list[tuple[str, int]]:
        """What the selection holds that `recipients` leaves out: (translated reason, count)."""
        ...

    def columns(self) -> dict[str, Any]:
        """The broadcast variables (nama, desa, kecamatan, rw, rt) as expressions over the rows."""
        ...

    def top_id(self) -> int:
        """The highest row id: the range a broadcast is queued over, chunk by chunk."""
        ...


_LISTS: dict[str, RecipientList] = {}


def register_recipient_list(key: str, recipient_list: RecipientList) -> None:
    _LISTS[key] = recipient_list


def recipient_list(key: str) -> RecipientList | None:
    return _LISTS.get(key)
