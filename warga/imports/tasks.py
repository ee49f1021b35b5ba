"""Imports run in the background: the page polls the batch for progress."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .services import import_run


@db_task()
def import_run_task(batch_id: int) -> None:
    import_run(batch_id=batch_id)
