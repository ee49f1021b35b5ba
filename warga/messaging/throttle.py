"""A send budget shared by every worker: the generic cell rate algorithm on one database row.

`throttle_reserve(gateway, n)` moves the row's "next free slot" forward by n / rate in one
atomic update and tells the caller how long to wait before its slot comes. Workers never
exceed the rate together, whatever their number, and nothing is held between calls.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction

from .models import GatewayThrottle


def rate_per_second() -> float:
    return float(getattr(settings, "SMS_RATE_PER_SECOND", 50)) or 1.0


def throttle_reserve(*, gateway: str, units: int = 1, now: float | None = None) -> float:
    """Reserve `units` sends on `gateway`; return the seconds to wait before sending.

    One statement (`UPDATE … RETURNING`), atomic on its own: the dispatcher reserves a slot for
    every few messages, so the reservation is a single round trip."""
    rate = rate_per_second()
    current = time.time() if now is None else now
    cost = units / rate
    # Idle time does not pile up tokens beyond one second's worth (the burst).
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    table = GatewayThrottle._meta.db_table
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                # Only the function name and the model's table name are formatted in.
                f"UPDATE {table} SET next_free_at = {greatest}(next_free_at, %s) + %s "  # noqa: S608
                "WHERE gateway = %s RETURNING next_free_at",
                [current - 1.0, cost, gateway],
            )
            row = cursor.fetchone()
        if row is not None:
            return max(0.0, float(row[0]) - cost - current)
        with transaction.atomic():
            GatewayThrottle.objects.get_or_create(gateway=gateway)
    raise RuntimeError("the send budget row could not be created")  # pragma: no cover
