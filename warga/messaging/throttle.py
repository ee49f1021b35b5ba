"""A send budget shared by every worker: the generic cell rate algorithm on one database row.

`throttle_reserve(gateway, n)` moves the row's "next free slot" forward by n / rate in one
atomic update and tells the caller how long to wait before its slot comes. Workers never
exceed the rate together, whatever their number, and nothing is held between calls.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction

from .models import GatewayThrottle


def rate_per_second() -> float:
    return float(getattr(settings, "SMS_RATE_PER_SECOND", 50)) or 1.0


@transaction.atomic
def throttle_reserve(*, gateway: str, units: int = 1, now: float | None = None) -> float:
    """Reserve `units` sends on `gateway`; return the seconds to wait before sending."""
    rate = rate_per_second()
    current = time.time() if now is None else now
    GatewayThrottle.objects.get_or_create(gateway=gateway)
    row = GatewayThrottle.objects.select_for_update().get(gateway=gateway)
    # Idle time does not pile up tokens beyond one second's worth (the burst).
    start = max(row.next_free_at, current - 1.0)
    row.next_free_at = start + units / rate
    row.save(update_fields=["next_free_at"])
    return max(0.0, start - current)
