"""Quiet hours: broadcasts and invitations wait until morning (SMS_QUIET_HOURS, local time WIB)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def _parse(spec: str) -> tuple[time, time] | None:
    spec = (spec or "").strip()
    if not spec:
        return None
    start, _, end = spec.partition("-")
    h1, m1 = (int(x) for x in start.strip().split(":"))
    h2, m2 = (int(x) for x in end.strip().split(":"))
    return time(h1, m1), time(h2, m2)


def quiet_window() -> tuple[time, time] | None:
    return _parse(getattr(settings, "SMS_QUIET_HOURS", "21:00-06:00"))


def quiet_hours_label() -> str:
    """The rule as officers read it, e.g. "21:00–06:00" ("" when there are no quiet hours)."""
    window = quiet_window()
    if window is None:
        return ""
    return f"{window[0]:%H:%M}–{window[1]:%H:%M}"


def in_quiet_hours(moment: datetime | None = None) -> bool:
    window = quiet_window()
    if window is None:
        return False
    local = timezone.localtime(moment or timezone.now()).time()
    start, end = window
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(moment: datetime | None = None) -> datetime | None:
    """When sending may resume, if `moment` falls in quiet hours; None if it does not."""
    moment = moment or timezone.now()
    if not in_quiet_hours(moment):
        return None
    window = quiet_window()
    assert window is not None
    local = timezone.localtime(moment)
    end = local.replace(hour=window[1].hour, minute=window[1].minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end
