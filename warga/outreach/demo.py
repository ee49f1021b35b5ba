"""Demo outreach data: a motorbike team with the demo field officer ("jemput") and the counter
officer, and an outreach day tomorrow in the first desa with its target list built. Running it
again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from .models import EquipmentSet, OutreachEvent, Team, Vehicle, VehicleKind
from .services import event_targets_build


@transaction.atomic
def seed(region: Region, *, size: str, seed: int) -> str:
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
