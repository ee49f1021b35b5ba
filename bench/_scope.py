"""Benchmarks set up data and count across the whole kabupaten, as a management command does.

Call `outside_scope()` once, right after `django.setup()`: the main thread then runs unscoped for
the stated reason until the process ends. Requests the benchmark makes still go through the
middleware and the API authentication, which set the officer's own scope.
"""

from __future__ import annotations

from typing import Any

_held: list[Any] = []


def outside_scope(reason: str = "benchmark: set-up and counts across the kabupaten") -> None:
    from warga.core.scoping import unscoped

    context = unscoped(reason)
    context.__enter__()
    _held.append(context)  # kept referenced: left when the process ends
