"""Reads of the registers: the Daftar Informasi Publik and the exempted information.

The public reads (`*_public`) list what is in the register now (withdrawn entries are not); the
caller evaluates them inside `unscoped(...)` (public pages have no scope). Officers read what they
keep (`services.registers_visible`: the PPID utama every unit's, a pembantu its unit's), withdrawn
entries included when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone

from warga.core.scoping import Actor, unscoped

from .models import (
    ExemptInformation,
    ExemptionGround,
    InformationCategory,
    InformationDocument,
    PublicInformation,
)
from .services.registers import registers_visible

ACTIVE = "active"
WITHDRAWN = "withdrawn"
EVERY = "all"


@dataclass(frozen=True)
class RegisterFilters:
    """`kind`: a DIP category or an art. 17 ground; `state` (officers): active, withdrawn, all."""

    kind: str = ""
    unit_id: int | None = None
    text: str = ""
    state: str = ACTIVE


M = TypeVar("M", PublicInformation, ExemptInformation)


def _state(qs: QuerySet[M], state: str) -> QuerySet[M]:
    if state == WITHDRAWN:
        return qs.filter(withdrawn_at__isnull=False)
    if state == EVERY:
        return qs
    return qs.filter(withdrawn_at__isnull=True)


def _text(field_names: tuple[str, ...], text: str) -> Q:
    q = Q()
    for word in text.split()[:8]:
        any_field = Q()
        for name in field_names:
            any_field |= Q(**{f"{name}__icontains": word})
        q &= any_field
    return q


def information_filter(qs: QuerySet[PublicInformation], f: RegisterFilters) -> QuerySet[PublicInformation]:
    if f.kind in InformationCategory.values:
        qs = qs.filter(category=f.kind)
    if f.unit_id:
        qs = qs.filter(unit_id=f.unit_id)
    if f.text.strip():
        qs = qs.filter(_text(("title", "summary", "period"), f.text))
    return _state(qs, f.state).order_by("category", "-published_on", "-id")


def exemption_filter(qs: QuerySet[ExemptInformation], f: RegisterFilters) -> QuerySet[ExemptInformation]:
    if f.kind in ExemptionGround.values:
        qs = qs.filter(ground=f.kind)
    if f.unit_id:
        qs = qs.filter(unit_id=f.unit_id)
    if f.text.strip():
        qs = qs.filter(_text(("title", "consequence", "test_reference"), f.text))
    return _state(qs, f.state).order_by("ground", "-tested_on", "-id")


def information_public(filters: RegisterFilters) -> QuerySet[PublicInformation]:
    """The public DIP (evaluate inside `unscoped`): entries in the register, with their documents."""
    qs = PublicInformation.objects.select_related("unit").prefetch_related("documents")
    return information_filter(qs, RegisterFilters(filters.kind, filters.unit_id, filters.text, ACTIVE))


def exemptions_public(filters: RegisterFilters) -> QuerySet[ExemptInformation]:
    qs = ExemptInformation.objects.select_related("unit")
    return exemption_filter(qs, RegisterFilters(filters.kind, filters.unit_id, filters.text, ACTIVE))


def information_kept(*, actor: Actor, filters: RegisterFilters) -> QuerySet[PublicInformation]:
    qs = registers_visible(actor, PublicInformation).prefetch_related("documents")
    return information_filter(qs, filters)


def exemptions_kept(*, actor: Actor, filters: RegisterFilters) -> QuerySet[ExemptInformation]:
    return exemption_filter(registers_visible(actor, ExemptInformation), filters)


@unscoped("public download: a document of an entry in the Daftar Informasi Publik")
def information_document_public(document_id: int) -> InformationDocument | None:
    """A document anyone may download: its entry is in the register (not withdrawn)."""
    return (
        InformationDocument.objects.select_related("entry")
        .filter(pk=document_id, entry__withdrawn_at__isnull=True)
        .first()
    )


@unscoped("the Daftar Informasi Publik is public: its periodic entries for the objection form")
def periodic_choices() -> list[tuple[int, str]]:
    rows = (
        PublicInformation.objects.filter(category=InformationCategory.BERKALA, withdrawn_at__isnull=True)
        .select_related("unit")
        .order_by("unit__name", "title")
    )
    return [(e.pk, f"{e.title} — {e.unit.name}") for e in rows[:500]]


@unscoped("the exempted-information register is public: the entries a refusal may cite")
def exemption_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Entries in force, grouped by their art. 17 ground (the decision form's optgroups)."""
    today = timezone.localdate()
    rows = (
        ExemptInformation.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(exempt_until__isnull=True) | Q(exempt_until__gte=today))
        .order_by("ground", "test_reference")
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for e in rows[:500]:
        groups.setdefault(e.ground, []).append((e.pk, f"{e.test_reference} — {e.title}"))
    labels = dict(ExemptionGround.choices)
    return [(str(labels[g]), items) for g, items in groups.items()]
