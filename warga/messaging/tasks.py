"""Thin Huey tasks: each takes ids and calls a service.

Sending is not a task: the dispatcher process (`manage.py sms_dispatcher`) holds a lease and
drains the outbox (docs/decisions/0010-sms-delivery-at-most-once.md)."""

from huey.contrib.djhuey import db_task, lock_task
from huey.exceptions import TaskLockedException

from warga.core.scoping import unscoped

from .services import sms_incoming_handle


@db_task(priority=50)
def sms_incoming_handle_task(incoming_id: int) -> None:
    with unscoped("task: an incoming SMS comes from a number, not an officer"):
        sms_incoming_handle(incoming_id=incoming_id)


@db_task(priority=20)
def broadcast_queue_task(broadcast_id: int) -> None:
    from .broadcasts import broadcast_queue

    # The lock only saves a second worker the work: queuing is resumable and compare-and-set
    # per chunk, and a lock left by a killed consumer is flushed when the consumer starts
    # (`run_huey --flush-locks`, as `manage.py serve` runs it).
    try:
        with (
            lock_task(f"broadcast-queue-{broadcast_id}"),
            unscoped("task: an approved broadcast reaches its own area"),
        ):
            broadcast_queue(broadcast_id=broadcast_id)
    except TaskLockedException:
        pass


__all__ = ["broadcast_queue_task", "sms_incoming_handle_task"]
