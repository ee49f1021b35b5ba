"""Ranking the print queue with a rule set (data), explaining each person's place.

Each scoring rule gives a value between 0 and 1 that is multiplied by its weight; the score
is the sum, ties go to whoever has waited longest. "Fair share per kecamatan" is not a score:
it divides the places between kecamatan in proportion to their print-ready backlog (largest
remainder), and each kecamatan's places go to its highest scores.

Candidates are read in one query of plain columns, so ranking 95,000 print-ready records
takes a fraction of a second even in a register of millions.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, overload

from django.core.cache import cache
from django.db import connection, transaction
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
class _Context:
    """What every entry's explanation needs, shared instead of copied per person."""

    rules: list[PriorityRule]
    now: float  # epoch seconds: 95,000 comparisons and subtractions are cheaper on floats
    oldest: float
    places: dict[str, int]
    backlog: dict[str, int]
    fair: bool


@dataclass(slots=True)
class Ranked:
    card_id: int
    resident_id: int
    kecamatan: str
    since: float  # waiting since (epoch seconds)
    is_reprint: bool
    votes: bool
    pending: bool
    context: _Context
    score: float = 0.0
    rank: int = 0
    selected: bool = False
    # Filled by pages for display.
    reason_lines: list[str] = field(default_factory=list)
    kecamatan_name: str = ""
    resident: Any = None

    @property
    def waiting_since(self) -> datetime:
        return datetime.fromtimestamp(self.since, UTC)

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """Why this person is ranked here: one item per rule, with its points (stored on the batch)."""
        ctx = self.context
        span = max(ctx.now - ctx.oldest, 1.0)
        out: list[dict[str, Any]] = []
        for rule in ctx.rules:
            if rule.kind == RuleKind.FIRST_COME:
                waited = ctx.now - self.since
                value = waited / span
                detail: dict[str, Any] = {"days": int(waited // 86400)}
            elif rule.kind == RuleKind.NEW_RECORDING:
                value, detail = (0.0 if self.is_reprint else 1.0), {"reprint": self.is_reprint}
            elif rule.kind == RuleKind.VOTER:
                value = 1.0 if self.votes else 0.0
                detail = {"on_date": rule.on_date.isoformat() if rule.on_date else None, "votes": self.votes}
            elif rule.kind == RuleKind.PENDING_APPLICATION:
                value, detail = (1.0 if self.pending else 0.0), {"pending": self.pending}
            else:
                continue
            out.append({"rule": rule.kind, "points": round(rule.weight * value, 2), **detail})
        if ctx.fair:
            out.append(
                {
                    "rule": RuleKind.FAIR_SHARE,
                    "points": 0,
                    "kecamatan": self.kecamatan,
                    "places": ctx.places.get(self.kecamatan, 0),
                    "backlog": ctx.backlog.get(self.kecamatan, 0),
                    "within": self.selected,
                }
            )
        return out


@dataclass
class KecamatanShare:
    code: str
    name: str
    backlog: int
    places: int


#: A ranked candidate before it is read: (-score, since, card_id, resident_id, kecamatan,
#: is_reprint, votes, pending).
_Row = tuple[float, float, int, int, str, bool, bool, bool]


class RankedQueue(Sequence[Ranked]):
    """The queue in rank order (the places taken first), each entry made when read."""

    def __init__(self, rows: list[_Row], order: list[int], selected: int, context: _Context):
        self._rows, self._order, self.selected_count, self._context = rows, order, selected, context

    def __len__(self) -> int:
        return len(self._order)

    def _entry(self, position: int) -> Ranked:
        score, since, card_id, resident_id, kecamatan, is_reprint, votes, pending = self._rows[
            self._order[position]
        ]
        return Ranked(
            card_id,
            resident_id,
            kecamatan,
            since,
            is_reprint,
            votes,
            pending,
            self._context,
            score=-score or 0.0,
            rank=position + 1,
            selected=position < self.selected_count,
        )

    @overload
    def __getitem__(self, index: int) -> Ranked: ...

    @overload
    def __getitem__(self, index: slice) -> list[Ranked]: ...

    def __getitem__(self, index: int | slice) -> Ranked | list[Ranked]:
        if isinstance(index, slice):
            return [self._entry(i) for i in range(*index.indices(len(self._order)))]
        if index < 0:
            index += len(self._order)
        if not 0 <= index < len(self._order):
            raise IndexError(index)
        return self._entry(index)


@dataclass
class QueueResult:
    entries: RankedQueue
    shares: list[KecamatanShare]
    size: int
    fair_share: bool

    @property
    def selected(self) -> list[Ranked]:
        return self.entries[: self.entries.selected_count]


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
    qs = candidates(actor=actor, office=office).values_list(
        "id",
        "resident_id",
        "prr_at",
        "status_at",
        "is_reprint",
        "resident__birth_date",
        "resident__ever_married",
        "resident__desa_id",
    )
    rows: list[tuple[Any, ...]]
    if connection.vendor == "postgresql":
        # psycopg already returns dates and booleans: skip Django's per-row conversion, which
        # costs more than the query itself for 95,000 rows; and read the waiting time as epoch
        # seconds, not as two timestamps to parse per row (most of the remaining fetch time).
        sql, params = qs.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            # The queue is a few percent of the register: fetch each resident by primary key
            # rather than hash-join the whole register. PostgreSQL's default cost of a random
            # page read (4, for spinning disks) makes it scan the register instead, three times
            # slower on the SSD any server has now; this transaction says so.
            cursor.execute("SELECT set_config('random_page_cost', '1.1', true)")
            # The inner SQL is Django's own, its values stay parameters.
            outer = (
                "SELECT id, resident_id, EXTRACT(EPOCH FROM COALESCE(prr_at, status_at))::float8, "
                "is_reprint, birth_date, ever_married, desa_id FROM ({}) AS q(id, resident_id, prr_at, "
                "status_at, is_reprint, birth_date, ever_married, desa_id)"
            )
            cursor.execute(
                outer.format(sql),
                params,
            )
            rows = cursor.fetchall()
    else:
        rows = [
            (card, resident, (prr_at or status_at).timestamp(), reprint, born, married, desa)
            for card, resident, prr_at, status_at, reprint, born, married, desa in qs
        ]
    now_ts = timezone.now().timestamp()
    fair = any(r.kind == RuleKind.FAIR_SHARE for r in rules)
    oldest = min((r[2] for r in rows), default=now_ts)
    context = _Context(rules=rules, now=now_ts, oldest=oldest, places={}, backlog={}, fair=fair)
    span = max(now_ts - oldest, 1.0)
    weights = {r.kind: r.weight for r in rules}
    w_first = weights.get(RuleKind.FIRST_COME, 0) / span
    w_new = weights.get(RuleKind.NEW_RECORDING, 0)
    w_voter = weights.get(RuleKind.VOTER, 0)
    w_pending = weights.get(RuleKind.PENDING_APPLICATION, 0)
    voter_rule = next((r for r in rules if r.kind == RuleKind.VOTER), None)
    cutoff = birth_cutoff(voter_rule.on_date) if voter_rule and voter_rule.on_date else None
    pending_apps: set[int] = set()
    if RuleKind.PENDING_APPLICATION in weights:
        pending_apps = _pending_application_residents({r[1] for r in rows})

    # Plain tuples, sorted as they are: (-score, waiting since, card) is the order, and card ids
    # are unique, so the comparison never reaches the rest. A Ranked object is made only for the
    # entries somebody reads (a page, the top of the preview, the places a batch takes): making
    # 95,000 of them cost more than the query.
    keyed: list[_Row] = []
    append = keyed.append
    for card_id, resident_id, since, is_reprint, birth_date, married, desa in rows:
        votes = cutoff is not None and (married or birth_date <= cutoff)
        pending = resident_id in pending_apps
        # The same sum as the explanation: each rule's points rounded to 2 decimals.
        score = (
            round(w_first * (now_ts - since), 2)
            + (0 if is_reprint else w_new)
            + (w_voter if votes else 0)
            + (w_pending if pending else 0)
        )
        append((-round(score, 2), since, card_id, resident_id, desa[:8], is_reprint, votes, pending))
    keyed.sort()
    backlog: dict[str, int] = dict(Counter(row[4] for row in keyed))
    places = _fair_places(backlog, size) if fair else {}
    context.places, context.backlog = places, backlog
    taken: dict[str, int] = {}
    chosen: list[int] = []
    rest: list[int] = []
    for i, row in enumerate(keyed):
        kecamatan = row[4]
        if (taken.get(kecamatan, 0) < places[kecamatan]) if fair else (len(chosen) < size):
            taken[kecamatan] = taken.get(kecamatan, 0) + 1
            chosen.append(i)
        else:
            rest.append(i)
    # Selected first (in score order), then the rest of the queue: a stable partition of the
    # sorted list, no second sort.
    entries = RankedQueue(keyed, chosen + rest, len(chosen), context)
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


@lru_cache(maxsize=1024)
def _region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


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
        kec = str(reason.get("kecamatan", ""))
        name = _region_name(kec)
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
    return f"{text}: +{formats.number_format(points, decimal_pos=2, use_l10n=True)}"


def default_rule_set() -> PriorityRuleSet:
    """The rule set used when none is chosen: first come, first served (created on first use)."""
    found = PriorityRuleSet.objects.filter(is_default=True).first()
    if found is not None:
        return found
    rule_set = PriorityRuleSet.objects.create(name=_("First come, first served"), is_default=True)
    PriorityRule.objects.create(rule_set=rule_set, position=1, kind=RuleKind.FIRST_COME, weight=10)
    return rule_set


# --------------------------------------------------------------------------- previews
#
# A print officer previews the queue, reads it, then locks the batch. The lock takes the places
# the officer saw (not a ranking made again a moment later) when the preview is still true: the
# preview's selection is kept for a while under a token, and the lock checks in one query per
# 10,000 places that every one of them is still print-ready, alive, in the area and in no open
# batch. Anything else (the token unknown or expired, another officer's, other rules, another
# size, a place gone) and the lock ranks the queue again, as it does without a token. The
# partial unique index on open places stays the final guard against two batches holding one card.

PREVIEW_SECONDS = 15 * 60
_PREVIEW_KEY = "cards:preview:{}"
_CHECK_CHUNK = 10_000


def _preview_identity(actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int) -> list[Any]:
    return [actor.user.pk if actor.user else None, office.pk, rule_set.pk, rules_snapshot(rule_set), size]


def preview_remember(
    *, actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int, result: QueueResult
) -> str:
    """Keep a preview's selection for the lock that follows; returns its token."""
    token = secrets.token_urlsafe(18)
    entries = result.entries
    ctx = entries._context
    rows = [entries._rows[i] for i in entries._order[: entries.selected_count]]
    cache.set(
        _PREVIEW_KEY.format(token),
        {
            "identity": _preview_identity(actor, office, rule_set, size),
            "rows": rows,
            "context": (ctx.now, ctx.oldest, ctx.places, ctx.backlog, ctx.fair),
        },
        PREVIEW_SECONDS,
    )
    return token


def preview_recall(
    *, actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int, token: str
) -> list[Ranked] | None:
    """The places a preview selected, if its token is this officer's for this queue and every
    place is still free to take; otherwise None (rank again)."""
    if not token or len(token) > 64:
        return None
    kept = cache.get(_PREVIEW_KEY.format(token))
    if not kept or kept["identity"] != _preview_identity(actor, office, rule_set, size):
        return None
    rows: list[_Row] = kept["rows"]
    if not rows:
        return None
    free = candidates(actor=actor, office=office)
    ids = [row[2] for row in rows]
    still = sum(
        free.filter(pk__in=ids[i : i + _CHECK_CHUNK]).count() for i in range(0, len(ids), _CHECK_CHUNK)
    )
    if still != len(ids):
        return None
    now, oldest, places, backlog, fair = kept["context"]
    context = _Context(
        rules=list(rule_set.rules.all().order_by("position", "id")),
        now=now,
        oldest=oldest,
        places=places,
        backlog=backlog,
        fair=fair,
    )
    return RankedQueue(rows, list(range(len(rows))), len(rows), context)[:]
