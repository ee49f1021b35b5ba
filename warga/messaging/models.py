from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsPurpose(models.TextChoices):
    OTP = "otp", _("one-time code")
    NOTICE = "notice", _("status notice")
    REPLY = "reply", _("reply to an incoming SMS")
    BROADCAST = "broadcast", _("broadcast")
    INVITATION = "invitation", _("resident's invitation")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


# Lower sends first: one-time codes and notices never wait behind a broadcast.
PRIORITY = {
    SmsPurpose.OTP: 0,
    SmsPurpose.NOTICE: 10,
    SmsPurpose.REPLY: 10,
    SmsPurpose.INVITATION: 50,
    SmsPurpose.BROADCAST: 90,
}


class SmsMessage(models.Model):
    """The outbox: every SMS Warga sends is a row here before any gateway sees it."""

    to = models.CharField(_("recipient"), max_length=20, db_index=True)
    text = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=SmsPurpose.choices)
    priority = models.PositiveSmallIntegerField(default=50)
    status = models.CharField(_("status"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    encoding = models.CharField(max_length=8, default="gsm7")
    segments = models.PositiveSmallIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    gateway = models.CharField(max_length=20, blank=True)
    gateway_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "priority", "id"], name="sms_dispatch_idx")]
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS outbox")

    def __str__(self) -> str:
        return f"SMS {self.pk} {self.status}"
