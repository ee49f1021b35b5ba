"""The SMS dispatcher: one long-lived process (`manage.py sms_dispatcher`) that owns sending.

Ownership is a lease, never a lock that outlives its owner: one `DispatcherLease` row with an
expiry the holder renews by a heartbeat. Whoever finds it expired (or held by a process of
this host that no longer exists) takes it over in one conditional UPDATE, which starts a new
epoch with a new token; every message is claimed under that token. Taking the lease first
settles what the previous holder left (`sms_recover`): claims it never handed to the gateway
go back to the queue, requests it had in flight end as "outcome unknown" (decision 0010).

The loop polls the outbox every SMS_DISPATCHER_POLL_SECONDS while idle (one indexed query on
the queued rows), drains it at SMS_RATE_PER_SECOND with SMS_SEND_CONCURRENCY requests in
flight, and stops cleanly on SIGTERM: no new claims, the requests in flight finish, unsent
claims go back to the queue, the lease is released.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from .models import DispatcherLease
from .services import sms_dispatch, sms_recover

logger = logging.getLogger(__name__)

LEASE_NAME = "sms-dispatcher"


def lease_seconds() -> float:
    return float(getattr(settings, "SMS_LEASE_SECONDS", 30))


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _holder_gone(holder: str) -> bool:
    """The holder was a process on this host that no longer exists (a restart after a kill)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Lease:
    token: str
    epoch: int
    holder: str


def lease_acquire(*, holder: str | None = None, now: datetime | None = None) -> Lease | None:
    """Take the lease if it is free, expired or its holder is gone; None if someone holds it."""
    holder = holder or this_holder()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            DispatcherLease.objects.get_or_create(name=LEASE_NAME)
    except IntegrityError:  # created concurrently
        pass
    current = DispatcherLease.objects.filter(name=LEASE_NAME).values("token", "holder", "expires_at").get()
    free = current["expires_at"] is None or current["expires_at"] <= now or not current["token"]
    if not free and not _holder_gone(current["holder"]):
        return None
    token = uuid.uuid4().hex
    taken = DispatcherLease.objects.filter(name=LEASE_NAME, token=current["token"]).update(
        token=token,
        epoch=F("epoch") + 1,
        holder=holder,
        acquired_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(seconds=lease_seconds()),
    )
    if taken != 1:
        return None
    epoch = DispatcherLease.objects.filter(name=LEASE_NAME).values_list("epoch", flat=True).get()
    return Lease(token=token, epoch=epoch, holder=holder)


def lease_renew(lease: Lease, *, now: datetime | None = None) -> bool:
    """The heartbeat: False if the lease was lost (expired and taken over)."""
    now = now or timezone.now()
    return (
        DispatcherLease.objects.filter(name=LEASE_NAME, token=lease.token).update(
            heartbeat_at=now, expires_at=now + timedelta(seconds=lease_seconds())
        )
        == 1
    )


def lease_release(lease: Lease) -> None:
    now = timezone.now()
    DispatcherLease.objects.filter(name=LEASE_NAME, token=lease.token).update(
        token="", heartbeat_at=now, expires_at=now
    )


def lease_current() -> DispatcherLease | None:
    return DispatcherLease.objects.filter(name=LEASE_NAME).first()


class SmsDispatcher:
    """The loop of `manage.py sms_dispatcher`. `stop()` (from a signal handler) ends it cleanly."""

    def __init__(self, *, poll_seconds: float | None = None, concurrency: int | None = None) -> None:
        self.poll = poll_seconds or float(getattr(settings, "SMS_DISPATCHER_POLL_SECONDS", 0.5))
        self.concurrency = concurrency or int(getattr(settings, "SMS_SEND_CONCURRENCY", 32))
        self.stopping = threading.Event()
        self.holder = this_holder()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        waiting_logged = False
        while not self.stopping.is_set():
            close_old_connections()
            lease = lease_acquire(holder=self.holder)
            if lease is None:
                if not waiting_logged:
                    logger.info("sms dispatcher: another dispatcher holds the lease; waiting")
                    waiting_logged = True
                self.stopping.wait(min(5.0, lease_seconds() / 3))
                continue
            waiting_logged = False
            logger.info("sms dispatcher: lease taken (epoch %s)", lease.epoch)
            try:
                sms_recover(keep_token=lease.token)
                self._serve(lease)
            finally:
                lease_release(lease)
                logger.info("sms dispatcher: lease released (epoch %s)", lease.epoch)

    def _serve(self, lease: Lease) -> None:
        beat = max(0.5, lease_seconds() / 6)
        next_beat = time.monotonic() + beat
        lost = False

        def keep_going() -> bool:
            nonlocal next_beat, lost
            if self.stopping.is_set() or lost:
                return False
            if time.monotonic() >= next_beat:
                if not lease_renew(lease):
                    logger.error("sms dispatcher: lease lost (epoch %s); sending stops", lease.epoch)
                    lost = True
                    return False
                next_beat = time.monotonic() + beat
            return True

        pause = 0.0
        while keep_going():
            # Drains until the queue is empty (then marks finished broadcasts done) or it must stop.
            result = sms_dispatch(
                max_seconds=3600, concurrency=self.concurrency, token=lease.token, keep_going=keep_going
            )
            if result.gateway_down:
                # The gateway is restarting or down: wait (1 s doubling to 30 s), the lease kept
                # alive by keep_going(); the queue is untouched meanwhile.
                pause = min(30.0, max(1.0, pause * 2))
                deadline = time.monotonic() + pause
                while time.monotonic() < deadline and keep_going():
                    self.stopping.wait(min(1.0, deadline - time.monotonic()))
                close_old_connections()
                continue
            pause = 0.0
            if not result.handled:
                self.stopping.wait(self.poll)
                close_old_connections()
