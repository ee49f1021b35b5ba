"""Sending claimed messages through the gateway at the shared rate, and the dispatcher loop."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from warga.core.scoping import unscoped

from ..gateways import Gateway, GatewayError, GatewayOutcomeUnknown, get_gateway
from ..models import (
    CONSENT_PURPOSES,
    Broadcast,
    BroadcastStatus,
    NumberPreference,
    SmsMessage,
    SmsStatus,
)
from ..quiet import quiet_hours_end
from ..throttle import rate_per_second, throttle_reserve
from ._common import _setting
from .claiming import (
    UNKNOWN_OUTCOME,
    UNKNOWN_OUTCOME_ERROR,
    _mark_handed,
    sms_claim,
    sms_claim_batch,
    sms_claims_release,
)

logger = logging.getLogger(__name__)


def _retry_delay(attempts: int) -> timedelta:
    base = _setting("SMS_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def number_blocked_for_broadcasts(number: str) -> bool:
    return bool(_blocked_numbers([number]))


def _blocked_numbers(numbers: Iterable[str]) -> set[str]:
    """Of these numbers, the ones that opted out or failed permanently (one query)."""
    wanted = set(numbers)
    if not wanted:
        return set()
    return set(
        NumberPreference.objects.filter(number__in=wanted)
        .filter(Q(opted_out_at__isnull=False) | Q(failed_permanently_at__isnull=False))
        .values_list("number", flat=True)
    )


def _screen_claimed(messages: list[SmsMessage]) -> list[SmsMessage]:
    """Consent and quiet hours for claimed messages, checked once for the whole batch: broadcasts
    to opted-out or dead numbers are cancelled, broadcasts caught by quiet hours go back to the
    queue until they end. Returns the messages that may be handed to the gateway."""
    consent = [m for m in messages if m.purpose in CONSENT_PURPOSES]
    if not consent:
        return messages
    held: set[int] = set()
    blocked = _blocked_numbers(m.to for m in consent)
    cancel = [m.pk for m in consent if m.to in blocked]
    if cancel:
        SmsMessage.objects.filter(pk__in=cancel, status=SmsStatus.SENDING).update(
            status=SmsStatus.CANCELLED,
            error="opted out or number failed permanently",
            failed_at=timezone.now(),
        )
        held.update(cancel)
    resume = quiet_hours_end()
    if resume is not None:  # quiet hours began after the claim
        later = [m.pk for m in consent if m.pk not in held]
        SmsMessage.objects.filter(pk__in=later, status=SmsStatus.SENDING).update(
            status=SmsStatus.QUEUED, not_before=resume, claim_token="", claimed_at=None
        )
        held.update(later)
    return [m for m in messages if m.pk not in held]


@dataclass
class _Outcome:
    message: SmsMessage
    gateway_message_id: str = ""
    delivered: bool = False
    error: GatewayError | GatewayOutcomeUnknown | None = None


def _hand_over(gateway: Gateway, message: SmsMessage, send_at: float) -> _Outcome:
    """Wait for the message's slot in the rate budget, then give it to the gateway. No database."""
    wait = send_at - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    try:
        result = gateway.send(message)
    except (GatewayError, GatewayOutcomeUnknown) as exc:
        return _Outcome(message, error=exc)
    return _Outcome(message, gateway_message_id=result.gateway_message_id, delivered=result.delivered)


def _record_outcomes(gateway: Gateway, outcomes: list[_Outcome]) -> None:
    """Write the gateway's answers. Accepted messages are recorded together, one UPDATE per kind
    of answer; a delivery report may already have arrived (Kannel is fast), so a message that
    has left `sending` never steps back. `attempts` was counted when the row was handed over."""
    now = timezone.now()
    accepted: dict[bool, list[int]] = {True: [], False: []}
    for outcome in outcomes:
        message = outcome.message
        attempts = message.attempts
        if isinstance(outcome.error, GatewayOutcomeUnknown):
            # Never resent; a delivery report that still comes corrects it (decision 0010).
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.FAILED,
                failed_at=now,
                gateway=gateway.name,
                error=f"{UNKNOWN_OUTCOME}: {outcome.error}; not resent"[:300],
            )
            logger.warning("sms %s: outcome unknown (%s); not resent", message.pk, outcome.error)
        elif isinstance(outcome.error, GatewayError) and outcome.error.unreachable:
            # No connection was made: the gateway cannot have it, and the message is not at
            # fault. Back in the queue as it was, its attempt not counted; the dispatcher pauses
            # (GatewayDown) instead of charging every queued message for the gateway's outage.
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.QUEUED,
                attempts=F("attempts") - 1,
                error=str(outcome.error)[:300],
                gateway=gateway.name,
                claim_token="",
                claimed_at=None,
                handed_at=None,
            )
        elif isinstance(outcome.error, GatewayError):
            give_up = outcome.error.permanent or attempts >= _setting("SMS_MAX_ATTEMPTS", 5)
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.FAILED if give_up else SmsStatus.QUEUED,
                error=str(outcome.error)[:300],
                failed_at=now if give_up else None,
                not_before=None if give_up else now + _retry_delay(attempts),
                gateway=gateway.name,
                claim_token="" if not give_up else F("claim_token"),
                handed_at=F("handed_at") if give_up else None,
            )
            logger.info("sms %s: gateway refused (%s), attempt %s", message.pk, outcome.error, attempts)
        elif outcome.gateway_message_id:
            _record_accepted([message.pk], gateway, now, outcome.delivered, outcome.gateway_message_id)
        else:
            accepted[outcome.delivered].append(message.pk)
    for delivered, ids in accepted.items():
        if ids:
            _record_accepted(ids, gateway, now, delivered, "")


def _record_accepted(
    ids: list[int], gateway: Gateway, now: datetime, delivered: bool, gateway_id: str
) -> None:
    final = SmsStatus.DELIVERED if delivered else SmsStatus.SENT
    SmsMessage.objects.filter(pk__in=ids).update(
        status=Case(When(status=SmsStatus.SENDING, then=Value(final)), default=F("status")),
        gateway=gateway.name,
        gateway_message_id=Value(gateway_id) if gateway_id else F("gateway_message_id"),
        sent_at=now,
        delivered_at=Value(now) if delivered else F("delivered_at"),
        error=Case(When(status=SmsStatus.SENDING, then=Value("")), default=F("error")),
    )


def _slots(gateway: Gateway, messages: list[SmsMessage]) -> list[float]:
    """One reservation for a group of messages (one short row lock), then each message's own
    slot inside it (monotonic clock)."""
    rate = rate_per_second()
    start = time.monotonic() + throttle_reserve(gateway=gateway.name, units=sum(m.segments for m in messages))
    slots, offset = [], 0.0
    for message in messages:
        slots.append(start + offset / rate)
        offset += message.segments
    return slots


class GatewayDown(Exception):
    """No request of a group could reach the gateway: sending pauses (the dispatcher waits and
    tries again) rather than going through the whole queue while the gateway restarts."""


def sms_send_claimed(
    *, message: SmsMessage, gateway: Gateway | None = None, send_at: float | None = None
) -> SmsMessage:
    """Hand one claimed (`sending`) message to the gateway and record the outcome.

    `send_at` (monotonic clock): the caller already reserved this message's slot in the rate
    budget; otherwise one slot is reserved here."""
    gateway = gateway or get_gateway()
    if _screen_claimed([message]):
        if send_at is None:
            send_at = time.monotonic() + throttle_reserve(gateway=gateway.name, units=message.segments)
        for handed in _mark_handed([message]):
            _record_outcomes(gateway, [_hand_over(gateway, handed, send_at)])
    message.refresh_from_db()
    return message


def sms_deliver_one(*, message_id: int) -> SmsMessage | None:
    message = sms_claim(message_id=message_id)
    if message is None:
        return None
    return sms_send_claimed(message=message)


def sms_wake(message_id: int | None = None) -> None:
    """Messages were queued. The dispatcher process (`manage.py sms_dispatcher`) polls the
    outbox every SMS_DISPATCHER_POLL_SECONDS and needs no signal; with SMS_DISPATCH_INLINE (tests,
    set-ups without a dispatcher) the message is sent here and now."""
    if not getattr(settings, "SMS_DISPATCH_INLINE", False):
        return
    if message_id is None:
        sms_dispatch(max_seconds=600)
    else:
        sms_deliver_one(message_id=message_id)


@dataclass
class DispatchResult:
    handled: int = 0
    sent: int = 0
    gateway_down: bool = False


def sms_claim_size(concurrency: int, batch: int) -> int:
    """Claim no more than about two seconds' worth at the configured rate (at least one group):
    claimed rows wait for their slot, and a claim should not sit on rows for long."""
    return max(concurrency, min(batch, int(rate_per_second() * 2)))


@unscoped("SMS dispatch: the outbox holds messages of every area")
def sms_dispatch(  # noqa: C901 - the dispatcher's drain loop: claim, reserve, send, settle, in one place
    *,
    max_seconds: float = 50.0,
    batch: int = 200,
    concurrency: int | None = None,
    token: str | None = None,
    keep_going: Any = None,
) -> DispatchResult:
    """Send due messages until none is left, time is up or `keep_going()` says stop. Senders
    share the rate budget, so several may run at once without exceeding it.

    A sliding window of SMS_SEND_CONCURRENCY requests: whenever some have answered, their
    answers are recorded together (one UPDATE per kind of answer) and as many new messages are
    reserved their rate slots, marked handed over (one UPDATE) and started. A message counts
    against the window from its hand-over until its answer is recorded, so a crash leaves at
    most SMS_SEND_CONCURRENCY messages with an unknown outcome (decision 0010). The requests run
    in threads that touch no database. Claims are taken ahead (one consent/quiet-hours check per
    claim); those not handed over when it stops go back to the queue."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    workers = max(1, concurrency or _setting("SMS_SEND_CONCURRENCY", 32))
    gateway = get_gateway()
    result = DispatchResult()
    token = token or uuid.uuid4().hex
    deadline = time.monotonic() + max_seconds
    pool = ThreadPoolExecutor(max_workers=workers)
    # Record answers once a quarter of the window has come back (fewer round trips per message),
    # or whatever has come back when nothing else is in flight.
    record_at = max(1, workers // 4)
    waiting: list[SmsMessage] = []  # claimed, screened, not yet handed over
    in_flight: dict[Any, SmsMessage] = {}
    answered: list[_Outcome] = []
    drained = False

    def go_on() -> bool:
        return time.monotonic() < deadline and (keep_going is None or keep_going())

    def record() -> None:
        if not answered:
            return
        batch_outcomes = answered[:]
        answered.clear()
        _record_outcomes(gateway, batch_outcomes)
        result.sent += sum(1 for o in batch_outcomes if o.error is None)
        if all(isinstance(o.error, GatewayError) and o.error.unreachable for o in batch_outcomes):
            raise GatewayDown(str(batch_outcomes[0].error))

    def collect(timeout: float | None) -> None:
        done, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            in_flight.pop(future)
            answered.append(future.result())

    try:
        while True:
            stopping = not go_on()
            if not stopping:
                if len(waiting) < workers and not drained:
                    claimed = sms_claim_batch(limit=sms_claim_size(workers, batch), token=token)
                    if claimed:
                        result.handled += len(claimed)
                        waiting.extend(_screen_claimed(claimed))
                    else:
                        drained = True
                free = workers - len(in_flight) - len(answered)
                if free > 0 and waiting:
                    group, waiting = waiting[:free], waiting[free:]
                    slots = _slots(gateway, group)
                    by_pk = dict(zip((m.pk for m in group), slots, strict=True))
                    for message in _mark_handed(group):
                        future = pool.submit(_hand_over, gateway, message, by_pk[message.pk])
                        in_flight[future] = message
            if not in_flight:
                record()
                if stopping or (drained and not waiting):
                    break
                continue
            collect(None)
            # Gather a few more answers before writing them, unless the window must refill.
            while in_flight and len(answered) < record_at:
                before = len(answered)
                collect(0.005)
                if len(answered) == before:
                    break
            record()
    except GatewayDown as exc:
        result.gateway_down = True  # the claims not yet handed over go back below
        logger.warning("sms: the gateway is not reachable (%s); sending pauses", exc)
    finally:
        # Requests already started finish and their answers are written: a stop leaves no
        # unknown outcome behind.
        for future, message in list(in_flight.items()):
            try:
                answered.append(future.result())
            except Exception as exc:  # a fault after the request may have gone out
                logger.exception("sms %s: sending failed unexpectedly", message.pk)
                answered.append(_Outcome(message, error=GatewayOutcomeUnknown(str(exc)[:200])))
        in_flight.clear()
        try:
            if answered:
                _record_outcomes(gateway, answered)
                result.sent += sum(1 for o in answered if o.error is None)
        finally:
            pool.shutdown()
            sms_claims_release(token=token)
    if result.handled:
        broadcasts_finish()
    return result


def sms_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Finish what a crash or a silent gateway left: a claim never handed over, older than
    SMS_SENDING_TIMEOUT_SECONDS → back to the queue; a hand-over without an answer for as long →
    failed (outcome unknown, never resent); `sent` without a final report for days → expired."""
    now = now or timezone.now()
    old = now - timedelta(seconds=_setting("SMS_SENDING_TIMEOUT_SECONDS", 600))
    requeued = SmsMessage.objects.filter(
        status=SmsStatus.SENDING, handed_at__isnull=True, claimed_at__lt=old
    ).update(status=SmsStatus.QUEUED, claim_token="", claimed_at=None)
    stuck = SmsMessage.objects.filter(status=SmsStatus.SENDING, handed_at__lt=old).update(
        status=SmsStatus.FAILED, failed_at=now, error=UNKNOWN_OUTCOME_ERROR
    )
    expired = SmsMessage.objects.filter(
        status=SmsStatus.SENT, sent_at__lt=now - timedelta(hours=_setting("SMS_DLR_TIMEOUT_HOURS", 72))
    ).update(status=SmsStatus.EXPIRED, failed_at=now, error="no delivery report")
    from .delivery_reports import numbers_reached_clear

    reached = numbers_reached_clear()
    broadcasts_finish()
    return {"requeued": requeued, "stuck": stuck, "expired": expired, "reached": reached}


@unscoped("SMS: broadcasts of every area finish when their messages have left")
def broadcasts_finish() -> int:
    """Broadcasts whose messages have all left the queue are done."""
    done = 0
    for broadcast in Broadcast.objects.filter(status=BroadcastStatus.SENDING).only("id"):
        busy = broadcast.messages.filter(status__in=(SmsStatus.QUEUED, SmsStatus.SENDING)).exists()
        if not busy:
            done += Broadcast.objects.filter(pk=broadcast.pk, status=BroadcastStatus.SENDING).update(
                status=BroadcastStatus.DONE
            )
    return done
