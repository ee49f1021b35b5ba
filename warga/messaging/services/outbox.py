"""The one way out: checking a text and writing it to the outbox."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor

from ..encoding import sms_encoding, unsupported_characters
from ..models import (
    CONSENT_PURPOSES,
    PRIORITY,
    SmsMessage,
    SmsPurpose,
)
from ..phones import normalize_msisdn
from ..quiet import quiet_hours_end
from .sending import sms_wake

# Kannel's sendsms-user holds max-messages = 5 (deploy/kannel/kannel.conf): 765 GSM-7 or
# 335 UCS-2 characters. Longer texts would be cut silently by smsbox, so they are refused here.
MAX_SEGMENTS = 5


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
