"""Duplicate checks in the background: after an import, and the full scan."""

from __future__ import annotations

from huey.contrib.djhuey import db_task, lock_task

from warga.core.scoping import unscoped

from .services import duplicates_check_range, duplicates_check_residents, duplicates_scan


@db_task()
def dedupe_check_range_task(first_id: int, last_id: int) -> None:
    with unscoped("task: duplicates are looked for across every area"):
        duplicates_check_range(first_id=first_id, last_id=last_id)


@db_task()
def dedupe_check_residents_task(resident_ids: list[int]) -> None:
    with unscoped("task: duplicates are looked for across every area"):
        duplicates_check_residents(resident_ids=resident_ids)


@db_task()
@lock_task("dedupe-full-scan")
def dedupe_scan_task(area_code: str | None = None) -> None:
    with unscoped("task: duplicates are looked for across every area"):
        duplicates_scan(area_code=area_code)
