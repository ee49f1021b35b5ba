"""Jemput bola: teams, outreach events and their targets, field devices, assignments, and the
sync ledger that makes every upload from a phone idempotent.

The ledger (`SyncRecord`) is keyed by (device, client id): a record the phone sends twice is
answered twice with the same stored answer and applied once. Photos arrive in chunks
(`PhotoUpload` + `PhotoChunk`) so an upload cut on 2G resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class VehicleKind(models.TextChoices):
    MOTORBIKE = "motorbike", _("Motorbike")
    CAR = "car", _("Car")


class Service(models.TextChoices):
    KTP_RECORDING = "ktp_recording", _("KTP-el recording")
    APPLICATIONS = "applications", _("Civil-registration applications")
    SUKET = "suket", _("SUKET (temporary certificate)")
    CARD_HANDOVER = "card_handover", _("KTP-el card hand-over")


class Team(models.Model):
    """A jemput bola team: officers, vehicles and recording equipment that travel together."""

    name = models.CharField(_("name"), max_length=80)
    area = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("area served")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="outreach_teams", blank=True, verbose_name=_("members")
    )
    capacity_per_day = models.PositiveSmallIntegerField(
        _("people served per day"),
        default=60,
        help_text=_("How many residents the team can serve in one day."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("outreach team")
        verbose_name_plural = _("outreach teams")

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="vehicles")
    kind = models.CharField(_("kind"), max_length=12, choices=VehicleKind.choices)
    label = models.CharField(_("plate or label"), max_length=40)

    class Meta:
        ordering = ["kind", "label"]
        verbose_name = _("vehicle")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"


class EquipmentSet(models.Model):
    """A recording kit (camera, fingerprint and iris scanners, signature pad) identified by its code."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="equipment")
    code = models.CharField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("equipment set")
        constraints = [models.UniqueConstraint(fields=["team", "code"], name="unique_team_equipment")]

    def __str__(self) -> str:
        return self.code


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ANNOUNCED = "announced", _("Announced")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class OutreachEvent(models.Model):
    """One team's day at one desa (or dusun), with the services it brings."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="events", verbose_name=_("team"))
    date = models.DateField(_("date"))
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa/kelurahan")
    )
    dusun = models.CharField(_("dusun"), max_length=80, blank=True)
    meeting_point = models.CharField(_("meeting point"), max_length=160)
    services = models.JSONField(_("services"), default=list)
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    announced_at = models.DateTimeField(null=True, blank=True)
    targets_built_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")
        indexes = [models.Index(fields=["date", "team"], name="outreach_event_day_idx")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.desa.name}"

    def service_labels(self) -> list[str]:
        labels = dict(Service.choices)
        return [str(labels.get(code, code)) for code in self.services]


class TargetKind(models.TextChoices):
    KTP_RECORDING = "ktp_recording", _("KTP-el not yet recorded")
    CARD_HANDOVER = "card_handover", _("Card to hand over")
    # The order gives each kind its bit in the field app's assignment (`targets`): only ever append.
    APPLICATION_SIGNATURE = "app_signature", _("Application waiting for the applicant's signature")


class Target(models.Model):
    """A resident the event should reach, and whether it did."""

    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="targets")
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=TargetKind.choices)
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # False: a resident served at the event who was not on its target list (counted apart,
    # "+ n di luar daftar", never as a target reached).
    on_list = models.BooleanField(_("on the target list"), default=True)

    scope_region_field = "event__desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("target")
        constraints = [
            models.UniqueConstraint(fields=["event", "resident", "kind"], name="unique_outreach_target")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.resident_id}"


class Device(models.Model):
    """A phone registered to one officer. Only the token's hash is stored; revoking stops its sync
    and tells the app to wipe its local data at next contact."""

    TOKEN_PREFIX = "wdv_"  # noqa: S105 - a prefix, not a secret

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="outreach_devices",
        verbose_name=_("officer"),
    )
    label = models.CharField(_("label"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wipe_confirmed_at = models.DateTimeField(null=True, blank=True)
    # What the app said at its last contact: how many records were waiting on the phone.
    queue_length = models.PositiveIntegerField(_("unsent records on the phone"), null=True, blank=True)
    queue_reported_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "user__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("field device")
        verbose_name_plural = _("field devices")

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_token(cls) -> str:
        return cls.TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def signing_key(self) -> bytes:
        """Per-device key for record MACs, derived from the server secret (never stored)."""
        return hmac.new(
            settings.SECRET_KEY.encode(), f"warga.outreach.device:{self.public_id}".encode(), hashlib.sha256
        ).digest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Assignment(models.Model):
    """What a device downloaded for one event; records sync against it until it expires."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(OutreachEvent, on_delete=models.PROTECT, related_name="assignments")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="assignments")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    residents_count = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    # The residents this assignment listed: a record about anyone else cannot be true.
    # Empty for assignments issued before this was kept (then the event's desa decides).
    resident_ids = models.JSONField(default=list, blank=True)

    scope_region_field = "event__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("assignment")

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class RecordKind(models.TextChoices):
    KTP_RECORDING = "ktp_recording", _("KTP-el recording")
    APPLICATION = "application", _("Application")
    CORRECTION = "correction", _("Correction of resident data")
    REPORT = "report", _("Citizen report")
    SIGNATURE = "signature", _("Applicant's signature on an application")


class SyncStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CONFLICT = "conflict", _("Conflict")
    # Nothing left to do: what the record says already happened (e.g. recorded at the office).
    CLOSED = "closed", _("Closed: already done")


class SyncRecord(models.Model):
    """The ledger: one row per (device, client id), holding the answer the phone was given."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="records")
    client_id = models.UUIDField()
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=16, choices=RecordKind.choices)
    content_hash = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=SyncStatus.choices)
    code = models.CharField(max_length=40, blank=True)
    answer = models.JSONField(default=dict)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    captured_at = models.DateTimeField(_("captured on the phone"), null=True, blank=True)
    clock_skew_seconds = models.IntegerField(default=0)
    clock_flagged = models.BooleanField(_("phone clock wrong"), default=False)

    scope_region_field = "assignment__event__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("synced record")
        constraints = [models.UniqueConstraint(fields=["device", "client_id"], name="unique_device_record")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", _("Receiving")
    COMPLETE = "complete", _("Complete")
    REJECTED = "rejected", _("Rejected")


class PhotoUpload(models.Model):
    """A document photo arriving in chunks; checked (hash, Pillow) once the last byte is in."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="uploads")
    client_id = models.UUIDField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    received = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.RECEIVING)
    reason = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        SyncRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )

    scope_region_field = "device__user__area"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "client_id"], name="unique_device_upload"),
            models.CheckConstraint(condition=Q(received__lte=models.F("size")), name="upload_within_size"),
        ]

    def __str__(self) -> str:
        return str(self.client_id)


class PhotoChunk(models.Model):
    upload = models.ForeignKey(PhotoUpload, on_delete=models.CASCADE, related_name="chunks")
    offset = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["offset"]
        constraints = [models.UniqueConstraint(fields=["upload", "offset"], name="unique_chunk_offset")]

    def __str__(self) -> str:
        return f"{self.upload_id}@{self.offset}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class QuarantinedRecord(models.Model):
    """A record a revoked phone uploaded before it wiped itself, signed before the revocation.

    Nothing of it reaches the register until a supervisor accepts it; accepting applies it through
    the same handlers a normal sync uses (and writes its ledger row), rejecting keeps the reason."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="quarantined")
    client_id = models.UUIDField()
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="quarantined")
    kind = models.CharField(_("kind"), max_length=16, choices=RecordKind.choices)
    captured_at_text = models.CharField(max_length=40)
    body = models.TextField()
    mac = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    captured_at = models.DateTimeField(_("captured on the phone"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The answer an earlier sync gave, when the phone held the record because it needed attention.
    earlier_answer = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)

    scope_region_field = "assignment__event__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["status", "received_at", "id"]
        verbose_name = _("record waiting for review")
        verbose_name_plural = _("records waiting for review")
        constraints = [
            models.UniqueConstraint(fields=["device", "client_id"], name="unique_quarantined_record")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"


class MovedResidentNotice(models.Model):
    """A field record applied to a resident who moved away after the assignment was downloaded:
    the office where the resident now lives is told, and marks the notice as seen."""

    record = models.OneToOneField(SyncRecord, on_delete=models.PROTECT, related_name="moved_notice")
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=RecordKind.choices)
    desa = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the resident lives"),
    )
    from_desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("outreach desa")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("field record of a resident who moved")

    def __str__(self) -> str:
        return f"{self.kind} #{self.resident_id}"
