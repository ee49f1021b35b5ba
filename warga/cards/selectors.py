"""Reads of KTP-el status, targets, stock and statistics. Aggregates are computed in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from warga.core.scoping import Actor, scoped, unscoped
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel
from warga.registry.models import KTP_AGE, LifeStatus, Resident

from .models import (
    STORED_STATUSES,
    BlankRequest,
    Delivery,
    EntryKind,
    KtpCard,
    KtpStatus,
    PrintBatch,
    StockAccount,
    StockEntry,
    Suket,
    SuketStatus,
)

FAILURE_STATUSES = (KtpStatus.DUPLICATE, KtpStatus.ENROLMENT_FAILED)


RATE_DAYS = 14


def birth_cutoff(on: date, years: int = KTP_AGE) -> date:
    """The latest birth date of someone who is `years` old on `on` (29 February → 28th)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def ktp_required_q(on: date, prefix: str = "") -> Q:
    """Residents who must hold a KTP-el on `on`: alive, and 17 or older or ever married."""
    return Q(**{f"{prefix}life_status": LifeStatus.ALIVE}) & (
        Q(**{f"{prefix}birth_date__lte": birth_cutoff(on)}) | Q(**{f"{prefix}ever_married": True})
    )


def filter_residents_by_ktp_status(
    qs: QuerySet[Resident], statuses: Sequence[str], *, on: date | None = None
) -> QuerySet[Resident]:
    """Residents whose KTP-el status on `on` (default today) is one of `statuses`.

    Stored statuses come from the card row (its copy on the resident); residents without one
    are `not_required` or `not_recorded` depending on their age and marriage at that date.
    """
    on = on or timezone.localdate()
    wanted = set(statuses)
    unknown = wanted - set(KtpStatus.values)
    if unknown:
        raise ValueError(f"unknown KTP-el status: {sorted(unknown)}")
    q = Q(pk__in=[])
    stored = [s for s in wanted if s in STORED_STATUSES]
    if stored:
        q |= Q(ktp_status__in=stored)
    required = ktp_required_q(on)
    if KtpStatus.NOT_RECORDED in wanted:
        q |= Q(ktp_status="") & required
    if KtpStatus.NOT_REQUIRED in wanted:
        q |= Q(ktp_status="") & ~required
    return qs.filter(q)


def ktp_status_of(resident: Resident, *, on: date | None = None) -> str:
    card = KtpCard.objects.filter(resident=resident).only("status").first()
    if card is not None:
        return card.status
    on = on or timezone.localdate()
    return KtpStatus.NOT_RECORDED if resident.ktp_required_on(on) else KtpStatus.NOT_REQUIRED


def ktp_card_of(resident: Resident) -> KtpCard | None:
    return (
        KtpCard.objects.filter(resident=resident).select_related("printed_by_office", "pickup_office").first()
    )


# --- Targets -----------------------------------------------------------------------------------


@dataclass
class TargetRow:
    code: str
    name: str
    required: int = 0
    not_recorded: int = 0
    new_voters: int = 0  # not recorded, turning 17 between today and the chosen date
    failed: int = 0
    waiting: int = 0  # recorded, waiting for the centre
    prr: int = 0
    printed: int = 0  # printed, sent or handed over

    @property
    def coverage(self) -> float:
        if not self.required:
            return 100.0
        return round(100.0 * (self.required - self.not_recorded) / self.required, 1)

    def add(self, other: TargetRow) -> None:
        for name in ("required", "not_recorded", "new_voters", "failed", "waiting", "prr", "printed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _area_code(actor: Actor, area_code: str | None) -> str:
    code = area_code or actor.area_code or settings.WARGA_REGION_CODE
    if not actor.covers(code):
        code = actor.area_code or ""
    return code


def targets_per_desa(
    *, actor: Actor, area_code: str | None = None, on: date | None = None
) -> list[TargetRow]:
    """Per desa: residents who must hold a KTP-el on `on`, and where they are in the chain.

    One GROUP BY over the register alone: the card's status is copied onto the resident by
    the database (cards migration 0003), so no join to the card rows is needed.
    """
    on = on or timezone.localdate()
    today = timezone.localdate()
    code = _area_code(actor, area_code)
    qs = scoped(Resident.objects.all(), actor).filter(desa__within=code).filter(ktp_required_q(on))
    no_card = Q(ktp_status="")
    newly = Q(birth_date__gt=birth_cutoff(today), ever_married=False) if on > today else Q(pk__in=[])
    rows = (
        qs.values("desa_id")
        .annotate(
            required=Count("id"),
            not_recorded=Count("id", filter=no_card),
            new_voters=Count("id", filter=no_card & newly),
            failed=Count("id", filter=Q(ktp_status__in=FAILURE_STATUSES)),
            waiting=Count("id", filter=Q(ktp_status=KtpStatus.RECORDED)),
            prr=Count("id", filter=Q(ktp_status=KtpStatus.PRR)),
            printed=Count(
                "id",
                filter=Q(
                    ktp_status__in=[
                        KtpStatus.PRINTED,
                        KtpStatus.SENT_TO_KECAMATAN,
                        KtpStatus.HANDED_OVER,
                    ]
                ),
            ),
        )
        .order_by("desa_id")
    )
    fetched = list(rows)
    names = dict(Region.objects.filter(code__within=code, level=RegionLevel.DESA).values_list("code", "name"))
    result = []
    for row in fetched:
        values: dict[str, Any] = dict(row)
        desa = values.pop("desa_id")
        result.append(TargetRow(code=desa, name=names.get(desa, desa), **values))
    return result


def targets_per_kecamatan(rows: list[TargetRow]) -> list[TargetRow]:
    codes = sorted({r.code[:8] for r in rows})
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    totals: dict[str, TargetRow] = {}
    for row in rows:
        kec = row.code[:8]
        totals.setdefault(kec, TargetRow(code=kec, name=names.get(kec, kec))).add(row)
    return [totals[c] for c in codes]


def target_residents(*, actor: Actor, area_code: str, on: date | None = None) -> QuerySet[Resident]:
    """The residents to reach: required on `on`, not recorded, or whose recording failed."""
    on = on or timezone.localdate()
    qs = scoped(Resident.objects.all(), actor).filter(desa__within=area_code)
    qs = qs.filter(ktp_required_q(on)).filter(Q(ktp_status="") | Q(ktp_status__in=FAILURE_STATUSES))
    return qs.select_related("desa", "ktp_card").order_by("desa_id", "rw", "rt", "full_name", "id")


def prr_backlog_per_kecamatan(*, actor: Actor) -> list[dict[str, Any]]:
    rows = (
        scoped(KtpCard.objects.filter(status=KtpStatus.PRR), actor)
        .annotate(kec=Left("resident__desa_id", 8))
        .values("kec")
        .annotate(n=Count("id"))
        .order_by("kec")
    )
    names = dict(Region.objects.filter(level=RegionLevel.KECAMATAN).values_list("code", "name"))
    return [{"code": r["kec"], "name": names.get(r["kec"], r["kec"]), "count": r["n"]} for r in rows]


def status_counts(*, actor: Actor) -> dict[str, int]:
    rows = scoped(KtpCard.objects.all(), actor).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


# --- Stock ---------------------------------------------------------------------------------------


def stock_balance(account: StockAccount | int) -> int:
    account_id = account if isinstance(account, int) else account.pk
    return int(
        StockEntry.objects.filter(account_id=account_id).aggregate(b=Coalesce(Sum("quantity"), 0))["b"]
    )


@dataclass
class StockLine:
    account: StockAccount
    balance: int
    printed_14d: int
    spoiled_14d: int

    @property
    def daily_rate(self) -> float:
        return (self.printed_14d + self.spoiled_14d) / RATE_DAYS

    @property
    def days_of_cover(self) -> float | None:
        """How many days the stock lasts at the last two weeks' printing rate (None: no printing)."""
        if self.daily_rate <= 0:
            return None
        return round(self.balance / self.daily_rate, 1)


def stock_overview(accounts: QuerySet[StockAccount], *, on: date | None = None) -> list[StockLine]:
    on = on or timezone.localdate()
    since = on - timedelta(days=RATE_DAYS - 1)
    rows = accounts.select_related("office").annotate(
        balance=Coalesce(Sum("entries__quantity"), 0),
        printed_14d=Coalesce(
            Sum(
                "entries__quantity",
                filter=Q(entries__kind=EntryKind.CONSUMPTION, entries__occurred_on__gte=since),
            ),
            0,
        ),
        spoiled_14d=Coalesce(
            Sum(
                "entries__quantity",
                filter=Q(entries__kind=EntryKind.SPOILED, entries__occurred_on__gte=since),
            ),
            0,
        ),
    )
    return [
        StockLine(account=a, balance=a.balance, printed_14d=-a.printed_14d, spoiled_14d=-a.spoiled_14d)
        for a in rows.order_by("office__kind", "office__name")
    ]


def stock_accounts(*, actor: Actor) -> QuerySet[StockAccount]:
    return scoped(StockAccount.objects.all(), actor)


@unscoped("public page: the blank stock of every printing office")
def public_stock() -> list[StockLine]:
    """Today's stock of every printing office: published without login, no personal data."""
    return stock_overview(StockAccount.objects.filter(office__is_active=True))


def stock_entries(*, actor: Actor, account: StockAccount | None = None) -> QuerySet[StockEntry]:
    qs = scoped(StockEntry.objects.all(), actor).select_related(
        "account__office", "counterpart__office", "actor"
    )
    if account is not None:
        qs = qs.filter(account=account)
    return qs


def requests_asked_vs_received(*, actor: Actor) -> QuerySet[BlankRequest]:
    return (
        scoped(BlankRequest.objects.all(), actor)
        .select_related("account__office")
        .annotate(
            received=Coalesce(Sum("allocations__quantity"), 0), last_received=Max("allocations__occurred_on")
        )
        .annotate(outstanding=F("quantity_asked") - F("received"))
        .order_by("-asked_on", "-id")
    )


def printing_per_day(*, actor: Actor, days: int = 30) -> list[dict[str, Any]]:
    since = timezone.localdate() - timedelta(days=days - 1)
    rows = (
        scoped(StockEntry.objects.filter(kind__in=[EntryKind.CONSUMPTION, EntryKind.SPOILED]), actor)
        .filter(occurred_on__gte=since)
        .values("occurred_on", "kind")
        .annotate(n=Sum("quantity"))
    )
    by_day: dict[date, dict[str, int]] = {
        since + timedelta(days=i): {"printed": 0, "spoiled": 0} for i in range(days)
    }
    for r in rows:
        key = "printed" if r["kind"] == EntryKind.CONSUMPTION else "spoiled"
        by_day[r["occurred_on"]][key] = -r["n"]
    return [{"day": d, **v} for d, v in sorted(by_day.items())]


def printing_offices(*, actor: Actor) -> QuerySet[Unit]:
    """Offices that hold blank stock (or may: Disdukcapil and kecamatan offices) in scope."""
    return scoped(
        Unit.objects.filter(kind__in=[UnitKind.DISDUKCAPIL, UnitKind.KECAMATAN_OFFICE], is_active=True), actor
    )


# --- Batches, distribution, SUKET ---------------------------------------------------------------


def print_batches(*, actor: Actor) -> QuerySet[PrintBatch]:
    return (
        scoped(PrintBatch.objects.all(), actor)
        .select_related("office", "rule_set", "created_by")
        .annotate(
            n_items=Count("items"),
            n_printed=Count("items", filter=Q(items__result="printed")),
            n_pending=Count("items", filter=Q(items__result="pending")),
            n_spoiled=Count("items", filter=Q(items__result="spoiled")),
        )
        .order_by("-created_at", "-id")
    )


def cards_to_send(*, actor: Actor) -> QuerySet[KtpCard]:
    return scoped(KtpCard.objects.filter(status=KtpStatus.PRINTED, pickup_office__isnull=True), actor)


def deliveries(*, actor: Actor) -> QuerySet[Delivery]:
    return (
        scoped(Delivery.objects.all(), actor)
        .select_related("from_office", "to_office", "sent_by", "received_by")
        .annotate(n_cards=Count("cards"))
        .order_by("-sent_at", "-id")
    )


def cards_awaiting_pickup(*, actor: Actor) -> QuerySet[KtpCard]:
    qs = scoped(KtpCard.objects.filter(ready_at__isnull=False), actor).filter(
        status__in=[KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN]
    )
    return qs.select_related("resident__desa", "pickup_office").order_by("ready_at", "id")


def cards_uncollected(*, actor: Actor, days: int) -> QuerySet[KtpCard]:
    """Cards ready for pick-up for more than `days` days."""
    limit = timezone.now() - timedelta(days=days)
    return cards_awaiting_pickup(actor=actor).filter(ready_at__lt=limit)


def sukets(*, actor: Actor) -> QuerySet[Suket]:
    return scoped(Suket.objects.all(), actor).select_related("resident__desa", "office")


def suket_effective_status(suket: Suket, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if suket.status == SuketStatus.VALID and suket.valid_until < today:
        return "expired"
    return suket.status
