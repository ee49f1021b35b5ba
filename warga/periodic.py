"""Every periodic task of Warga, in one place. Each is thin: it calls a service by name.

Add an entry here (one function per job) rather than declaring periodic tasks in app modules,
so the schedule can be read at a glance.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("purge-idempotency")
def purge_idempotency_records() -> None:
    from warga.core.idempotency import idempotency_purge

    idempotency_purge()
