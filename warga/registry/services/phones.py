"""Residents' phone numbers: adding, verifying by a one-time code, broadcast consent."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped

from ..capabilities import REGISTRY_PHONES
from ..models import (
    Phone,
    Resident,
)
from ._common import _lock_resident, _require_alive
from .history import _audit, _resident_history

OTP_LENGTH = 6
OTP_TTL = timedelta(minutes=10)
OTP_RESEND_AFTER = timedelta(seconds=60)
OTP_MAX_ATTEMPTS = 5
CONSENT_CHANNELS = ("counter", "sms", "web", "field")


def _otp_hash(phone_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"registry-otp:{phone_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _otp_send(actor: Actor, phone: Phone) -> None:
    from warga.messaging.services import sms_send

    now = timezone.now()
    if phone.otp_sent_at and now - phone.otp_sent_at < OTP_RESEND_AFTER:
        raise Conflict(
            _("A code was sent less than a minute ago. Wait a moment before asking for another."),
            code="registry.otp_too_soon",
        )
    code = f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"
    phone.otp_hash = _otp_hash(phone.pk, code)
    phone.otp_sent_at = now
    phone.otp_expires_at = now + OTP_TTL
    phone.otp_attempts = 0
    phone.save(update_fields=["otp_hash", "otp_sent_at", "otp_expires_at", "otp_attempts"])
    text = _("Warga verification code: %(code)s. Valid for %(minutes)d minutes. Do not share this code.") % {
        "code": code,
        "minutes": int(OTP_TTL.total_seconds() // 60),
    }
    sms_send(to=phone.number, text=text, purpose="otp", actor=actor)


@transaction.atomic
def phone_add(
    *, actor: Actor, resident: Resident, number: str, consent_broadcast: bool, channel: str
) -> Phone:
    """Record a resident's mobile number and send it a one-time code to prove it is theirs."""
    from warga.messaging.phones import normalize_msisdn

    actor.require(REGISTRY_PHONES)
    resident = _lock_resident(actor, resident)
    _require_alive(resident)
    msisdn = normalize_msisdn(number)
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(_("Unknown consent channel."), code="registry.invalid_channel")
    if Phone.objects.filter(resident=resident, number=msisdn).exists():
        raise Conflict(_("This number is already recorded for this resident."), code="registry.phone_exists")
    now = timezone.now()
    phone = Phone.objects.create(
        resident=resident,
        number=msisdn,
        consent_broadcast=consent_broadcast,
        consent_at=now if consent_broadcast else None,
        consent_channel=channel,
        added_by=actor.user,
    )
    _resident_history(
        resident,
        actor=actor,
        action="phone_add",
        changes={"phone": [None, msisdn], "consent_broadcast": [None, consent_broadcast]},
    )
    _audit(actor, "phone.add", phone, consent=consent_broadcast, channel=channel)
    _otp_send(actor, phone)
    return phone


@transaction.atomic
def phone_resend_code(*, actor: Actor, phone: Phone) -> Phone:
    actor.require(REGISTRY_PHONES)
    phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
    if phone.verified_at:
        raise Conflict(_("This number is already verified."), code="registry.phone_verified")
    _otp_send(actor, phone)
    _audit(actor, "phone.resend", phone)
    return phone


def phone_verify(*, actor: Actor, phone: Phone, code: str) -> Phone:
    """Check the code the resident read out. A wrong code still counts as an attempt.

    The attempt counter is saved before the error is raised, so it is not a single
    transaction around everything.
    """
    actor.require(REGISTRY_PHONES)
    failure: InvalidInput | None = None
    with transaction.atomic():
        phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
        now = timezone.now()
        if phone.verified_at:
            raise Conflict(_("This number is already verified."), code="registry.phone_verified")
        if not phone.otp_hash or not phone.otp_expires_at or phone.otp_expires_at < now:
            raise InvalidInput(_("The code has expired. Send a new code."), code="registry.otp_expired")
        if phone.otp_attempts >= OTP_MAX_ATTEMPTS:
            raise InvalidInput(_("Too many wrong codes. Send a new code."), code="registry.otp_locked")
        given = re.sub(r"\D", "", code or "")
        if hmac.compare_digest(_otp_hash(phone.pk, given), phone.otp_hash):
            phone.verified_at = now
            phone.otp_hash = ""
            phone.otp_expires_at = None
            phone.save(update_fields=["verified_at", "otp_hash", "otp_expires_at"])
            _resident_history(
                phone.resident,
                actor=actor,
                action="phone_verify",
                changes={"phone_verified": [None, phone.number]},
            )
            _audit(actor, "phone.verify", phone)
            return phone
        phone.otp_attempts += 1
        phone.save(update_fields=["otp_attempts"])
        _audit(actor, "phone.verify_failed", phone, attempts=phone.otp_attempts)
        left = OTP_MAX_ATTEMPTS - phone.otp_attempts
        failure = InvalidInput(
            _("The code is wrong. %(left)d attempts left.") % {"left": left}
            if left
            else _("Too many wrong codes. Send a new code."),
            code="registry.otp_wrong",
        )
    raise failure


@transaction.atomic
def phone_consent_set(*, actor: Actor, phone: Phone, consent_broadcast: bool, channel: str) -> Phone:
    """Record a resident giving or withdrawing consent to broadcasts. Giving it again clears an opt-out."""
    actor.require(REGISTRY_PHONES)
    phone = get_scoped(Phone.objects.select_for_update(), actor, pk=phone.pk)
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(_("Unknown consent channel."), code="registry.invalid_channel")
    now = timezone.now()
    old = phone.consent_broadcast
    phone.consent_broadcast = consent_broadcast
    phone.consent_at = now
    phone.consent_channel = channel
    if consent_broadcast:
        phone.opted_out_at = None
    elif not phone.opted_out_at:
        phone.opted_out_at = now
    phone.save(update_fields=["consent_broadcast", "consent_at", "consent_channel", "opted_out_at"])
    _resident_history(
        phone.resident,
        actor=actor,
        action="phone_consent",
        changes={"consent_broadcast": [old, consent_broadcast]},
    )
    _audit(actor, "phone.consent", phone, consent=consent_broadcast, channel=channel)
    return phone
