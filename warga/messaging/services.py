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
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor
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
    from .tasks import sms_deliver

    if message.not_before is None:
        enqueue_on_commit(sms_deliver, message.pk)
    return message


# --- claiming --------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    q = Q(status=SmsStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    if in_quiet_hours(now):
        q &= Q(purpose__in=TRANSACTIONAL)
    return q


def sms_claim(*, message_id: int) -> SmsMessage | None:
    """Atomically take a queued, due message for sending; None if someone else has it or it is not due."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(_due(now), pk=message_id).update(
        status=SmsStatus.SENDING, claimed_at=now, claim_token=uuid.uuid4().hex
    )
    if claimed != 1:
        return None
    return SmsMessage.objects.get(pk=message_id)


def sms_claim_batch(*, limit: int = 100) -> list[SmsMessage]:
    """Claim up to `limit` due messages, transactional first (priority, then id)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = SmsMessage.objects.filter(_due(now)).order_by("priority", "id")
        if connection_supports_skip_locked():
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        SmsMessage.objects.filter(id__in=ids, status=SmsStatus.QUEUED).update(
            status=SmsStatus.SENDING, claimed_at=now, claim_token=token
        )
    return list(SmsMessage.objects.filter(id__in=ids, claim_token=token).order_by("priority", "id"))


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return bool(connection.features.has_select_for_update_skip_locked)


# --- sending ---------------------------------------------------------------------------------


def _retry_delay(attempts: int) -> timedelta:
    base = _setting("SMS_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def number_blocked_for_broadcasts(number: str) -> bool:
    return (
        NumberPreference.objects.filter(number=number)
        .filter(Q(opted_out_at__isnull=False) | Q(failed_permanently_at__isnull=False))
        .exists()
    )


def sms_send_claimed(
    *, message: SmsMessage, gateway: Gateway | None = None, send_at: float | None = None
) -> SmsMessage:
    """Hand one claimed (`sending`) message to the gateway and record the outcome.

    `send_at` (monotonic clock): the caller already reserved this message's slot in the rate
    budget (the dispatcher reserves a whole batch at once); otherwise one slot is reserved here."""
    gateway = gateway or get_gateway()
    if message.purpose in CONSENT_PURPOSES:
        if number_blocked_for_broadcasts(message.to):
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.CANCELLED,
                error="opted out or number failed permanently",
                failed_at=timezone.now(),
            )
            message.refresh_from_db()
            return message
        resume = quiet_hours_end()
        if resume is not None:  # quiet hours began after the claim
            SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
                status=SmsStatus.QUEUED, not_before=resume
            )
            message.refresh_from_db()
            return message
    if send_at is None:
        wait = throttle_reserve(gateway=gateway.name, units=message.segments)
    else:
        wait = send_at - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    attempts = message.attempts + 1
    now = timezone.now()
    try:
        result = gateway.send(message)
    except GatewayOutcomeUnknown as exc:
        SmsMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, gateway=gateway.name, error=str(exc)[:300]
        )
        logger.warning("sms %s: outcome unknown (%s); left for reconciliation", message.pk, exc)
    except GatewayError as exc:
        give_up = exc.permanent or attempts >= _setting("SMS_MAX_ATTEMPTS", 5)
        SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
            status=SmsStatus.FAILED if give_up else SmsStatus.QUEUED,
            attempts=attempts,
            error=str(exc)[:300],
            failed_at=now if give_up else None,
            not_before=None if give_up else now + _retry_delay(attempts),
            gateway=gateway.name,
        )
        logger.info("sms %s: gateway refused (%s), attempt %s", message.pk, exc, attempts)
    else:
        final = SmsStatus.DELIVERED if result.delivered else SmsStatus.SENT
        SmsMessage.objects.filter(pk=message.pk).update(
            # A delivery report may already have arrived (Kannel is fast): never step back.
            status=Case(When(status=SmsStatus.SENDING, then=Value(final)), default=F("status")),
            attempts=attempts,
            gateway=gateway.name,
            gateway_message_id=result.gateway_message_id or F("gateway_message_id"),
            sent_at=now,
            delivered_at=now if result.delivered else F("delivered_at"),
            error="",
        )
    message.refresh_from_db()
    return message


def sms_deliver_one(*, message_id: int) -> SmsMessage | None:
    message = sms_claim(message_id=message_id)
    if message is None:
        return None
    return sms_send_claimed(message=message)


@dataclass
class DispatchResult:
    handled: int = 0
    sent: int = 0


def sms_dispatch(
    *, max_seconds: float = 50.0, batch: int = 100, concurrency: int | None = None
) -> DispatchResult:
    """Send due messages until none is left or time is up. Workers share the rate budget, so
    several dispatchers (or threads) may run at once without exceeding it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    workers = concurrency or _setting("SMS_SEND_CONCURRENCY", 4)
    gateway = get_gateway()
    result = DispatchResult()
    deadline = time.monotonic() + max_seconds
    parallel = workers > 1 and connection.vendor != "sqlite" and not connection.in_atomic_block
    pool = ThreadPoolExecutor(max_workers=workers) if parallel else None

    def send(item: tuple[SmsMessage, float]) -> SmsStatus:
        message, send_at = item
        return SmsStatus(sms_send_claimed(message=message, gateway=gateway, send_at=send_at).status)

    try:
        while time.monotonic() < deadline:
            claimed = sms_claim_batch(limit=batch)
            if not claimed:
                break
            # One reservation for the whole batch (one short row lock instead of one per
            # message), then each message gets its own slot inside it.
            rate = rate_per_second()
            start = time.monotonic() + throttle_reserve(
                gateway=gateway.name, units=sum(m.segments for m in claimed)
            )
            slots, offset = [], 0.0
            for message in claimed:
                slots.append((message, start + offset / rate))
                offset += message.segments
            statuses = list(pool.map(send, slots)) if pool else [send(item) for item in slots]
            result.handled += len(claimed)
            result.sent += sum(1 for s in statuses if s in (SmsStatus.SENT, SmsStatus.DELIVERED))
    finally:
        if pool:
            pool.map(lambda _: connection.close(), range(workers))
            pool.shutdown()
    broadcasts_finish()
    return result


def sms_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Finish what a crash or a silent gateway left: `sending` too long → failed (outcome unknown,
    never resent); `sent` without a final report for days → expired."""
    now = now or timezone.now()
    stuck = SmsMessage.objects.filter(
        status=SmsStatus.SENDING,
        claimed_at__lt=now - timedelta(seconds=_setting("SMS_SENDING_TIMEOUT_SECONDS", 600)),
    ).update(
        status=SmsStatus.FAILED,
        failed_at=now,
        error="outcome unknown: the hand-over to the gateway was interrupted; not resent",
    )
    expired = SmsMessage.objects.filter(
        status=SmsStatus.SENT, sent_at__lt=now - timedelta(hours=_setting("SMS_DLR_TIMEOUT_HOURS", 72))
    ).update(status=SmsStatus.EXPIRED, failed_at=now, error="no delivery report")
    broadcasts_finish()
    return {"stuck": stuck, "expired": expired}


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


@transaction.atomic
def sms_dlr_receive(*, ref: str, status: int, smsc_reply: str = "", smsc_message_id: str = "") -> SmsMessage:
    """Apply one delivery report. Idempotent, order-independent, never leaves a final state."""
    if not str(ref).isdigit():
        raise NotFound(_("Unknown message."), code="sms.unknown_message")
    message = SmsMessage.objects.filter(pk=int(ref)).first()
    if message is None:
        raise NotFound(_("Unknown message."), code="sms.unknown_message")
    if status not in (DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED):
        raise InvalidInput(_("Unknown delivery report type."), code="sms.dlr_type")
    now = timezone.now()
    changes: dict[str, object] = {"dlr_status": status, "dlr_at": now}
    if smsc_message_id:
        changes["gateway_message_id"] = smsc_message_id[:100]
    open_rows = SmsMessage.objects.filter(pk=message.pk).exclude(status__in=FINAL_STATUSES)
    failed = False
    if status == DLR_DELIVERED:
        open_rows.update(
            status=SmsStatus.DELIVERED, delivered_at=now, sent_at=Coalesce("sent_at", Value(now)), **changes
        )
    elif status in (DLR_UNDELIVERED, DLR_SMSC_REJECTED):
        final = SmsStatus.EXPIRED if "EXPIRED" in smsc_reply.upper() else SmsStatus.FAILED
        failed = bool(
            open_rows.update(
                status=final, failed_at=now, error=(smsc_reply or f"DLR {status}")[:300], **changes
            )
        )
    else:  # accepted or buffered by the SMSC: proof the gateway has it
        open_rows.filter(status__in=(SmsStatus.QUEUED, SmsStatus.SENDING)).update(
            status=SmsStatus.SENT, sent_at=now, **changes
        )
        open_rows.update(**changes)
    if status == DLR_DELIVERED:
        _number_reachable(message.to)
    elif failed:
        _number_maybe_dead(message.to)
    message.refresh_from_db()
    return message


def _number_reachable(number: str) -> None:
    marked = NumberPreference.objects.filter(number=number, failed_permanently_at__isnull=False)
    if marked.exists():
        marked.update(failed_permanently_at=None)
        from warga.registry.models import Phone

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

    Phone.objects.filter(number=msisdn, verified_at__isnull=False).update(
        opted_out_at=None, consent_broadcast=True, consent_at=now, consent_channel=channel
    )
    audit_record(actor=None, action="messaging.number.opt_in", obj=pref, summary={"channel": channel})
    return pref


# --- incoming SMS ----------------------------------------------------------------------------


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
    text = (text or "")[:2000]
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


def incoming_over_limit(number: str, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    window = timedelta(seconds=_setting("SMS_INCOMING_WINDOW_SECONDS", 600))
    recent = IncomingSms.objects.filter(sender=number, received_at__gte=now - window).count()
    return recent > _setting("SMS_INCOMING_LIMIT", 5)


def sms_incoming_handle(*, incoming_id: int) -> IncomingSms:
    """Run the keyword handler of one stored incoming SMS and send its reply (rate-limited)."""
    from .keywords import dispatch_keyword

    with transaction.atomic():
        claimed = IncomingSms.objects.filter(pk=incoming_id, status=IncomingStatus.RECEIVED)
        incoming = claimed.select_for_update().first()
        if incoming is None:
            return IncomingSms.objects.get(pk=incoming_id)
        if incoming_over_limit(incoming.sender, now=incoming.received_at):
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
