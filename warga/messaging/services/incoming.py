"""Incoming SMS: receiving, rate-limiting and answering keywords."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from warga.core.errors import InvalidInput
from warga.core.tasks import enqueue_on_commit

from ..encoding import sms_encoding
from ..models import (
    IncomingSms,
    IncomingStatus,
    SmsPurpose,
)
from ..phones import normalize_msisdn
from ._common import _setting
from .outbox import MAX_SEGMENTS, sms_send

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
        from ..tasks import sms_incoming_handle_task

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
    from ..keywords import dispatch_keyword

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
