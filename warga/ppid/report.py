"""The report of the information service (laporan layanan informasi publik, UU 14/2008 art. 7(3)
and the Komisi Informasi's standard): for a year or a quarter, per unit and in total.

Counts only — no name, NIK, contact, text of a request or register number appears, so the
figures can be published as they are.

**Who is counted where.** A request counts in the period of the day it was received
(`received_on`), under the unit that holds it now (the one answering it); "forwarded out" counts
it also under the unit that received it when another unit holds it now. Objections count in the
period they were filed, disputes in the period they were taken to the Komisi Informasi, both
under the unit holding the request.

**How it is computed.** Six aggregate queries, each one GROUP BY in the database (requests by
unit with conditional counts; refusals by unit and art. 17 ground; the time to answer by unit and
number of working days; forwarded out by receiving unit; objections by unit, ground and status;
disputes by unit and outcome). No request is read into Python.

**The median time to answer.** Working days are not a date difference (weekends, public
holidays, cuti bersama and closure days), so the notice stores them (`answer_days`, counted with
`core.workdays` when it is given). The median is then taken from the histogram the database
returns (GROUP BY unit, answer_days): at most one row per unit and distinct number of days, a
bounded set whatever the number of requests, and the same SQL on SQLite and PostgreSQL (SQLite
has no `percentile_cont`). "On time" is a notice given on or before the due day, which includes
the one extension of 7 working days when it was used.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from warga.core.scoping import Actor, scoped, unscoped
from warga.org.models import Unit

from . import capabilities as caps
from .models import (
    DisputeOutcome,
    ExemptionGround,
    InformationRequest,
    Objection,
    ObjectionGround,
    ObjectionStatus,
    Outcome,
)
from .services.intake import request_units

QUARTERS = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}
OUTCOME_FIELDS = {
    "granted": Outcome.GRANTED,
    "partly": Outcome.PARTLY,
    "refused": Outcome.REFUSED,
    "not_held": Outcome.NOT_HELD,
    "not_documented": Outcome.NOT_DOCUMENTED,
    "elsewhere": Outcome.ELSEWHERE,
}


def period_bounds(year: int, quarter: int | None = None) -> tuple[date, date]:
    first, last = QUARTERS[quarter] if quarter else (1, 12)
    return date(year, first, 1), date(year, last, monthrange(year, last)[1])


@dataclass
class Row:
    """The figures of one unit (or of the total)."""

    unit_id: int | None
    unit: str
    received: int = 0
    granted: int = 0
    partly: int = 0
    refused: int = 0
    not_held: int = 0
    not_documented: int = 0
    elsewhere: int = 0
    open: int = 0
    forwarded_in: int = 0
    forwarded_out: int = 0
    extended: int = 0
    decided: int = 0
    on_time: int = 0
    median_days: float | None = None
    grounds: dict[str, int] = field(default_factory=dict)  # art. 17 ground → refused or partly
    days: dict[int, int] = field(default_factory=dict)  # working days → notices
    objections: int = 0
    objections_decided: int = 0
    objections_upheld: int = 0
    objections_dismissed: int = 0
    objection_grounds: dict[str, int] = field(default_factory=dict)
    disputes: int = 0
    dispute_outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.decided, 1) if self.decided else None


@dataclass
class Report:
    year: int
    quarter: int | None
    start: date
    end: date
    unit_id: int | None
    whole: bool  # the whole installation (or one chosen unit of it)
    rows: list[Row]
    total: Row
    objection_matrix: dict[str, dict[str, int]]  # ground → status → count

    @property
    def is_empty(self) -> bool:
        return not self.total.received and not self.total.objections and not self.total.disputes


def report_units(actor: Actor) -> list[Unit]:
    """The units the actor may choose: every unit receiving requests for the installation-wide
    readers, none for a pembantu (their own unit only)."""
    return request_units() if actor.can(caps.REPORT_ALL) else []


def _median(histogram: dict[int, int]) -> float | None:
    """The median of a histogram (value → count), as `statistics.median` would give it."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted = {(n - 1) // 2, n // 2}
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in sorted(wanted):
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return sum(found) / len(found) if len(found) == 2 else float(found[0])


def _requests(actor: Actor) -> QuerySet[InformationRequest]:
    return scoped(InformationRequest.objects.order_by(), actor)


class _Rows(dict[int, Row]):
    def of(self, pk: int) -> Row:
        if pk not in self:
            self[pk] = Row(unit_id=pk, unit="")
        return self[pk]


def _objections(
    rows: _Rows, objections: QuerySet[Objection], start: date, end: date
) -> dict[str, dict[str, int]]:
    """Objections filed in the period by unit, ground and status; disputes taken to the Komisi
    Informasi in the period by unit and outcome. Returns the ground × status matrix."""
    matrix: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    filed = (
        objections.filter(filed_on__gte=start, filed_on__lte=end)
        .values("request__holding_unit_id", "ground", "status")
        .annotate(n=Count("pk"))
    )
    for values in filed:
        target = rows.of(values["request__holding_unit_id"])
        n, status = values["n"], values["status"]
        target.objections += n
        target.objection_grounds[values["ground"]] = target.objection_grounds.get(values["ground"], 0) + n
        if status != ObjectionStatus.FILED:
            target.objections_decided += n
        if status == ObjectionStatus.UPHELD:
            target.objections_upheld += n
        elif status == ObjectionStatus.DISMISSED:
            target.objections_dismissed += n
        matrix[values["ground"]][status] += n
    disputes = (
        objections.filter(dispute_filed_on__gte=start, dispute_filed_on__lte=end)
        .values("request__holding_unit_id", "dispute_outcome")
        .annotate(n=Count("pk"))
    )
    for dispute in disputes:
        target = rows.of(dispute["request__holding_unit_id"])
        target.disputes += dispute["n"]
        outcome = dispute["dispute_outcome"] or DisputeOutcome.PENDING
        target.dispute_outcomes[outcome] = target.dispute_outcomes.get(outcome, 0) + dispute["n"]
    return {k: dict(v) for k, v in matrix.items()}


def report_build(
    *, actor: Actor, year: int, quarter: int | None = None, unit_id: int | None = None
) -> Report:
    """The report for `actor`: the installation-wide readers (`ppid.report.all`) see every unit
    or the one they choose; a pembantu only its own unit, whatever is asked."""
    actor.require(caps.REPORT)
    whole = actor.can(caps.REPORT_ALL)
    if not whole:
        unit_id = actor.unit_id or -1
    start, end = period_bounds(year, quarter)
    period = Q(received_on__gte=start, received_on__lte=end)
    requests = _requests(actor).filter(period)
    objections = scoped(Objection.objects.order_by(), actor)
    if unit_id:
        requests = requests.filter(holding_unit_id=unit_id)
        objections = objections.filter(request__holding_unit_id=unit_id)

    rows = _Rows()
    row = rows.of

    # 1. Requests by the unit holding them, every count in one pass.
    counts: dict[str, Any] = {
        name: Count("pk", filter=Q(outcome=value)) for name, value in OUTCOME_FIELDS.items()
    }
    per_unit = requests.values("holding_unit_id").annotate(
        received=Count("pk"),
        open=Count("pk", filter=Q(decided_on=None)),
        forwarded_in=Count("pk", filter=~Q(receiving_unit_id=F("holding_unit_id"))),
        extensions=Count("pk", filter=Q(extended_at__isnull=False)),
        decided=Count("pk", filter=Q(decided_on__isnull=False)),
        on_time=Count("pk", filter=Q(decided_on__lte=F("due_on"))),
        **counts,
    )
    for unit_values in per_unit:
        figures: dict[str, Any] = dict(unit_values)
        target = row(figures.pop("holding_unit_id"))
        figures["extended"] = figures.pop("extensions")
        for name, value in figures.items():
            setattr(target, name, value)
    # 2. Refusals (whole or in part) by art. 17 ground.
    refusals = (
        requests.filter(outcome__in=[Outcome.REFUSED, Outcome.PARTLY])
        .exclude(exemption_ground="")
        .values("holding_unit_id", "exemption_ground")
        .annotate(n=Count("pk"))
    )
    for refusal in refusals:
        row(refusal["holding_unit_id"]).grounds[refusal["exemption_ground"]] = refusal["n"]
    # 3. The time to answer: a histogram of working days per unit (bounded, see the module).
    histogram = (
        requests.exclude(answer_days=None).values("holding_unit_id", "answer_days").annotate(n=Count("pk"))
    )
    for bar in histogram:
        row(bar["holding_unit_id"]).days[bar["answer_days"] or 0] = bar["n"]
    # 4. Forwarded out: received by the unit, held by another now. A pembantu no longer sees
    # those requests; it gets their number, nothing else.
    with unscoped("PPID report: how many requests the unit received were forwarded (a count)"):
        out = (
            InformationRequest.objects.order_by()
            .filter(period, region__within=settings.WARGA_REGION_CODE)
            .exclude(receiving_unit_id=F("holding_unit_id"))
        )
        if unit_id:
            out = out.filter(receiving_unit_id=unit_id)
        for sent in out.values("receiving_unit_id").annotate(n=Count("pk")):
            row(sent["receiving_unit_id"]).forwarded_out = sent["n"]
    matrix = _objections(rows, objections, start, end)

    names = dict(Unit.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    ordered = sorted(rows.values(), key=lambda r: names.get(r.unit_id or 0, ""))
    for r in ordered:
        r.unit = names.get(r.unit_id or 0, "—")
        r.median_days = _median(r.days)
    total = _sum(ordered)
    return Report(
        year=year,
        quarter=quarter,
        start=start,
        end=end,
        unit_id=unit_id if whole else actor.unit_id,
        whole=whole and not unit_id,
        rows=ordered,
        total=total,
        objection_matrix=matrix,
    )


def _sum(rows: list[Row]) -> Row:
    total = Row(unit_id=None, unit=_("Total"))
    for r in rows:
        for name in (
            "received", "granted", "partly", "refused", "not_held", "not_documented", "elsewhere",
            "open", "forwarded_in", "forwarded_out", "extended", "decided", "on_time", "objections",
            "objections_decided", "objections_upheld", "objections_dismissed", "disputes",
        ):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(r, name))
        for attr in ("grounds", "days", "objection_grounds", "dispute_outcomes"):
            into = getattr(total, attr)
            for key, n in getattr(r, attr).items():
                into[key] = into.get(key, 0) + n
    total.median_days = _median(total.days)
    return total


# --- Labels shared by the page, the workbook and the PDF -----------------------------------------


def columns() -> list[tuple[str, str]]:
    """The per-unit table: attribute → heading (in the active language)."""
    return [
        ("received", _("Received")),
        ("granted", _("Granted")),
        ("partly", _("Partly granted")),
        ("refused", _("Refused")),
        ("not_held", _("Not held")),
        ("not_documented", _("Not yet documented")),
        ("elsewhere", _("Held by another body")),
        ("open", _("Not yet answered")),
        ("forwarded_in", _("Forwarded in")),
        ("forwarded_out", _("Forwarded out")),
        ("extended", _("Extensions")),
        ("median_days", _("Median working days")),
        ("on_time_share", _("Answered on time (%)")),
        ("objections", _("Objections")),
        ("objections_decided", _("Objections decided")),
        ("disputes", _("Disputes")),
    ]


def ground_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ExemptionGround.choices]


def objection_ground_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ObjectionGround.choices]


def objection_status_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ObjectionStatus.choices]


def dispute_outcome_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in DisputeOutcome.choices]


def period_label(report: Report) -> str:
    if report.quarter:
        return _("Quarter %(q)d of %(year)d") % {"q": report.quarter, "year": report.year}
    return _("Year %(year)d") % {"year": report.year}


def cell(r: Row, name: str) -> Any:
    value = getattr(r, name)
    return "—" if value is None else value
