"""Statistics over the outbox."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import (
    SmsStatus,
)


def status_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = {s.value: 0 for s in SmsStatus}
    for status, n in rows:
        counts[status] = counts.get(status, 0) + n
    return counts
