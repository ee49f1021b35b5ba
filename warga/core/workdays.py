"""Working-day clocks for legal deadlines (UU 14/2008, SP4N-LAPOR!, service standards).

A working day is Monday–Friday that is neither an Indonesian public holiday, nor a
government cuti bersama day (both from the `holidays` package), nor a closure day an
administrator added.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone
from holidays.constants import GOVERNMENT, PUBLIC


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", categories=(PUBLIC, GOVERNMENT), years=year).keys())


def national_holidays_preload() -> None:
    """Build this year's and next year's national holidays now: the `holidays` package compiles
    its Indonesian calendar on first use (about half a second), which a server process should
    pay when it starts rather than in the first request that computes a due date."""
    year = timezone.localdate().year
    _national(year)
    _national(year + 1)


def _closures() -> frozenset[date]:
    from .models import ClosureDay

    return frozenset(ClosureDay.objects.values_list("date", flat=True))


class WorkCalendar:
    """Load the closure days once, then answer many questions (work queues, statistics)."""

    def __init__(self, closures: frozenset[date] | None = None):
        self.closures = _closures() if closures is None else closures

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _national(day.year) and day not in self.closures

    def add(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        if end <= start:
            return 0
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def local_date(moment: datetime | None = None) -> date:
    return timezone.localdate(moment or timezone.now())


def working_days_add(start: date, days: int) -> date:
    return WorkCalendar().add(start, days)


def working_days_between(start: date, end: date) -> int:
    return WorkCalendar().between(start, end)
