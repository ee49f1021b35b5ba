"""The outreach planning helper: which desa each team visits on which working day before a
deadline, so that as many targets as possible are reached, and early.

Step 1 is a small mixed-integer programme solved with HiGHS (`highspy`):

    y[d] ∈ {0, 1, …}     team-days spent in desa d (integer)
    s[d] ≥ 0             residents served there
    Σ_d y[d] ≤ teams × days                    (all the team-days before the deadline)
    s[d] ≤ capacity · y[d],  s[d] ≤ targets[d]  (a team serves `capacity` people a day)
    s[d] ≥ capacity · (y[d] − 1) + min_visit    (every trip, the last one too, serves ≥ min_visit)
    maximise Σ s[d] − 0.1 · Σ y[d]

HiGHS proves the optimum (the most residents reachable; the small cost per team-day stops
idle trips). Step 2 puts the team-days on the calendar: the fullest trips first, `teams` per
day. Because every slot holds one team-day and earlier is better, ordering by yield is the
best order (rearrangement inequality), so recorded cards can still be printed before the
deadline. The plain upper bound is min(Σ targets, teams × days × capacity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from warga.core.workdays import WorkCalendar


@dataclass(frozen=True)
class DesaTargets:
    code: str
    name: str
    targets: int


@dataclass
class Visit:
    day: date
    desa_code: str
    desa_name: str
    teams: int
    served: int


@dataclass
class Plan:
    days: list[date]
    visits: list[Visit]
    served_by_desa: dict[str, int]
    total_targets: int
    total_served: int
    capacity: int
    upper_bound: int
    status: str
    gap: float
    solver: str
    explanation: list[str] = field(default_factory=list)


def working_days(
    start: date, deadline: date, lead_days: int = 0, calendar: WorkCalendar | None = None
) -> list[date]:
    """Working days from `start` to `lead_days` working days before `deadline` (exclusive)."""
    calendar = calendar or WorkCalendar()
    days = []
    day = start
    while day < deadline:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days[: max(0, len(days) - lead_days)]


def plan_outreach(
    *,
    desas: list[DesaTargets],
    teams: int,
    capacity: int,
    start: date,
    deadline: date,
    lead_days: int = 0,
    min_visit: int = 0,
    time_limit: float = 20.0,
    calendar: WorkCalendar | None = None,
) -> Plan:
    import highspy
    import numpy as np

    days = working_days(start, deadline, lead_days, calendar)
    desas = [d for d in desas if d.targets > 0]
    total = sum(d.targets for d in desas)
    capacity_total = teams * len(days) * capacity
    bound = min(total, capacity_total)
    if not days or not desas or teams < 1 or capacity < 1:
        plan = Plan(days, [], {}, total, 0, capacity_total, bound, "empty", 0.0, _solver_name(highspy))
        plan.explanation = _explain(plan, desas, teams, capacity, min_visit)
        return plan

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    n = len(desas)
    slots = teams * len(days)
    inf = highspy.kHighsInf
    # Columns: y[0..n-1] then s[0..n-1].
    lower = np.zeros(2 * n)
    upper = np.array(
        [float(min(slots, math.ceil(d.targets / capacity))) for d in desas]
        + [float(d.targets) for d in desas]
    )
    h.addVars(2 * n, lower, upper)
    h.changeColsCost(2 * n, np.arange(2 * n, dtype=np.int32), np.array([-0.1] * n + [1.0] * n))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def row(lo: float, hi: float, entries: list[tuple[int, float]]) -> None:
        idx = np.array([i for i, _v in entries], dtype=np.int32)
        val = np.array([v for _i, v in entries], dtype=np.float64)
        h.addRow(lo, hi, len(entries), idx, val)

    row(-inf, float(slots), [(i, 1.0) for i in range(n)])
    for i in range(n):
        row(-inf, 0.0, [(n + i, 1.0), (i, -float(capacity))])
        if min_visit > 0:
            row(float(min(min_visit, capacity) - capacity), inf, [(n + i, 1.0), (i, -float(capacity))])
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    values = list(h.getSolution().col_value)
    info = h.getInfo()
    gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else 0.0

    # Step 2: team-days on the calendar, fullest first.
    trips: list[tuple[int, int]] = []  # (served, desa index)
    served_by_desa: dict[str, int] = {}
    for i, d in enumerate(desas):
        y = round(values[i]) if values else 0
        served = min(d.targets, math.floor(values[n + i] + 1e-6)) if values else 0
        if y <= 0 or served <= 0:
            continue
        served_by_desa[d.code] = served
        for k in range(y):
            trips.append((min(capacity, served - k * capacity), i))
    trips.sort(key=lambda trip: (-trip[0], desas[trip[1]].code))
    grouped: dict[tuple[int, int], Visit] = {}
    for slot, (served, i) in enumerate(trips[:slots]):
        t = slot // teams
        visit = grouped.get((t, i))
        if visit is None:
            grouped[t, i] = Visit(days[t], desas[i].code, desas[i].name, 1, served)
        else:
            visit.teams += 1
            visit.served += served
    visits = sorted(grouped.values(), key=lambda v: (v.day, v.desa_code))
    plan = Plan(
        days=days,
        visits=visits,
        served_by_desa=served_by_desa,
        total_targets=total,
        total_served=sum(served_by_desa.values()),
        capacity=capacity_total,
        upper_bound=bound,
        status=status,
        gap=gap,
        solver=f"HiGHS {h.version()}",
    )
    plan.explanation = _explain(plan, desas, teams, capacity, min_visit)
    return plan


def _solver_name(highspy_module: Any) -> str:
    return f"HiGHS {highspy_module.Highs().version()}"


def _explain(plan: Plan, desas: list[DesaTargets], teams: int, capacity: int, min_visit: int) -> list[str]:
    lines = [
        _(
            "%(teams)d team(s) × %(days)d working day(s) × %(cap)d people a day = at most %(total)d people served; "
            "%(targets)d residents to reach."
        )
        % {
            "teams": teams,
            "days": len(plan.days),
            "cap": capacity,
            "total": plan.capacity,
            "targets": plan.total_targets,
        }
    ]
    if not plan.days:
        lines.append(_("There is no working day left before the deadline (after the lead time)."))
        return lines
    pct = round(100 * plan.total_served / plan.total_targets) if plan.total_targets else 100
    lines.append(
        _(
            "The plan reaches %(served)d of %(targets)d (%(pct)d%%). No plan can reach more than %(bound)d: "
            "the smaller of the targets and the teams' capacity."
        )
        % {"served": plan.total_served, "targets": plan.total_targets, "pct": pct, "bound": plan.upper_bound}
    )
    if plan.capacity < plan.total_targets:
        lines.append(
            _(
                "Capacity is short by %(short)d people: add teams or days, or serve the rest at the kecamatan "
                "office. Desa where whole team-days fill up are visited first, and every day is used."
            )
            % {"short": plan.total_targets - plan.capacity}
        )
    skipped = [d for d in desas if plan.served_by_desa.get(d.code, 0) == 0]
    if skipped and min_visit > 0:
        small = [d.name for d in skipped if d.targets < min_visit]
        if small:
            lines.append(
                _("Not visited because fewer than %(n)d people wait there: %(desas)s.")
                % {"n": min_visit, "desas": ", ".join(small)}
            )
    lines.append(
        _("Visits are placed as early as possible so that recorded cards can still be printed in time.")
    )
    # In plain words: officers need to know whether a better plan may exist, not the solver's terms
    # (those stay on the plan object for whoever maintains the planner).
    if plan.status in ("Optimal", "empty") and plan.gap <= 1e-6:
        lines.append(_("No other plan reaches more people with these teams and days."))
    else:
        lines.append(
            _(
                "The planner stopped before proving this is the best plan; a better one reaches at most "
                "%(pct).0f%% more people."
            )
            % {"pct": 100 * plan.gap}
        )
    return lines
