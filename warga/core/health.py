"""Checks that /healthz reports besides the database and the task queue, registered by the apps
that own what they check (messaging: is SMS going out?).

    from warga.core.health import register_health_check
    register_health_check("sms", sms_health)   # sms_health() -> {"status": "ok" | ..., ...}

A check returns a small JSON-ready dict whose "status" is "ok" when healthy; it runs only when
the database answers, and a check that raises reports {"status": "error"}.
"""

from __future__ import annotations

from collections.abc import Callable

HealthCheck = Callable[[], dict[str, object]]
_CHECKS: dict[str, HealthCheck] = {}


def register_health_check(name: str, check: HealthCheck) -> None:
    _CHECKS[name] = check


def health_checks() -> dict[str, HealthCheck]:
    return dict(_CHECKS)
