from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


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
    CANCELLED = "cancelled", _("cancelled")


FINAL_STATUSES = frozenset({SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.EXPIRED, SmsStatus.CANCELLED})
# Messages that go only to numbers that agreed to receive them (opt-out honoured at send time).
CONSENT_PURPOSES = frozenset({SmsPurpose.BROADCAST, SmsPurpose.INVITATION})


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

    to = models.CharField(_("recipient"), max_length=20)
    text = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=SmsPurpose.choices)
    priority = models.PositiveSmallIntegerField(default=50)
    status = models.CharField(_("status"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    encoding = models.CharField(max_length=8, default="gsm7")
    segments = models.PositiveSmallIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    gateway = models.CharField(max_length=20, blank=True)
    gateway_message_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker that claimed the row; a batch claim reads back its own rows by it.
    # Set by the worker that claimed the row: the dispatcher's lease token (one per lease epoch),
    # so a claim always names the lease it was made under.
    claim_token = models.CharField(max_length=32, blank=True)
    # The request to the gateway for the current attempt has started (set, with `attempts`
    # counted, in one UPDATE just before the request). A claimed row without it provably never
    # reached the gateway and goes back to the queue when its claimer is gone.
    handed_at = models.DateTimeField(null=True, blank=True)
    dlr_status = models.PositiveSmallIntegerField(null=True, blank=True)
    dlr_at = models.DateTimeField(null=True, blank=True)
    # Indexed by the unique (broadcast, to) constraint, not by a separate FK index.
    broadcast = models.ForeignKey(
        "messaging.Broadcast",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # Every index costs time when a broadcast writes a million rows, and an index on `status`
        # would make each status change rewrite it: only the indexes the queries need.
        indexes = [
            # The dispatcher's queue: only queued rows, in the order they are sent.
            models.Index(
                fields=["priority", "id"], condition=models.Q(status="queued"), name="sms_dispatch_queue_idx"
            ),
            models.Index(fields=["to"], name="sms_to_idx"),
            # The few rows being sent: recovery after a crash finds them without a table scan.
            models.Index(fields=["id"], condition=models.Q(status="sending"), name="sms_sending_idx"),
            # created_at (daily statistics) has a BRIN index on PostgreSQL: migration 0003.
        ]
        constraints = [
            # A broadcast reaches a number once, even when a chunk is queued twice after a crash.
            models.UniqueConstraint(
                fields=["broadcast", "to"],
                condition=models.Q(broadcast__isnull=False),
                name="sms_once_per_broadcast",
            )
        ]
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS outbox")

    def __str__(self) -> str:
        return f"SMS {self.pk} {self.status}"


class GatewayThrottle(models.Model):
    """The shared send budget of one gateway (GCRA token bucket): `next_free_at` is the
    theoretical arrival time of the next message. Every worker reserves slots in one atomic
    row update, so N workers together never exceed the configured rate."""

    gateway = models.CharField(max_length=20, primary_key=True)
    next_free_at = models.FloatField(default=0.0)  # Unix time, seconds

    def __str__(self) -> str:
        return f"throttle {self.gateway}"


class DispatcherLease(models.Model):
    """Who sends SMS now: a lease, never a lock that outlives its owner. The holder renews
    `expires_at` by a heartbeat; once it has passed, any dispatcher may take the lease over,
    which starts a new epoch with a new token (docs/decisions/0010)."""

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32, blank=True)
    epoch = models.PositiveIntegerField(default=0)
    holder = models.CharField(max_length=120, blank=True)  # host:pid
    acquired_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lease {self.name} #{self.epoch}"


class NumberPreference(models.Model):
    """What a number said by SMS (BERHENTI/STOP, DAFTAR): honoured for every broadcast at once,
    whoever the number belongs to in the registry."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)
    opted_in_at = models.DateTimeField(_("opted in"), null=True, blank=True)
    failed_permanently_at = models.DateTimeField(_("failed permanently"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("number preference")

    def __str__(self) -> str:
        return f"preference {self.pk}"


class IncomingStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    HANDLED = "handled", _("handled")
    RATE_LIMITED = "rate_limited", _("stored, not answered (too many messages)")
    FAILED = "failed", _("could not be handled")


class IncomingSms(models.Model):
    """Every SMS a phone sent to Warga, stored before anything is done with it."""

    sender = models.CharField(_("from"), max_length=20, db_index=True)
    receiver = models.CharField(_("to"), max_length=20, blank=True)
    text = models.TextField(_("text"))
    keyword = models.CharField(_("keyword"), max_length=20, blank=True)
    gateway = models.CharField(max_length=20)
    gateway_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=IncomingStatus.choices, default=IncomingStatus.RECEIVED)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    reply = models.ForeignKey(SmsMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("incoming SMS")
        constraints = [
            # Kannel retries a call it thinks failed with the same %I: store and handle it once.
            models.UniqueConstraint(
                fields=["gateway", "gateway_ref"], condition=~models.Q(gateway_ref=""), name="incoming_once"
            )
        ]

    def __str__(self) -> str:
        return f"incoming {self.pk}"


class BroadcastKind(models.TextChoices):
    GOVERNMENT = "government", _("government broadcast")
    INVITATION = "invitation", _("resident's invitation")


class BroadcastStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved, scheduled")
    QUEUING = "queuing", _("preparing messages")
    SENDING = "sending", _("sending")
    DONE = "done", _("all messages handed over")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class Broadcast(models.Model):
    """One message to many residents, chosen by area and segment, sent after approval."""

    kind = models.CharField(max_length=12, choices=BroadcastKind.choices, default=BroadcastKind.GOVERNMENT)
    name = models.CharField(_("name"), max_length=120)
    template = models.TextField(_("text"))
    area = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    segment = models.JSONField(_("segment"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BroadcastStatus.choices, default=BroadcastStatus.PENDING
    )
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    recipients_estimate = models.PositiveIntegerField(_("recipients"), default=0)
    segments_per_message = models.PositiveSmallIntegerField(_("SMS parts per message"), default=1)
    encoding = models.CharField(max_length=8, default="gsm7")
    cost_estimate = models.DecimalField(_("estimated cost"), max_digits=14, decimal_places=2, default=0)
    queued_count = models.PositiveIntegerField(default=0)
    queued_upto = models.BigIntegerField(default=0)  # last phone id whose chunk is in the outbox
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("broadcast")

    def __str__(self) -> str:
        return self.name


class InvitationScope(models.TextChoices):
    RT = "rt", _("my RT")
    RW = "rw", _("my RW")
    DESA = "desa", _("my desa")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the desa operator")
    APPROVED = "approved", _("approved and sent")
    REFUSED = "refused", _("refused")


class Invitation(models.Model):
    """A resident's invitation (hajat, syukuran, kenduri…) to their RT, RW or desa."""

    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20)
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa")
    )
    rw = models.PositiveSmallIntegerField(null=True, blank=True)
    rt = models.PositiveSmallIntegerField(null=True, blank=True)
    scope = models.CharField(_("send to"), max_length=4, choices=InvitationScope.choices)
    text = models.CharField(_("invitation"), max_length=400)
    channel = models.CharField(max_length=12, default="sms")  # sms | desa_office
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    broadcast = models.OneToOneField(
        Broadcast, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"invitation {self.pk}"
