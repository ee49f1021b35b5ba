"""Reads for outreach pages and the API. Everything starts from `scoped()`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor, scoped
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import area_regions

from .models import (
    Assignment,
    Device,
    EventStatus,
    MovedResidentNotice,
    OutreachEvent,
    QuarantinedRecord,
    ReviewStatus,
    SyncRecord,
    Target,
    Team,
)
from .planner import DesaTargets


def teams_visible(*, actor: Actor) -> QuerySet[Team]:
    return (
        scoped(Team.objects.all(), actor)
        .select_related("area")
        .prefetch_related("members", "vehicles", "equipment")
        .order_by("name")
    )


def _with_counts(qs: QuerySet[OutreachEvent]) -> QuerySet[OutreachEvent]:
    return qs.select_related("desa", "team").annotate(
        n_targets=Count("targets", filter=Q(targets__on_list=True), distinct=True),
        n_served=Count(
            "targets", filter=Q(targets__on_list=True, targets__served_at__isnull=False), distinct=True
        ),
        n_outside=Count("targets", filter=Q(targets__on_list=False), distinct=True),
    )


def events_with_counts(
    *, actor: Actor, status: str = "", team_id: int | None = None, upcoming: bool = False
) -> QuerySet[OutreachEvent]:
    qs = scoped(OutreachEvent.objects.all(), actor)
    if status:
        qs = qs.filter(status=status)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if upcoming:
        qs = qs.filter(date__gte=timezone.localdate())
    return _with_counts(qs).order_by("-date", "id")


def events_for_officer(*, actor: Actor) -> QuerySet[OutreachEvent]:
    """Events of the officer's teams that a phone can still download (today − 3 days onwards)."""
    if actor.user is None:
        return OutreachEvent.objects.none()
    qs = (
        scoped(OutreachEvent.objects.all(), actor)
        .filter(
            team__members=actor.user,
            date__gte=timezone.localdate() - timedelta(days=3),
        )
        .exclude(status=EventStatus.CANCELLED)
    )
    return _with_counts(qs).order_by("date", "id")


def event_targets(*, event: OutreachEvent, kind: str = "") -> QuerySet[Target]:
    qs = Target.objects.filter(event=event).select_related("resident", "served_by")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("served_at", "resident__full_name")


def unsigned_applications() -> QuerySet[Any]:
    """Real (not training) applications still on their way whose applicant has not signed yet."""
    from warga.applications.models import Application
    from warga.applications.selectors import filter_awaiting_signature

    return filter_awaiting_signature(Application.objects.filter(is_sandbox=False))


def unsigned_applications_of(*, actor: Actor, resident_ids: Any) -> dict[int, list[tuple[str, str]]]:
    """Per resident, the (tracking code, service name) of their applications waiting for a
    signature that the actor may see, oldest first. `resident_ids`: ids or a subquery of them."""
    rows = (
        scoped(unsigned_applications(), actor)
        .filter(applicant_id__in=resident_ids)
        .select_related("service")
        .only("applicant_id", "tracking_code", "service__name", "service__name_en")
        .order_by("submitted_at", "id")
    )
    result: dict[int, list[tuple[str, str]]] = {}
    for application in rows:
        result.setdefault(application.applicant_id, []).append(
            (application.tracking_code, application.service.display_name)
        )
    return result


def results_by_team(*, actor: Actor) -> list[dict[str, Any]]:
    rows = (
        scoped(Target.objects.all(), actor)
        .exclude(event__status=EventStatus.CANCELLED)
        .values("event__team__name")
        .annotate(
            events=Count("event", distinct=True),
            targeted=Count("id", filter=Q(on_list=True)),
            served=Count("id", filter=Q(on_list=True, served_at__isnull=False)),
            outside=Count("id", filter=Q(on_list=False)),
        )
        .order_by("event__team__name")
    )
    return [
        {
            "team": r["event__team__name"],
            "events": r["events"],
            "targeted": r["targeted"],
            "served": r["served"],
            "outside": r["outside"],
        }
        for r in rows
    ]


def sync_summary(*, event: OutreachEvent) -> list[dict[str, Any]]:
    """Records synced for an event per kind and answer, with flagged phone clocks."""
    rows = (
        SyncRecord.objects.filter(assignment__event=event)
        .values("kind", "status")
        .annotate(n=Count("id"), flagged=Count("id", filter=Q(clock_flagged=True)))
        .order_by("kind", "status")
    )
    return [dict(row) for row in rows]


def devices_visible(*, actor: Actor) -> QuerySet[Device]:
    return scoped(Device.objects.all(), actor).select_related("user", "revoked_by").order_by("-registered_at")


def kabupaten_of(code: str) -> str:
    return ".".join(code.split(".")[:2])


def field_officers(*, actor: Actor) -> QuerySet[User]:
    """Active staff of the actor's kabupaten who may use the field app (possible team members)."""
    from warga.core.permissions import roles_with

    from .capabilities import OUTREACH_FIELD

    if not actor.area_code:
        return User.objects.none()
    kab = kabupaten_of(actor.area_code)
    return (
        User.objects.filter(is_active=True, roles__role__in=roles_with(OUTREACH_FIELD))
        .filter(area__within=kab)
        .distinct()
        .order_by("first_name", "username")
    )


def kecamatan_choices(*, actor: Actor) -> QuerySet[Region]:
    """Kecamatan the actor may plan for (their own, or all in their kabupaten)."""
    return area_regions(actor.area_code, [RegionLevel.KECAMATAN])


def desa_choices(*, actor: Actor) -> QuerySet[Region]:
    return area_regions(actor.area_code, [RegionLevel.DESA])


def desa_targets(*, actor: Actor, area: Region, statuses: Sequence[str]) -> list[DesaTargets]:
    """How many residents per desa of `area` have one of the KTP-el statuses (counts only)."""
    from warga.cards.selectors import filter_residents_by_ktp_status
    from warga.registry.models import LifeStatus, Resident

    residents = scoped(Resident.objects.filter(life_status=LifeStatus.ALIVE, desa__within=area.code), actor)
    counts = dict(
        filter_residents_by_ktp_status(residents, statuses)
        .values("desa_id")
        .annotate(n=Count("id"))
        .values_list("desa_id", "n")
    )
    names = dict(Region.objects.filter(code__in=counts).values_list("code", "name"))
    return [DesaTargets(code, names.get(code, code), n) for code, n in sorted(counts.items())]


def assignments_visible(*, actor: Actor) -> QuerySet[Assignment]:
    return (
        scoped(Assignment.objects.all(), actor)
        .select_related("event", "event__desa", "device", "device__user")
        .annotate(n_records=Count("records"))
        .order_by("-issued_at")
    )


def quarantined_records(*, actor: Actor, pending: bool = True) -> QuerySet[QuarantinedRecord]:
    """What revoked phones handed over, in the actor's area, oldest first."""
    qs = scoped(QuarantinedRecord.objects.all(), actor).select_related(
        "device", "officer", "assignment__event__desa", "decided_by"
    )
    if pending:
        qs = qs.filter(status=ReviewStatus.PENDING)
    return qs.order_by("received_at", "id")


def moved_resident_notices(*, actor: Actor, open_only: bool = True) -> QuerySet[MovedResidentNotice]:
    """Field records applied to residents who now live in the actor's area (they moved away from
    the outreach desa after the list was downloaded)."""
    qs = scoped(MovedResidentNotice.objects.all(), actor).select_related(
        "resident", "desa", "from_desa", "record__officer", "seen_by"
    )
    if open_only:
        qs = qs.filter(seen_at__isnull=True)
    return qs.order_by("-created_at", "-id")
