"""Helpers for background work: enqueue only after the surrounding transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Run a Huey task after commit, so a worker never sees a row that was rolled back."""
    transaction.on_commit(lambda: task(*args, **kwargs))
