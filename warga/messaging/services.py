"""The SMS outbox and everything that moves a message: `sms_send` writes the outbox row; the
dispatcher claims rows atomically (by priority, then id), respects the shared rate and quiet
hours, hands them to the gateway and records the answer; delivery reports finish them.

Delivery semantics (docs/decisions/0010-sms-delivery-at-most-once.md): at most once. A row is claimed
(`queued` → `sending`) before the gateway sees it; only a refusal that proves the gateway does
not have the message puts it back in the queue. A row left in `sending` by a crash or a lost
answer is never resent: a delivery report that still comes proves acceptance, otherwise the
reconciler marks it failed with "outcome unknown".
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.core.tasks import enqueue_on_commit

from .encoding import sms_encoding, unsupported_characters
from .gateways import Gateway, GatewayError, GatewayOutcomeUnknown, get_gateway
from .models import (
    CONSENT_PURPOSES,
    FINAL_STATUSES,
    PRIORITY,
    Broadcast,
    BroadcastStatus,
    IncomingSms,
    IncomingStatus,
    NumberPreference,
    SmsMessage,
    SmsPurpose,
    SmsStatus,
)
from .phones import normalize_msisdn
from .quiet import in_quiet_hours, quiet_hours_end
from .throttle import rate_per_second, throttle_reserve

logger = logging.getLogger(__name__)

# Kannel's sendsms-user holds max-messages = 5 (deploy/kannel/kannel.conf): 765 GSM-7 or
# 335 UCS-2 characters. Longer texts would be cut silently by smsbox, so they are refused here.
MAX_SEGMENTS = 5
TRANSACTIONAL = (SmsPurpose.OTP, SmsPurpose.NOTICE, SmsPurpose.REPLY)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def sms_text_check(text: str) -> str:
    """The cleaned text, or InvalidInput saying what is wrong with it."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The message is empty."), code="sms.empty")
    bad = unsupported_characters(text)
    if bad:
        shown = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in bad}))
        raise InvalidInput(
            _("The message contains characters a phone cannot show: %(chars)s.") % {"chars": shown},
            code="sms.unsupported_characters",
        )
    enc = sms_encoding(text)
    if enc.segments > MAX_SEGMENTS:
        raise InvalidInput(
            _("The message is too long: %(n)d SMS parts, at most %(max)d.")
            % {"n": enc.segments, "max": MAX_SEGMENTS},
            code="sms.too_long",
        )
    return text


def sms_send(
    *, to: str, text: str, purpose: str, actor: Actor | None = None, priority: int | None = None
) -> SmsMessage:
    """Queue one SMS. Call inside the transaction that caused it: if that rolls back, so does the SMS."""
    msisdn = normalize_msisdn(to)
    text = sms_text_check(text)
    try:
        kind = SmsPurpose(purpose)
    except ValueError as exc:
        raise InvalidInput(_("Unknown purpose of the message."), code="sms.purpose") from exc
    enc = sms_encoding(text)
    message = SmsMessage.objects.create(
        to=msisdn,
        text=text,
        purpose=kind,
        priority=PRIORITY[kind] if priority is None else priority,
        encoding=enc.encoding,
        segments=enc.segments,
        created_by=actor.user if actor and actor.user else None,
        not_before=quiet_hours_end() if kind in CONSENT_PURPOSES else None,
    )
    if message.not_before is None:
        pk = message.pk
        transaction.on_commit(lambda: sms_wake(pk))
    return message


# --- claiming --------------------------------------------------------------------------------

UNKNOWN_OUTCOME = "outcome unknown"
UNKNOWN_OUTCOME_ERROR = (
    f"{UNKNOWN_OUTCOME}: the request to the gateway was in flight when its sender stopped; not resent"
)


def _due(now: datetime) -> Q:
    q = Q(status=SmsStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    if in_quiet_hours(now):
        q &= Q(purpose__in=TRANSACTIONAL)
    return q


def sms_claim(*, message_id: int, token: str | None = None) -> SmsMessage | None:
    """Atomically take a queued, due message for sending; None if someone else has it or it is not due."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(_due(now), pk=message_id).update(
        status=SmsStatus.SENDING, claimed_at=now, claim_token=token or uuid.uuid4().hex, handed_at=None
    )
    if claimed != 1:
        return None
    return SmsMessage.objects.get(pk=message_id)


def sms_claim_batch(*, limit: int = 100, token: str | None = None) -> list[SmsMessage]:
    """Claim up to `limit` due messages, transactional first (priority, then id). `token`: the
    claimer's lease token, written on every claimed row."""
    now = timezone.now()
    token = token or uuid.uuid4().hex
    with transaction.atomic():
        candidates = SmsMessage.objects.filter(_due(now)).order_by("priority", "id")
        if connection_supports_skip_locked():
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        SmsMessage.objects.filter(id__in=ids, status=SmsStatus.QUEUED).update(
            status=SmsStatus.SENDING, claimed_at=now, claim_token=token, handed_at=None
        )
    return list(SmsMessage.objects.filter(id__in=ids, claim_token=token).order_by("priority", "id"))


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return bool(connection.features.has_select_for_update_skip_locked)


def sms_claims_release(*, token: str) -> int:
    """Claims of `token` that never reached the gateway go back to the queue (a clean stop)."""
    return SmsMessage.objects.filter(
        status=SmsStatus.SENDING, claim_token=token, handed_at__isnull=True
    ).update(status=SmsStatus.QUEUED, claim_token="", claimed_at=None)


@unscoped("SMS dispatch: the outbox holds messages of every area")
def sms_recover(*, keep_token: str, now: datetime | None = None) -> dict[str, int]:
    """After a sender died (run when a dispatcher takes the lease): every `sending` row claimed
    under another token is settled. Never handed to the gateway → back to the queue, as if
    never claimed. Handed, i.e. its request was in flight → failed, outcome unknown, never
    resent (a delivery report that still comes corrects it)."""
    now = now or timezone.now()
    others = SmsMessage.objects.filter(status=SmsStatus.SENDING).exclude(claim_token=keep_token)
    requeued = others.filter(handed_at__isnull=True).update(
        status=SmsStatus.QUEUED, claim_token="", claimed_at=None
    )
    unknown = others.filter(handed_at__isnull=False).update(
        status=SmsStatus.FAILED, failed_at=now, error=UNKNOWN_OUTCOME_ERROR
    )
    if requeued or unknown:
        logger.warning("sms recovery: %s claimed messages re-queued, %s outcome unknown", requeued, unknown)
    return {"requeued": requeued, "unknown": unknown}


def _mark_handed(messages: list[SmsMessage]) -> list[SmsMessage]:
    """Just before their requests start: mark these claimed rows as handed to the gateway and
    count the attempt, in one UPDATE. Only rows still claimed under the same token are marked
    (recovery may have taken them back); only those may be sent."""
    if not messages:
        return []
    now = timezone.now()
    ids = [m.pk for m in messages]
    token = messages[0].claim_token
    marked = SmsMessage.objects.filter(
        pk__in=ids, status=SmsStatus.SENDING, claim_token=token, handed_at__isnull=True
    ).update(handed_at=now, attempts=F("attempts") + 1)
    if marked != len(ids):
        mine = set(
            SmsMessage.objects.filter(pk__in=ids, claim_token=token, handed_at=now).values_list(
                "pk", flat=True
            )
        )
        messages = [m for m in messages if m.pk in mine]
    for m in messages:
        m.attempts += 1
        m.handed_at = now
    return messages


# --- sending ---------------------------------------------------------------------------------


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


def sms_send_group(*, gateway: Gateway, messages: list[SmsMessage], pool: Any = None) -> int:
    """Send a group of claimed messages (at most the concurrency): reserve their rate slots,
    mark them handed over in one UPDATE, make the requests in parallel, record the answers.
    Returns how many the gateway accepted."""
    if not messages:
        return 0
    slots = _slots(gateway, messages)
    by_pk = dict(zip((m.pk for m in messages), slots, strict=True))
    messages = _mark_handed(messages)
    if pool is not None and len(messages) > 1:
        outcomes = list(pool.map(lambda m: _hand_over(gateway, m, by_pk[m.pk]), messages))
    else:
        outcomes = [_hand_over(gateway, m, by_pk[m.pk]) for m in messages]
    _record_outcomes(gateway, outcomes)
    if all(isinstance(o.error, GatewayError) and o.error.unreachable for o in outcomes):
        raise GatewayDown(str(outcomes[0].error))
    return sum(1 for o in outcomes if o.error is None)


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
def sms_dispatch(
    *,
    max_seconds: float = 50.0,
    batch: int = 200,
    concurrency: int | None = None,
    token: str | None = None,
    keep_going: Any = None,
) -> DispatchResult:
    """Send due messages until none is left, time is up or `keep_going()` says stop. Senders
    share the rate budget, so several may run at once without exceeding it.

    Per claim: one consent/quiet-hours check; then groups of SMS_SEND_CONCURRENCY messages, each
    with one rate reservation, one UPDATE marking them handed over, the requests in parallel
    threads (which touch no database), and the answers recorded together. Claimed rows not
    handed over when it stops go back to the queue."""
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, concurrency or _setting("SMS_SEND_CONCURRENCY", 16))
    gateway = get_gateway()
    result = DispatchResult()
    token = token or uuid.uuid4().hex
    deadline = time.monotonic() + max_seconds
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None

    def go_on() -> bool:
        return time.monotonic() < deadline and (keep_going is None or keep_going())

    try:
        while go_on():
            claimed = sms_claim_batch(limit=sms_claim_size(workers, batch), token=token)
            if not claimed:
                break
            result.handled += len(claimed)
            sendable = _screen_claimed(claimed)
            for i in range(0, len(sendable), workers):
                if not go_on():
                    break
                result.sent += sms_send_group(gateway=gateway, messages=sendable[i : i + workers], pool=pool)
    except GatewayDown as exc:
        result.gateway_down = True  # the claims not yet handed over go back below
        logger.warning("sms: the gateway is not reachable (%s); sending pauses", exc)
    finally:
        if pool:
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
    broadcasts_finish()
    return {"requeued": requeued, "stuck": stuck, "expired": expired}


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


# --- delivery reports ------------------------------------------------------------------------

DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16


@dataclass(frozen=True)
class DlrResult:
    message_id: int
    status: str


_FINAL_SQL = ", ".join(f"'{s}'" for s in FINAL_STATUSES)
# A message failed only because its outcome was unknown: a delivery report may still prove it.
_UNKNOWN_SQL = (
    f"(status = '{SmsStatus.FAILED}' AND SUBSTR(error, 1, {len(UNKNOWN_OUTCOME)}) = '{UNKNOWN_OUTCOME}')"
)
_WAITING_SQL = f"(status IN ('{SmsStatus.QUEUED}', '{SmsStatus.SENDING}') OR {_UNKNOWN_SQL})"
_OPEN_SQL = f"(status NOT IN ({_FINAL_SQL}) OR {_UNKNOWN_SQL})"


@transaction.atomic
def sms_dlr_receive(
    *, ref: str, status: int, smsc_reply: str = "", smsc_message_id: str = "", attempt: str = ""
) -> DlrResult:
    """Apply one delivery report. Idempotent, order-independent, never leaves a final state
    (except "failed, outcome unknown", which a report may still correct).

    `attempt` (from the dlr-url): the attempt the report belongs to; a report of an earlier,
    superseded attempt changes nothing. This runs for every message sent, at the sending rate,
    so it is one conditional `UPDATE … RETURNING` on the message (plus, for a delivered report,
    clearing a stale "failed permanently" mark on the number)."""
    if not str(ref).isdigit() or len(str(ref)) > 18:
        raise NotFound(_("Unknown message."), code="sms.unknown_message")
    if status not in (DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED):
        if not SmsMessage.objects.filter(pk=int(ref)).exists():
            raise NotFound(_("Unknown message."), code="sms.unknown_message")
        raise InvalidInput(_("Unknown delivery report type."), code="sms.dlr_type")
    pk = int(ref)
    now = timezone.now()
    table = SmsMessage._meta.db_table
    common = "dlr_status = %s, dlr_at = %s, gateway_message_id = COALESCE(NULLIF(%s, ''), gateway_message_id)"
    params: list[Any] = [status, now, smsc_message_id[:100]]
    if status == DLR_DELIVERED:
        new_status: str = SmsStatus.DELIVERED
        sets = (
            f"status = %s, delivered_at = %s, sent_at = COALESCE(sent_at, %s), "
            f"error = CASE WHEN {_UNKNOWN_SQL} THEN '' ELSE error END, "
            f"failed_at = CASE WHEN {_UNKNOWN_SQL} THEN NULL ELSE failed_at END, {common}"
        )
        params = [new_status, now, now, *params]
    elif status in (DLR_UNDELIVERED, DLR_SMSC_REJECTED):
        new_status = SmsStatus.EXPIRED if "EXPIRED" in smsc_reply.upper() else SmsStatus.FAILED
        sets = f"status = %s, failed_at = %s, error = %s, {common}"
        params = [new_status, now, (smsc_reply or f"DLR {status}")[:300], *params]
    else:  # accepted or buffered by the SMSC: proof the gateway has it
        new_status = SmsStatus.SENT
        sets = (
            f"sent_at = CASE WHEN {_WAITING_SQL} THEN %s ELSE sent_at END, "
            f"failed_at = CASE WHEN {_UNKNOWN_SQL} THEN NULL ELSE failed_at END, "
            f"error = CASE WHEN {_UNKNOWN_SQL} THEN '' ELSE error END, "
            f"status = CASE WHEN {_WAITING_SQL} THEN %s ELSE status END, {common}"
        )
        params = [now, new_status, *params]
    where = f"id = %s AND {_OPEN_SQL}"
    where_params: list[Any] = [pk]
    if attempt:
        if not attempt.isdigit() or len(attempt) > 4:
            raise InvalidInput(_("Unknown attempt."), code="sms.dlr_attempt")
        where += " AND attempts = %s"
        where_params.append(int(attempt))
    with connection.cursor() as cursor:
        cursor.execute(
            # Only constants and the model's table name are formatted in; every value is a parameter.
            f'UPDATE {table} SET {sets} WHERE {where} RETURNING "to", status',  # noqa: S608
            [*params, *where_params],
        )
        row = cursor.fetchone()
    if row is None:  # unknown, already final, or a superseded attempt: nothing changes
        current = SmsMessage.objects.filter(pk=pk).values_list("status", flat=True).first()
        if current is None:
            raise NotFound(_("Unknown message."), code="sms.unknown_message")
        return DlrResult(message_id=pk, status=str(current))
    number, after = row
    if status == DLR_DELIVERED:
        _number_reachable(number)
    elif after in (SmsStatus.FAILED, SmsStatus.EXPIRED):
        _number_maybe_dead(number)
    return DlrResult(message_id=pk, status=str(after))


def _number_reachable(number: str) -> None:
    if NumberPreference.objects.filter(number=number, failed_permanently_at__isnull=False).update(
        failed_permanently_at=None
    ):
        from warga.registry.models import Phone

        with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
            Phone.objects.filter(number=number).update(failed_permanently_at=None)


def _number_maybe_dead(number: str) -> None:
    """The last N messages to this number all failed: mark it failed permanently (no more broadcasts)."""
    limit = _setting("SMS_PERMANENT_FAILURE_COUNT", 3)
    last = list(
        SmsMessage.objects.filter(to=number, status__in=FINAL_STATUSES)
        .exclude(status=SmsStatus.CANCELLED)
        .order_by("-id")
        .values_list("status", flat=True)[:limit]
    )
    if len(last) < limit or any(s != SmsStatus.FAILED for s in last):
        return
    now = timezone.now()
    pref, _created = NumberPreference.objects.get_or_create(number=number)
    if pref.failed_permanently_at is None:
        NumberPreference.objects.filter(pk=pref.pk).update(failed_permanently_at=now)
        from warga.registry.models import Phone

        with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
            Phone.objects.filter(number=number, failed_permanently_at__isnull=True).update(
                failed_permanently_at=now
            )
        audit_record(actor=None, action="messaging.number.failed_permanently", obj=pref)


# --- numbers: opt-out and opt-in -------------------------------------------------------------


@transaction.atomic
def number_opt_out(*, number: str, channel: str = "sms") -> NumberPreference:
    """BERHENTI/STOP: no more broadcasts or invitations to this number, from now on."""
    msisdn = normalize_msisdn(number)
    now = timezone.now()
    pref, _created = NumberPreference.objects.select_for_update().get_or_create(number=msisdn)
    pref.opted_out_at = now
    pref.save(update_fields=["opted_out_at", "updated_at"])
    from warga.registry.models import Phone

    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=msisdn).update(opted_out_at=now)
    # Already queued broadcast messages to this number are cancelled at once.
    SmsMessage.objects.filter(to=msisdn, status=SmsStatus.QUEUED, purpose__in=CONSENT_PURPOSES).update(
        status=SmsStatus.CANCELLED, error="opted out", failed_at=now
    )
    audit_record(actor=None, action="messaging.number.opt_out", obj=pref, summary={"channel": channel})
    return pref


@transaction.atomic
def number_opt_in(*, number: str, channel: str = "sms") -> NumberPreference:
    """DAFTAR: the number asks for broadcasts again; its verified registry entries get consent."""
    msisdn = normalize_msisdn(number)
    now = timezone.now()
    pref, _created = NumberPreference.objects.select_for_update().get_or_create(number=msisdn)
    pref.opted_out_at = None
    pref.opted_in_at = now
    pref.save(update_fields=["opted_out_at", "opted_in_at", "updated_at"])
    from warga.registry.models import Phone

    with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
        Phone.objects.filter(number=msisdn, verified_at__isnull=False).update(
            opted_out_at=None, consent_broadcast=True, consent_at=now, consent_channel=channel
        )
    audit_record(actor=None, action="messaging.number.opt_in", obj=pref, summary={"channel": channel})
    return pref


# --- incoming SMS ----------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def sms_incoming_receive(
    *,
    sender: str,
    text: str,
    gateway: str,
    receiver: str = "",
    gateway_ref: str = "",
    received_at: datetime | None = None,
) -> IncomingSms:
    """Store an incoming SMS (once per gateway reference) and have it handled after commit."""
    try:
        number = normalize_msisdn(sender)
    except InvalidInput:
        number = ""
    # Control characters (a phone's stray escape or NUL) become spaces: kept readable, stored safely.
    text = _CONTROL.sub(" ", text or "")[:2000]
    sender = _CONTROL.sub("", sender or "")
    receiver = _CONTROL.sub("", receiver or "")
    gateway_ref = _CONTROL.sub("", gateway_ref or "")
    if gateway_ref:
        existing = IncomingSms.objects.filter(gateway=gateway, gateway_ref=gateway_ref[:100]).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            incoming = IncomingSms.objects.create(
                sender=number or (sender or "")[:20],
                receiver=(receiver or "")[:20],
                text=text,
                keyword=(text.split() or [""])[0].upper()[:20],
                gateway=gateway,
                gateway_ref=(gateway_ref or "")[:100],
                received_at=received_at or timezone.now(),
                status=IncomingStatus.RECEIVED if number else IncomingStatus.FAILED,
            )
    except IntegrityError:  # the same retried call, concurrently
        return IncomingSms.objects.get(gateway=gateway, gateway_ref=gateway_ref[:100])
    if number:
        from .tasks import sms_incoming_handle_task

        enqueue_on_commit(sms_incoming_handle_task, incoming.pk)
    return incoming


def incoming_over_limit(number: str, *, now: datetime | None = None, up_to_id: int | None = None) -> bool:
    """More than SMS_INCOMING_LIMIT messages from `number` in the window ending at `now`.

    Only messages received up to this one count: when a burst is handled after it arrived, its
    first messages are answered and only those past the limit are held back.
    """
    now = now or timezone.now()
    window = timedelta(seconds=_setting("SMS_INCOMING_WINDOW_SECONDS", 600))
    recent = IncomingSms.objects.filter(sender=number, received_at__gte=now - window, received_at__lte=now)
    if up_to_id is not None:
        recent = recent.filter(pk__lte=up_to_id)
    return recent.count() > _setting("SMS_INCOMING_LIMIT", 5)


def sms_incoming_handle(*, incoming_id: int) -> IncomingSms:
    """Run the keyword handler of one stored incoming SMS and send its reply (rate-limited)."""
    from .keywords import dispatch_keyword

    with transaction.atomic():
        claimed = IncomingSms.objects.filter(pk=incoming_id, status=IncomingStatus.RECEIVED)
        incoming = claimed.select_for_update().first()
        if incoming is None:
            return IncomingSms.objects.get(pk=incoming_id)
        if incoming_over_limit(incoming.sender, now=incoming.received_at, up_to_id=incoming.pk):
            incoming.status = IncomingStatus.RATE_LIMITED
            incoming.save(update_fields=["status"])
            return incoming
        reply_text = dispatch_keyword(incoming)
        if reply_text:
            incoming.reply = sms_send(to=incoming.sender, text=_fit(reply_text), purpose=SmsPurpose.REPLY)
        incoming.status = IncomingStatus.HANDLED
        incoming.save(update_fields=["status", "reply"])
    return incoming


def _fit(text: str) -> str:
    """Replies are short by design; cut anything that would not fit in the allowed parts."""
    while sms_encoding(text).segments > MAX_SEGMENTS:
        text = text[:-10].rstrip() + "…"
    return text


# --- statistics ------------------------------------------------------------------------------


def status_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = {s.value: 0 for s in SmsStatus}
    for status, n in rows:
        counts[status] = counts.get(status, 0) + n
    return counts


# Broadcasts and invitations live in their own module; they are part of this service API.
from .broadcasts import (  # noqa: E402
    broadcast_approve,
    broadcast_cancel,
    broadcast_create,
    broadcast_preview,
    broadcast_queue,
    broadcast_reject,
    invitation_approve,
    invitation_refuse,
    invitation_request,
)

__all__ = [
    "broadcast_approve",
    "broadcast_cancel",
    "broadcast_create",
    "broadcast_preview",
    "broadcast_queue",
    "broadcast_reject",
    "invitation_approve",
    "invitation_refuse",
    "invitation_request",
    "number_opt_in",
    "number_opt_out",
    "sms_claim",
    "sms_claim_batch",
    "sms_deliver_one",
    "sms_dispatch",
    "sms_dlr_receive",
    "sms_incoming_handle",
    "sms_incoming_receive",
    "sms_reconcile",
    "sms_send",
    "sms_send_claimed",
]
