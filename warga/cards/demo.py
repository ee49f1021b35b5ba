"""Demo card data: KTP-el statuses for the demo residents, a blank-card request with a smaller
allocation (as in Cianjur: much asked, little received), stock moved to the first kecamatan
office, and an election rule set. Running it again adds nothing."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from warga.accounts.models import User
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel
from warga.registry.models import Resident

from .models import (
    BlankRequest,
    EntryKind,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PriorityRule,
    PriorityRuleSet,
    RuleKind,
    StockAccount,
    StockEntry,
)
from .selectors import ktp_required_q


@transaction.atomic
def seed(region: Region, *, size: str, seed: int) -> str:
    if KtpCard.objects.exists() or StockEntry.objects.exists():
        return "card data already present, nothing added"
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    adults = list(
        Resident.objects.filter(desa__within=region.code)
        .filter(ktp_required_q(today))
        .values_list("id", flat=True)
    )
    cards: list[KtpCard] = []
    for resident_id in adults:
        roll = rng.random()
        if roll < 0.08:
            continue  # not recorded yet: the outreach targets
        recorded = now - timedelta(days=rng.randint(30, 2000))
        if roll < 0.12:
            status, prr = KtpStatus.RECORDED, None
        elif roll < 0.13:
            status, prr = KtpStatus.DUPLICATE, None
        elif roll < 0.30:
            status, prr = KtpStatus.PRR, recorded + timedelta(days=rng.randint(7, 25))
        else:
            status, prr = KtpStatus.HANDED_OVER, recorded + timedelta(days=14)
        cards.append(
            KtpCard(
                resident_id=resident_id,
                status=status,
                status_at=prr or recorded,
                recorded_at=recorded,
                prr_at=prr if status == KtpStatus.PRR else None,
                is_reprint=rng.random() < 0.05,
            )
        )
    KtpCard.objects.bulk_create(cards, batch_size=2000)
    KtpTransition.objects.bulk_create(
        [
            KtpTransition(
                card=c,
                from_status="unrecorded",
                to_status=c.status,
                occurred_at=c.status_at,
                source="import",
                note="demo",
            )
            for c in KtpCard.objects.all()
        ],
        batch_size=2000,
    )
    dukcapil = Unit.objects.filter(code="disdukcapil").first()
    kec = (
        Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN).order_by("code").first()
    )
    kec_unit = Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area=kec).first()
    if dukcapil is None or kec_unit is None:
        return f"{len(cards)} KTP-el statuses (no offices for stock)"
    main, _ = StockAccount.objects.get_or_create(office=dukcapil)
    kec_account, _ = StockAccount.objects.get_or_create(office=kec_unit)
    head = User.objects.filter(roles__role="disdukcapil_head").first() or User.objects.first()
    request = None
    if head is not None:
        request = BlankRequest.objects.create(
            account=main,
            reference="470/045/Disdukcapil/2026",
            quantity_asked=10_000,
            asked_on=today - timedelta(days=40),
            note="demo",
            actor=head,
        )
    StockEntry.objects.create(
        account=main,
        kind=EntryKind.ALLOCATION,
        quantity=2_000,
        occurred_on=today - timedelta(days=20),
        request=request,
        serial_from="0320300001",
        serial_to="0320302000",
        actor=head,
    )
    ref = uuid.uuid4()
    StockEntry.objects.create(
        account=main,
        kind=EntryKind.TRANSFER_OUT,
        quantity=-200,
        occurred_on=today - timedelta(days=19),
        transfer_id=ref,
        counterpart=kec_account,
        actor=head,
    )
    StockEntry.objects.create(
        account=kec_account,
        kind=EntryKind.TRANSFER_IN,
        quantity=200,
        occurred_on=today - timedelta(days=19),
        transfer_id=ref,
        counterpart=main,
        actor=head,
    )
    election = PriorityRuleSet.objects.create(
        name="Pemilu: pemilih dulu, adil per kecamatan", description="demo"
    )
    for position, (kind, weight) in enumerate(
        [
            (RuleKind.VOTER, 100),
            (RuleKind.PENDING_APPLICATION, 50),
            (RuleKind.FIRST_COME, 20),
            (RuleKind.FAIR_SHARE, 0),
        ],
        start=1,
    ):
        PriorityRule.objects.create(
            rule_set=election,
            position=position,
            kind=kind,
            weight=weight,
            on_date=today + timedelta(days=90) if kind == RuleKind.VOTER else None,
        )
    return f"{len(cards)} KTP-el statuses, 10,000 blanks asked, 2,000 received, 200 at {kec_unit.name}"
