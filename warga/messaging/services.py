"""The one way to send an SMS: `sms_send` writes the outbox row; a task delivers it after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor
from warga.core.tasks import enqueue_on_commit

from .encoding import sms_encoding
from .gateways import GatewayError, get_gateway
from .models import PRIORITY, SmsMessage, SmsPurpose, SmsStatus
from .phones import normalize_msisdn

MAX_SEGMENTS = 6


def sms_send(
    *, to: str, text: str, purpose: str, actor: Actor | None = None, priority: int | None = None
) -> SmsMessage:
    """Queue one SMS. Call inside the transaction that caused it: if that rolls back, so does the SMS."""
    msisdn = normalize_msisdn(to)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The message is empty."), code="sms.empty")
    enc = sms_encoding(text)
    if enc.segments > MAX_SEGMENTS:
        raise InvalidInput(
            _("The message is too long: %(n)d SMS parts, at most %(max)d.") % {"n": enc.segments, "max": MAX_SEGMENTS},
            code="sms.too_long",
        )
    message = SmsMessage.objects.create(
        to=msisdn,
        text=text,
        purpose=SmsPurpose(purpose),
        priority=PRIORITY[SmsPurpose(purpose)] if priority is None else priority,
        encoding=enc.encoding,
        segments=enc.segments,
        created_by=actor.user if actor and actor.user else None,
    )
    from .tasks import sms_deliver

    enqueue_on_commit(sms_deliver, message.pk)
    return message


def sms_claim(*, message_id: int) -> SmsMessage | None:
    """Atomically take a queued message for sending; None if someone else has it or it is done."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENDING, claimed_at=now
    )
    if claimed != 1:
        return None
    return SmsMessage.objects.get(pk=message_id)


def sms_deliver_one(*, message_id: int) -> SmsMessage | None:
    message = sms_claim(message_id=message_id)
    if message is None:
        return None
    gateway = get_gateway()
    now = timezone.now()
    try:
        result = gateway.send(message)
    except GatewayError as exc:
        with transaction.atomic():
            SmsMessage.objects.filter(pk=message.pk).update(
                status=SmsStatus.FAILED if exc.permanent else SmsStatus.QUEUED,
                attempts=message.attempts + 1,
                error=str(exc)[:300],
                failed_at=now if exc.permanent else None,
                gateway=gateway.name,
            )
        raise
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.DELIVERED if result.delivered else SmsStatus.SENT,
        attempts=message.attempts + 1,
        gateway=gateway.name,
        gateway_message_id=result.gateway_message_id,
        sent_at=now,
        delivered_at=now if result.delivered else None,
        error="",
    )
    message.refresh_from_db()
    return message
