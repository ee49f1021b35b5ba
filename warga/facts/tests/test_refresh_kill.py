"""A process killed (SIGKILL) while it queues a region's statistics refresh leaves nothing that
holds the region's later refreshes back: no marker without its queued task."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from warga.facts import services
from warga.facts.tasks import facts_refresh_task
from warga.messaging.testing.processes import ManagedProcess, process_env

pytestmark = pytest.mark.django_db(transaction=True)

# Run by `manage.py shell -c` in a process of its own: one committed event of the desa, with the
# process killed inside the queueing of its refresh, before or just after the task is queued.
CHILD = """
import os, signal
from django.db import transaction
from warga.facts import services
from warga.facts.tasks import facts_refresh_task

queue = facts_refresh_task.schedule

def schedule_then_die(*args, **kwargs):
    if {after!r}:
        queue(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

facts_refresh_task.schedule = schedule_then_die
services._tasks_run_at_once = lambda: False
with transaction.atomic():
    services.fact_touch(domain="registry", region_code={code!r})
print("not killed")
"""


def scheduled_in(data_dir: Path) -> int:
    """Tasks waiting in the child's queue (Huey on SQLite in its data directory): a task with a
    delay waits in the queue until a consumer reads it and moves it to the schedule."""
    from huey import SqliteHuey

    huey = SqliteHuey("warga", filename=str(data_dir / "huey.sqlite3"))
    return int(huey.pending_count()) + int(huey.scheduled_count())


@pytest.mark.parametrize("after", [False, True], ids=["before-queued", "after-queued"])
def test_killed_while_queueing_a_refresh_holds_nothing_back(cast, tmp_path, monkeypatch, after):
    code = cast.desa.code
    today = timezone.localdate()
    marker = services.refresh_marker("registry", today, code)
    cache.delete(marker)
    child = ManagedProcess(
        ["shell", "-c", CHILD.format(after=after, code=code)],
        process_env(WARGA_DATA_DIR=str(tmp_path)),
        tmp_path / "child.log",
    )
    try:
        assert child.wait(60) == -signal.SIGKILL, child.log()
    finally:
        child.stop()
    assert "not killed" not in child.log()

    # Nothing says the region is waiting for a refresh ...
    assert cache.get(marker) is None
    if after and not settings.REDIS_URL:
        assert scheduled_in(tmp_path) == 1  # ... though one is queued, and runs: harmless
    # ... so the region's next event queues its refresh.
    queued: list[tuple] = []
    monkeypatch.setattr(services, "_tasks_run_at_once", lambda: False)
    monkeypatch.setattr(facts_refresh_task, "schedule", lambda args, delay: queued.append(args))
    with transaction.atomic():
        services.fact_touch(domain="registry", region_code=code)
    assert queued == [("registry", today.isoformat(), [code])]
    assert cache.get(marker) == 1  # and this one is marked: the events after it wait for it
    with transaction.atomic():
        services.fact_touch(domain="registry", region_code=code)
    assert len(queued) == 1
    cache.delete(marker)
