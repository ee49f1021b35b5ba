"""Imports run in the background: the page polls the batch for progress."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from warga.core.scoping import unscoped

from .services import import_run


@db_task()
def import_run_task(batch_id: int) -> None:
    with unscoped("task: an import batch checks its own area row by row"):
        import_run(batch_id=batch_id)
