"""The planning helper: proven optimum on small cases, the bound, trips ordered fullest first."""

from __future__ import annotations

from datetime import date

from warga.core.workdays import WorkCalendar
from warga.outreach.planner import DesaTargets, plan_outreach, working_days

NO_CLOSURES = WorkCalendar(frozenset())
MONDAY = date(2031, 3, 3)  # no national holiday that week


def test_capacity_short_reaches_the_bound_with_full_trips():
    desas = [DesaTargets("a", "A", 100), DesaTargets("b", "B", 45), DesaTargets("c", "C", 30)]
    plan = plan_outreach(
        desas=desas, teams=1, capacity=50, start=MONDAY, deadline=date(2031, 3, 6), calendar=NO_CLOSURES
    )
    # 3 team-days × 50 = 150 at most; a team spends a day in one desa, so the best is A twice and B.
    assert plan.upper_bound == 150 and plan.total_served == 145
    assert plan.status == "Optimal"
    assert [(v.desa_code, v.served) for v in plan.visits] == [("a", 50), ("a", 50), ("b", 45)]
    assert plan.served_by_desa == {"a": 100, "b": 45}
    assert any("short by 25" in line or "kurang 25" in line for line in plan.explanation)


def test_min_visit_skips_small_desa_and_says_why():
    desas = [DesaTargets("a", "A", 80), DesaTargets("b", "Tiny", 4)]
    plan = plan_outreach(
        desas=desas,
        teams=2,
        capacity=60,
        start=MONDAY,
        deadline=date(2031, 3, 14),
        min_visit=10,
        calendar=NO_CLOSURES,
    )
    assert plan.total_served == 80 and "b" not in plan.served_by_desa
    assert plan.visits[0].day == MONDAY  # as early as possible
    assert any("Tiny" in line for line in plan.explanation)


def test_lead_days_and_no_time_left():
    assert len(working_days(MONDAY, date(2031, 3, 10), lead_days=2, calendar=NO_CLOSURES)) == 3
    plan = plan_outreach(
        desas=[DesaTargets("a", "A", 10)],
        teams=1,
        capacity=10,
        start=MONDAY,
        deadline=date(2031, 3, 4),
        lead_days=5,
        calendar=NO_CLOSURES,
    )
    assert plan.total_served == 0 and plan.status == "empty" and plan.visits == []


def test_the_explanation_speaks_plainly():
    desas = [DesaTargets("a", "A", 40), DesaTargets("b", "B", 10)]
    plan = plan_outreach(
        desas=desas, teams=1, capacity=30, start=MONDAY, deadline=date(2031, 3, 6), calendar=NO_CLOSURES
    )
    text = " ".join(str(line) for line in plan.explanation)
    for jargon in ("HiGHS", "Optimal", "solver", "Solver", "gap"):
        assert jargon not in text
    assert "No other plan" in text or "Tidak ada rencana lain" in text
