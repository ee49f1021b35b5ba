"""Status files are read in the task worker, never in the web request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from warga.core.scoping import unscoped

from .services import ktp_status_import_run


@db_task()
def ktp_status_import_task(import_id: int) -> None:
    with unscoped("task: a KTP-el status file covers the whole kabupaten"):
        ktp_status_import_run(import_id=import_id)
