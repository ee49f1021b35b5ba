"""Demo card data: KTP-el statuses for the demo residents, a blank-card request with a smaller
allocation (as in Cianjur: much asked, little received), stock moved to the first kecamatan
office, an election rule set, and a print day at Disdukcapil made through the services an
operator's pages use: a batch locked off the queue, its results recorded in one step (most
printed, a few spoiled), the batch closed, the cards of the first kecamatan sent, received and
partly handed over, those of the second on their way. Running it again adds nothing."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel
from warga.registry.models import Resident

from .models import (
    BlankRequest,
    EntryKind,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PrintBatch,
    PriorityRule,
    PriorityRuleSet,
    ProofKind,
    RuleKind,
    StockAccount,
    StockEntry,
)
from .priority import candidates, default_rule_set
from .selectors import cards_to_send, ktp_required_q
from .services import (
    PrintInput,
    card_hand_over,
    delivery_receive,
    delivery_send,
    print_batch_close,
    print_batch_lock,
    print_results_plan,
    print_results_record,
    print_results_token,
)

FIRST_SERIAL = "0320300001"  # the first blank of the demo allocation (0320300001–0320302000)
PRINT_DAY_PLACES = 60  # at most; a print day takes a quarter of the queue, never all of it
SPOILED_FIRST, SPOILED_EVERY = 7, 19  # the 7th, 26th and 45th blanks of the run were spoiled
HANDED_OVER = 3  # cards of the first kecamatan collected the same day


def seed(region: Region, *, size: str, seed: int) -> str:
    summary = _statuses_and_stock(region, seed=seed)
    printed = _print_day(region)
    return f"{summary}; {printed}" if printed else summary


@transaction.atomic
def _statuses_and_stock(region: Region, *, seed: int) -> str:
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


@transaction.atomic
def _print_day(region: Region) -> str:
    """Today's print day at Disdukcapil, through the services the pages use (see the module)."""
    if PrintBatch.objects.exists():
        return ""
    operator = User.objects.filter(username="cetak").first()
    counter = User.objects.filter(username="loket").first()
    dukcapil = Unit.objects.filter(code="disdukcapil").first()
    if operator is None or counter is None or dukcapil is None or counter.unit is None:
        return ""  # the demo's officers are made first by `demo_setup`; without them, no print day
    printer = Actor.for_user(operator)
    waiting = candidates(actor=printer, office=dukcapil).count()
    if not waiting:
        return "nobody print-ready, no print day"
    size = min(PRINT_DAY_PLACES, max(1, waiting // 4))
    batch = print_batch_lock(actor=printer, office=dukcapil, rule_set=default_rule_set(), size=size)
    places = batch.items.count()
    width = len(FIRST_SERIAL)
    spoiled = [
        str(int(FIRST_SERIAL) + k - 1).zfill(width) for k in range(SPOILED_FIRST, places + 1, SPOILED_EVERY)
    ]
    data = PrintInput(
        mode="run", first_serial=FIRST_SERIAL, spoiled=spoiled, reason="Cetakan bergaris, tinta habis"
    )
    plan = print_results_plan(actor=printer, batch=batch, data=data)
    if not plan.ok:
        transaction.set_rollback(True)
        return f"print day not recorded: {(plan.refusals or plan.unknown or ['nothing to record'])[0]}"
    plan = print_results_record(actor=printer, batch=batch, data=data, token=print_results_token(plan))
    print_batch_close(actor=printer, batch=batch)

    # The first kecamatan's cards go out and arrive; a few are collected at once. The second
    # kecamatan's are on their way; the rest wait at Disdukcapil to be sent.
    counter_actor = Actor.for_user(counter)
    home = counter.unit
    kecamatan = list(
        Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area__within=region.code).order_by("area__code")
    )
    others = [u for u in kecamatan if u.pk != home.pk][:1]
    sent = received = handed = 0
    for office in [home, *others]:
        cards = list(cards_to_send(actor=printer).filter(resident__desa__within=office.area_id))
        if not cards:
            continue
        delivery = delivery_send(actor=printer, from_office=dukcapil, to_office=office, cards=cards)
        sent += len(cards)
        if office.pk != home.pk:
            continue
        delivery_receive(actor=counter_actor, delivery=delivery)
        received += len(cards)
        for card in (
            KtpCard.objects.filter(pk__in=[c.pk for c in cards]).select_related("resident").order_by("pk")
        )[:HANDED_OVER]:
            card_hand_over(
                actor=counter_actor,
                card=card,
                recipient_name=card.resident.full_name,
                proof_kind=ProofKind.ID,
                proof_note="KK diperlihatkan",
            )
            handed += 1
    return (
        f"print day: batch #{batch.pk} of {places} places, {plan.printed} printed, {plan.spoiled} spoiled;"
        f" {sent} cards sent, {received} at {home.name} ({handed} handed over)"
    )
