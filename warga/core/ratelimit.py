"""One fixed-window counter in the shared cache, for every per-address or per-number limit.

The cache is the database cache on the embedded set-up and Redis in production, so all workers
count together.
"""

from __future__ import annotations

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on `key`; True when the hits in this window exceed `limit`."""
    if cache.add(key, 1, window):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, window)
        count = 1
    return count > limit
