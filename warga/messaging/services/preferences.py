"""A number's preferences: opting out of broadcasts and invitations, and back in."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from warga.audit.services import audit_record
from warga.core.scoping import unscoped

from ..models import (
    CONSENT_PURPOSES,
    NumberPreference,
    SmsMessage,
    SmsStatus,
)
from ..phones import normalize_msisdn


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
