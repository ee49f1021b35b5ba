"""KTP-el daily facts (warga.facts): recorded, print-ready, printed, handed over, and the
residents still to record against the election-day target, per desa; and two live figures of an
office (`warga.facts.figures`) that a queue's daily quota may follow: the cards it has for
pick-up and the blanks it was allotted that day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Sum
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import unscoped
from warga.facts.figures import register_office_figure
from warga.facts.metrics import OverTime, Rollup, Unit, counts, day_bounds, register_metric

DOMAIN = "cards"


def _transitions(status: str) -> Any:
    def compute(day: date, codes: list[str] | None) -> dict[Any, int]:
        from .models import KtpTransition

        start, end = day_bounds(day)
        qs = KtpTransition.objects.filter(to_status=status, occurred_at__gte=start, occurred_at__lt=end)
        if codes is not None:
            qs = qs.filter(card__resident__desa_id__in=codes)
        rows = qs.values(code=F("card__resident__desa_id")).annotate(n=Count("id")).order_by()
        return counts(rows)

    return compute


def _print_ready(day: date, codes: list[str] | None) -> dict[Any, int]:
    """Cards waiting to be printed (the status the register copies, as the KTP-el pages count)."""
    from warga.registry.models import Resident

    from .models import KtpStatus

    qs = Resident.objects.filter(ktp_status=KtpStatus.PRR)
    if codes is not None:
        qs = qs.filter(desa_id__in=codes)
    return counts(qs.values(code=F("desa_id")).annotate(n=Count("id")).order_by())


def election_day(day: date) -> date:
    """The date the recording target is counted against (`CARDS_ELECTION_DAY`, else the day)."""
    configured = getattr(settings, "CARDS_ELECTION_DAY", None)
    if configured:
        target = date.fromisoformat(str(configured))
        return max(target, day)
    return day


def _not_recorded(day: date, codes: list[str] | None) -> dict[Any, int]:
    """Required to hold a KTP-el by election day and not recorded: the recording targets' number."""
    from warga.registry.models import Resident

    from .selectors import ktp_required_q

    qs = Resident.objects.filter(ktp_required_q(election_day(day)), ktp_status="")
    if codes is not None:
        qs = qs.filter(desa_id__in=codes)
    return counts(qs.values(code=F("desa_id")).annotate(n=Count("id")).order_by())


def cards_for_pickup(unit_id: int, day: date) -> int:
    """The cards an office has for its holders on `day`: those waiting there now (printed or
    delivered, and received) plus those it handed over that day, so that the figure does not
    fall as the day's pick-ups are served."""
    from .models import Handover, KtpCard, KtpStatus

    start, end = day_bounds(day)
    with unscoped("an office's figure: every card it holds, whichever desa its holder lives in"):
        waiting = KtpCard.objects.filter(
            pickup_office_id=unit_id,
            ready_at__isnull=False,
            status__in=[KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN],
        ).count()
        handed = Handover.objects.filter(office_id=unit_id, handed_at__gte=start, handed_at__lt=end).count()
    return waiting + handed


def blanks_allotted(unit_id: int, day: date) -> int:
    """The blanks an office was allotted on `day`: allocations received and transfers in, less
    the transfers out of that day (at least zero)."""
    from .models import EntryKind, StockEntry

    with unscoped("an office's figure: the entries of its own blank-card account"):
        total = StockEntry.objects.filter(
            account__office_id=unit_id,
            occurred_on=day,
            kind__in=[EntryKind.ALLOCATION, EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT],
        ).aggregate(n=Sum("quantity"))["n"]
    return max(0, int(total or 0))


def register() -> None:
    from .models import KtpStatus, KtpTransition

    register_office_figure(
        key="cards.ready_for_pickup",
        label=_("Cards ready for pick-up at this office"),
        description=_("KTP-el waiting at the office for their holders, plus those handed over that day"),
        compute=cards_for_pickup,
        order=10,
    )
    register_office_figure(
        key="cards.blanks_allotted",
        label=_("Blanks allotted today at this office"),
        description=_("Blank cards received that day (allocations and transfers in, less transfers out)"),
        compute=blanks_allotted,
        order=20,
    )

    common: dict[str, Any] = {
        "domain": DOMAIN,
        "domain_label": _("KTP-el"),
        "capability": "cards.stats",
        "unit": Unit.COUNT,
        "rollup": Rollup.SUM,
    }
    register_metric(
        key="cards.recorded",
        label=_("KTP-el recorded"),
        compute=_transitions(KtpStatus.RECORDED),
        headline=True,
        order=40,
        **common,
    )
    register_metric(
        key="cards.print_ready",
        label=_("KTP-el print-ready (PRR)"),
        compute=_print_ready,
        over_time=OverTime.STOCK,
        order=41,
        **common,
    )
    register_metric(
        key="cards.printed",
        label=_("KTP-el printed"),
        compute=_transitions(KtpStatus.PRINTED),
        order=42,
        **common,
    )
    register_metric(
        key="cards.handed_over",
        label=_("KTP-el handed over"),
        compute=_transitions(KtpStatus.HANDED_OVER),
        order=43,
        **common,
    )
    register_metric(
        key="cards.not_recorded",
        label=_("Not recorded (election-day target)"),
        compute=_not_recorded,
        over_time=OverTime.STOCK,
        order=44,
        **common,
    )
    post_save.connect(_transition_saved, sender=KtpTransition, dispatch_uid="facts.cards")


def _transition_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from warga.facts.services import fact_touch

    if created:
        desa = instance.card.resident.desa_id
        fact_touch(domain=DOMAIN, region_code=desa, day=timezone.localdate(instance.occurred_at))
        fact_touch(domain=DOMAIN, region_code=desa)  # today's print-ready and still-to-record
