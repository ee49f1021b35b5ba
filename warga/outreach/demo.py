"""Demo outreach data: a motorbike team with the demo field officer ("jemput") and the counter
officer, an outreach day tomorrow in the first desa with its target list built, and one
yesterday in the second desa, closed, with most of its targets served. Running it again adds
nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from .models import EquipmentSet, OutreachEvent, Target, Team, Vehicle, VehicleKind
from .services import event_close, event_targets_build, target_mark_served


def seed(region: Region, *, size: str, seed: int) -> str:
    summary = _tomorrow(region)
    served = _yesterday(region)
    return f"{summary}; {served}" if served else summary


@transaction.atomic
def _yesterday(region: Region) -> str:
    """Yesterday's outreach day in the second desa: targets built, two in three served by the
    field officer, the day closed."""
    team = Team.objects.order_by("pk").first()
    officer = User.objects.filter(username="jemput").first()
    planner = User.objects.filter(username="kadis").first()
    day = timezone.localdate() - timedelta(days=1)
    if (
        team is None
        or officer is None
        or planner is None
        or OutreachEvent.objects.filter(date__lt=timezone.localdate()).exists()
    ):
        return ""
    desa = (
        Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("code")[1:2].first()
    )
    if desa is None:
        return ""
    event = OutreachEvent.objects.create(
        team=team,
        date=day,
        desa=desa,
        meeting_point="Kantor desa",
        services=["ktp_recording", "card_handover"],
        created_by=planner,
    )
    actor = Actor.for_user(planner)
    event_targets_build(actor=actor, event=event)
    targets = list(Target.objects.filter(event=event, on_list=True).order_by("pk"))
    served = targets[: (len(targets) * 2) // 3]
    for target in served:
        target_mark_served(event=event, resident_id=target.resident_id, kind=target.kind, by=officer)
    # Served during the day itself (the demo is made afterwards).
    Target.objects.filter(event=event, served_at__isnull=False).update(
        served_at=timezone.make_aware(datetime.combine(day, time(10, 30)))
    )
    event_close(actor=actor, event=event)
    return f"1 outreach day yesterday in {desa.name}: {len(served)} of {len(targets)} targets served"


@transaction.atomic
def _tomorrow(region: Region) -> str:
    if Team.objects.exists():
        return "outreach data already present, nothing added"
    members = list(User.objects.filter(username__in=["jemput", "loket"]))
    if not members:
        return "no demo officers, nothing added"
    desa = Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("code").first()
    if desa is None:
        return "no desa loaded, nothing added"
    team = Team.objects.create(name="Tim Jemput Bola 1", area=region, capacity_per_day=60)
    team.members.set(members)
    Vehicle.objects.bulk_create(
        [Vehicle(team=team, kind=VehicleKind.MOTORBIKE, label=f"Z {4100 + i} JB") for i in range(2)]
    )
    EquipmentSet.objects.create(team=team, code="KIT-01", description="Kamera, pemindai sidik jari dan iris")
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=desa,
        meeting_point="Balai desa",
        services=["ktp_recording", "applications", "card_handover"],
        created_by=members[0],
    )
    planner = User.objects.filter(username="kadis").first()
    counts = event_targets_build(actor=Actor.for_user(planner), event=event) if planner else {}
    return f"1 team, 1 outreach day in {desa.name} with {sum(counts.values())} targets"
