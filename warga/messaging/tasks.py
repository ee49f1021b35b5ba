"""Thin Huey tasks: each takes ids and calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_task, lock_task
from huey.exceptions import TaskLockedException

from .services import sms_deliver_one, sms_dispatch, sms_incoming_handle


@db_task(priority=100)
def sms_deliver(message_id: int) -> None:
    """One transactional message, right after commit (retries go through the dispatcher)."""
    sms_deliver_one(message_id=message_id)


@db_task(priority=10)
def sms_dispatch_task() -> None:
    try:
        with lock_task("sms-dispatch"):
            sms_dispatch(max_seconds=50)
    except TaskLockedException:
        pass  # a dispatcher is already running; it will take these messages too


@db_task(priority=50)
def sms_incoming_handle_task(incoming_id: int) -> None:
    sms_incoming_handle(incoming_id=incoming_id)


@db_task(priority=20)
def broadcast_queue_task(broadcast_id: int) -> None:
    from .broadcasts import broadcast_queue

    try:
        with lock_task(f"broadcast-queue-{broadcast_id}"):
            broadcast_queue(broadcast_id=broadcast_id)
    except TaskLockedException:
        pass


__all__ = ["broadcast_queue_task", "crontab", "sms_deliver", "sms_dispatch_task", "sms_incoming_handle_task"]
