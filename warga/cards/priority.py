"""Ranking the print queue with a rule set (data), explaining each person's place.

Each scoring rule gives a value between 0 and 1 that is multiplied by its weight; the score
is the sum, ties go to whoever has waited longest. "Fair share per kecamatan" is not a score:
it divides the places between kecamatan in proportion to their print-ready backlog (largest
remainder), and each kecamatan's places go to its highest scores.

Candidates are read in one query of plain columns, so ranking 95,000 print-ready records
takes a fraction of a second even in a register of millions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from warga.core.scoping import Actor, scoped
from warga.org.models import Unit
from warga.regions.models import Region, RegionLevel
from warga.registry.models import LifeStatus

from .models import KtpCard, KtpStatus, PrintBatchItem, PriorityRule, PriorityRuleSet, RuleKind
from .selectors import birth_cutoff


@dataclass
class Ranked:
    card_id: int
    resident_id: int
    kecamatan: str
    waiting_since: datetime
    score: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    rank: int = 0
    selected: bool = False


@dataclass
class KecamatanShare:
    code: str
    name: str
    backlog: int
    places: int


@dataclass
class QueueResult:
    entries: list[Ranked]
    shares: list[KecamatanShare]
    size: int
    fair_share: bool

    @property
    def selected(self) -> list[Ranked]:
        return [e for e in self.entries if e.selected]


def rules_snapshot(rule_set: PriorityRuleSet) -> list[dict[str, Any]]:
    return [
        {"kind": r.kind, "weight": r.weight, "on_date": r.on_date.isoformat() if r.on_date else None}
        for r in rule_set.rules.all().order_by("position", "id")
    ]


def _pending_application_residents(resident_ids: set[int]) -> set[int]:
    """Residents with an application in progress whose document is the KTP-el itself.

    Pending applications are few compared with the queue: read their applicants and
    intersect, rather than sending tens of thousands of ids to the database.
    """
    from warga.applications.models import ACTIVE_STATUSES, Application, DocumentType

    pending = Application.objects.filter(
        status__in=ACTIVE_STATUSES,
        service__document_type=DocumentType.KTP_EL,
        is_sandbox=False,
        applicant_id__isnull=False,
    ).values_list("applicant_id", flat=True)
    return set(pending) & resident_ids


def candidates(*, actor: Actor, office: Unit) -> Any:
    """Print-ready cards of living residents in the office's area, not held by an open batch."""
    open_place = PrintBatchItem.objects.filter(card=OuterRef("pk"), is_open=True)
    return (
        scoped(KtpCard.objects.all(), actor)
        .filter(
            status=KtpStatus.PRR,
            resident__life_status=LifeStatus.ALIVE,
            resident__desa__within=office.area_id,
        )
        .filter(~Exists(open_place))
    )


def rank_queue(*, actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int) -> QueueResult:
    rules = list(rule_set.rules.all().order_by("position", "id"))
    rows = list(
        candidates(actor=actor, office=office).values_list(
            "id",
            "resident_id",
            "prr_at",
            "status_at",
            "is_reprint",
            "resident__birth_date",
            "resident__ever_married",
            "resident__desa_id",
        )
    )
    now = timezone.now()
    oldest = min((r[2] or r[3] for r in rows), default=now)
    span = max((now - oldest).total_seconds(), 1.0)
    pending_apps: set[int] = set()
    if any(r.kind == RuleKind.PENDING_APPLICATION for r in rules):
        pending_apps = _pending_application_residents({r[1] for r in rows})
    voter_cutoffs = {r.pk: birth_cutoff(r.on_date) for r in rules if r.kind == RuleKind.VOTER and r.on_date}

    entries: list[Ranked] = []
    for card_id, resident_id, prr_at, status_at, is_reprint, birth_date, married, desa in rows:
        since = prr_at or status_at
        entry = Ranked(card_id=card_id, resident_id=resident_id, kecamatan=desa[:8], waiting_since=since)
        for rule in rules:
            value: float
            if rule.kind == RuleKind.FIRST_COME:
                value = (now - since).total_seconds() / span
                detail: dict[str, Any] = {"days": (now - since).days}
            elif rule.kind == RuleKind.NEW_RECORDING:
                value = 0.0 if is_reprint else 1.0
                detail = {"reprint": is_reprint}
            elif rule.kind == RuleKind.VOTER:
                cutoff = voter_cutoffs.get(rule.pk)
                votes = cutoff is not None and (married or birth_date <= cutoff)
                value = 1.0 if votes else 0.0
                detail = {"on_date": rule.on_date.isoformat() if rule.on_date else None, "votes": votes}
            elif rule.kind == RuleKind.PENDING_APPLICATION:
                has = resident_id in pending_apps
                value = 1.0 if has else 0.0
                detail = {"pending": has}
            else:
                continue
            points = round(rule.weight * value, 2)
            entry.score += points
            entry.reasons.append({"rule": rule.kind, "points": points, **detail})
        entry.score = round(entry.score, 2)
        entries.append(entry)

    entries.sort(key=lambda e: (-e.score, e.waiting_since, e.card_id))
    fair = any(r.kind == RuleKind.FAIR_SHARE for r in rules)
    backlog: dict[str, int] = {}
    for e in entries:
        backlog[e.kecamatan] = backlog.get(e.kecamatan, 0) + 1
    places = _fair_places(backlog, size) if fair else {}
    taken: dict[str, int] = {}
    selected_count = 0
    for e in entries:
        if fair:
            if taken.get(e.kecamatan, 0) < places[e.kecamatan]:
                e.selected = True
        elif selected_count < size:
            e.selected = True
        if e.selected:
            taken[e.kecamatan] = taken.get(e.kecamatan, 0) + 1
            selected_count += 1
        if fair:
            e.reasons.append(
                {
                    "rule": RuleKind.FAIR_SHARE,
                    "points": 0,
                    "kecamatan": e.kecamatan,
                    "places": places[e.kecamatan],
                    "backlog": backlog[e.kecamatan],
                    "within": e.selected,
                }
            )
    # Selected first (in score order), then the rest of the queue.
    entries.sort(key=lambda e: (not e.selected, -e.score, e.waiting_since, e.card_id))
    for i, e in enumerate(entries, start=1):
        e.rank = i
    names = dict(
        Region.objects.filter(level=RegionLevel.KECAMATAN, code__in=backlog).values_list("code", "name")
    )
    shares = [
        KecamatanShare(code=k, name=names.get(k, k), backlog=n, places=taken.get(k, 0))
        for k, n in sorted(backlog.items())
    ]
    return QueueResult(entries=entries, shares=shares, size=size, fair_share=fair)


def _fair_places(backlog: dict[str, int], size: int) -> dict[str, int]:
    """Places per kecamatan in proportion to backlog (largest remainder), never above backlog."""
    total = sum(backlog.values())
    if size >= total:
        return dict(backlog)
    exact = {k: size * n / total for k, n in backlog.items()}
    places = {k: int(v) for k, v in exact.items()}
    left = size - sum(places.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - places[k]), k))[:left]:
        places[k] += 1
    return places


def reason_text(reason: dict[str, Any]) -> str:
    """One line of a person's ranking explanation, in the user's language."""
    rule = reason.get("rule")
    points = reason.get("points", 0)
    if rule == RuleKind.FIRST_COME:
        text = _("Print-ready for %(days)d days") % {"days": reason.get("days", 0)}
    elif rule == RuleKind.NEW_RECORDING:
        text = _("Reprint") if reason.get("reprint") else _("First card (new recording)")
    elif rule == RuleKind.VOTER:
        day = reason.get("on_date")
        shown = formats.date_format(date.fromisoformat(day), "SHORT_DATE_FORMAT") if day else "?"
        if reason.get("votes"):
            text = _("Will be a voter on %(date)s") % {"date": shown}
        else:
            text = _("Not yet a voter on %(date)s") % {"date": shown}
    elif rule == RuleKind.PENDING_APPLICATION:
        text = (
            _("Has a pending application that needs the card")
            if reason.get("pending")
            else _("No pending application that needs the card")
        )
    elif rule == RuleKind.FAIR_SHARE:
        kec = reason.get("kecamatan", "")
        name = Region.objects.filter(code=kec).values_list("name", flat=True).first() or kec
        values = {"name": name, "places": reason.get("places", 0), "backlog": reason.get("backlog", 0)}
        if reason.get("within"):
            text = (
                _("Within the fair share of Kec. %(name)s (%(places)d places for %(backlog)d waiting)")
                % values
            )
        else:
            text = (
                _("Beyond the fair share of Kec. %(name)s (%(places)d places for %(backlog)d waiting)")
                % values
            )
        return text
    else:
        return str(rule)
    return f"{text}: +{points:g}"


def default_rule_set() -> PriorityRuleSet:
    """The rule set used when none is chosen: first come, first served (created on first use)."""
    found = PriorityRuleSet.objects.filter(is_default=True).first()
    if found is not None:
        return found
    rule_set = PriorityRuleSet.objects.create(name=_("First come, first served"), is_default=True)
    PriorityRule.objects.create(rule_set=rule_set, position=1, kind=RuleKind.FIRST_COME, weight=10)
    return rule_set
