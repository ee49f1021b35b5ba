"""KTP-el cards: status per resident, recording events, the blank-card ledger, print batches,
SUKET and distribution to kecamatan offices.

A resident has a `KtpCard` row only once the card has history (recorded or later); before that
the status is derived from age and marriage at the date asked (`not_required`/`not_recorded`).
Every change of a card's status is a `KtpTransition` row: when, where, who, from which source.
Blank cards are counted only through `StockEntry` rows: the balance of an office is their sum.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class KtpStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not yet required")
    NOT_RECORDED = "not_recorded", _("Required, not recorded")
    RECORDED = "recorded", _("Recorded")
    PRR = "prr", _("Print-ready (PRR)")
    PRINTED = "printed", _("Printed")
    SENT_TO_KECAMATAN = "sent_to_kecamatan", _("Sent to kecamatan")
    HANDED_OVER = "handed_over", _("Handed over")
    DUPLICATE = "duplicate", _("Duplicate found")
    ENROLMENT_FAILED = "enrolment_failed", _("Enrolment failed")


# Statuses a stored card row may have: the two derived ones never live in the table.
STORED_STATUSES = [s for s in KtpStatus.values if s not in (KtpStatus.NOT_REQUIRED, KtpStatus.NOT_RECORDED)]
# Derived statuses behave as "no card row yet" when a transition starts from them.
UNRECORDED = "unrecorded"

# Allowed transitions. A reprint (lost, damaged, changed data) goes from a handed-over card
# back to PRR once the centre has the new record; failures go back to recording.
TRANSITIONS: dict[str, frozenset[str]] = {
    UNRECORDED: frozenset({KtpStatus.RECORDED}),
    KtpStatus.RECORDED: frozenset({KtpStatus.PRR, KtpStatus.DUPLICATE, KtpStatus.ENROLMENT_FAILED}),
    KtpStatus.DUPLICATE: frozenset({KtpStatus.RECORDED, KtpStatus.PRR}),
    KtpStatus.ENROLMENT_FAILED: frozenset({KtpStatus.RECORDED}),
    KtpStatus.PRR: frozenset({KtpStatus.PRINTED, KtpStatus.DUPLICATE}),
    KtpStatus.PRINTED: frozenset({KtpStatus.SENT_TO_KECAMATAN, KtpStatus.HANDED_OVER}),
    KtpStatus.SENT_TO_KECAMATAN: frozenset({KtpStatus.HANDED_OVER}),
    KtpStatus.HANDED_OVER: frozenset({KtpStatus.RECORDED, KtpStatus.PRR}),
}


class TransitionSource(models.TextChoices):
    RECORDING = "recording", _("Recording")
    IMPORT = "import", _("National-system import")
    MANUAL = "manual", _("Officer")
    PRINT = "print", _("Printing")
    DISTRIBUTION = "distribution", _("Distribution")


class PlaceKind(models.TextChoices):
    OFFICE = "office", _("Disdukcapil office")
    KECAMATAN = "kecamatan", _("Kecamatan office")
    FIELD = "field", _("Field (outreach)")


class KtpCard(models.Model):
    """The current KTP-el state of one resident (one row per resident with any card history)."""

    resident = models.OneToOneField(
        "registry.Resident", on_delete=models.PROTECT, related_name="ktp_card", verbose_name=_("resident")
    )
    status = models.CharField(_("status"), max_length=20, choices=KtpStatus.choices, db_index=True)
    status_at = models.DateTimeField(_("status since"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    prr_at = models.DateTimeField(_("print-ready since"), null=True, blank=True)
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    card_serial = models.CharField(_("card serial"), max_length=32, null=True, blank=True, unique=True)
    printed_by_office = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("printed at"),
    )
    # Where the printed card waits to be collected (a kecamatan office, or the printing office).
    pickup_office = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pick-up office"),
    )
    ready_at = models.DateTimeField(_("ready for pick-up since"), null=True, blank=True)
    # A reprint (the resident held a card before) ranks after first cards when that rule is on.
    is_reprint = models.BooleanField(_("reprint"), default=False)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "resident__desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("KTP-el card")
        verbose_name_plural = _("KTP-el cards")
        indexes = [models.Index(fields=["status", "prr_at"], name="ktpcard_status_prr_idx")]

    def __str__(self) -> str:
        return f"KTP-el {self.get_status_display()}"


class KtpTransition(models.Model):
    """One dated change of a card's status: the log behind `KtpCard.status`."""

    card = models.ForeignKey(KtpCard, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20, choices=KtpStatus.choices)
    occurred_at = models.DateTimeField(_("date"))
    place_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("place")
    )
    outreach_event_id = models.PositiveIntegerField(_("outreach event"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=TransitionSource.choices)
    status_import = models.ForeignKey(
        "StatusImport", on_delete=models.PROTECT, null=True, blank=True, related_name="transitions"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "card__resident__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["to_status", "occurred_at"], name="ktptrans_status_date_idx")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class RecordingEvent(models.Model):
    """KTP-el recording took place (the biometrics themselves stay in the national system)."""

    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="ktp_recordings")
    recorded_at = models.DateTimeField(_("recorded at"))
    place_kind = models.CharField(_("place"), max_length=12, choices=PlaceKind.choices)
    place_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    outreach_event_id = models.PositiveIntegerField(_("outreach event"), null=True, blank=True)
    device_set = models.CharField(_("device set"), max_length=40)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Offline field devices resend; the same client_ref is the same recording.
    client_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "resident__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client_ref"], condition=~Q(client_ref=""), name="recording_client_ref"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_place_kind_display()} {self.recorded_at:%Y-%m-%d}"


class StatusImport(models.Model):
    """One national-system export file applied (or rejected) as a whole."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Being checked")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    state = models.CharField(_("result"), max_length=10, choices=State.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("already applied"), default=0)
    errors = models.JSONField(default=list, blank=True)
    # The uploaded file while it waits for the task worker; removed once it is read.
    file = models.FileField(upload_to="cards/imports/", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When a task worker took it: a claim older than the time limit belongs to a dead worker.
    claimed_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


# --- Blank-card stock ----------------------------------------------------------------------


class StockAccount(models.Model):
    """One office's blank-card stock. The row is locked before any withdrawal is checked."""

    office = models.OneToOneField("org.Unit", on_delete=models.PROTECT, related_name="blank_stock")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "office__area"
    scope_unit_field = "office"
    objects = ScopedManager()

    def __str__(self) -> str:
        return str(self.office)


class BlankRequest(models.Model):
    """Blanks asked of the ministry; allocations received point back here (asked vs received)."""

    account = models.ForeignKey(StockAccount, on_delete=models.PROTECT, related_name="requests")
    reference = models.CharField(_("letter number"), max_length=80)
    quantity_asked = models.PositiveIntegerField(_("quantity asked"))
    asked_on = models.DateField(_("asked on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "account__office__area"
    scope_unit_field = "account__office"
    objects = ScopedManager()

    class Meta:
        ordering = ["-asked_on", "-id"]

    def __str__(self) -> str:
        return self.reference


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation received")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    CONSUMPTION = "consumption", _("Card printed")
    SPOILED = "spoiled", _("Spoiled print")
    COUNT = "count", _("Stock count")


class StockEntry(models.Model):
    """One movement of blank cards; `quantity` is signed (+ in, − out)."""

    account = models.ForeignKey(StockAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("type"), max_length=16, choices=EntryKind.choices)
    quantity = models.IntegerField(_("quantity"))
    occurred_on = models.DateField(_("date"), db_index=True)
    request = models.ForeignKey(
        BlankRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    serial_from = models.CharField(_("first serial"), max_length=32, blank=True)
    serial_to = models.CharField(_("last serial"), max_length=32, blank=True)
    card_serial = models.CharField(_("card serial"), max_length=32, null=True, blank=True, unique=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer_id = models.UUIDField(null=True, blank=True, db_index=True)
    counterpart = models.ForeignKey(
        StockAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other office"),
    )
    counted = models.IntegerField(_("counted"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "account__office__area"
    scope_unit_field = "account__office"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "kind", "occurred_on"], name="stockentry_acct_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["allocation", "transfer_in"], quantity__gt=0)
                | Q(kind__in=["transfer_out", "consumption", "spoiled"], quantity__lt=0)
                | Q(kind="count"),
                name="stockentry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0), name="stockentry_count_ge0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"


# --- Print queue and batches ---------------------------------------------------------------


class RuleKind(models.TextChoices):
    FIRST_COME = "first_come", _("First come, first served")
    NEW_RECORDING = "new_recording", _("New recordings first")
    VOTER = "voter", _("Will vote on a given date")
    PENDING_APPLICATION = "pending_application", _("Pending application that needs the card")
    FAIR_SHARE = "fair_share", _("Fair share per kecamatan")


class PriorityRuleSet(models.Model):
    """An ordered, weighted list of rules that ranks the print queue (data, not code)."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_rule_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    rule_set = models.ForeignKey(PriorityRuleSet, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("rule"), max_length=24, choices=RuleKind.choices)
    weight = models.PositiveIntegerField(_("weight"), default=10)
    on_date = models.DateField(_("date (election day)"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "kind"], name="one_rule_kind_per_set")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.weight}"


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Open (printing)")
    CLOSED = "closed", _("Closed")


class PrintBatch(models.Model):
    office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("printing office")
    )
    rule_set = models.ForeignKey(
        PriorityRuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("rules")
    )
    size_asked = models.PositiveIntegerField(_("places"))
    status = models.CharField(
        _("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    rules_snapshot = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "office__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ItemResult(models.TextChoices):
    PENDING = "pending", _("Waiting to print")
    PRINTED = "printed", _("Printed")
    SPOILED = "spoiled", _("Spoiled (back in queue)")
    RELEASED = "released", _("Released (back in queue)")


class PrintBatchItem(models.Model):
    batch = models.ForeignKey(PrintBatch, on_delete=models.PROTECT, related_name="items")
    card = models.ForeignKey(KtpCard, on_delete=models.PROTECT, related_name="batch_items")
    rank = models.PositiveIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    reasons = models.JSONField(default=list)
    kecamatan_code = models.CharField(max_length=24)
    result = models.CharField(
        _("result"), max_length=10, choices=ItemResult.choices, default=ItemResult.PENDING
    )
    # True while the place is held: a resident can be in one open place only.
    is_open = models.BooleanField(default=True)
    card_serial = models.CharField(_("card serial"), max_length=32, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    scope_region_field = "card__resident__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["card"], condition=Q(is_open=True), name="one_open_place_per_card"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.rank}"


# --- SUKET ----------------------------------------------------------------------------------


class SuketStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    CLOSED = "closed", _("Closed (card handed over)")
    REVOKED = "revoked", _("Revoked")


class Suket(models.Model):
    """Surat keterangan: stands in for the KTP-el while no blank is available."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="sukets")
    office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=8, choices=SuketStatus.choices, default=SuketStatus.VALID
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "resident__desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=Q(status="valid"), name="one_valid_suket"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")), name="suket_validity_order"
            ),
        ]

    def __str__(self) -> str:
        return self.number


# --- Distribution ---------------------------------------------------------------------------


class Delivery(models.Model):
    """Printed cards carried from the printing office to a kecamatan office."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    from_office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cards = models.ManyToManyField(KtpCard, related_name="deliveries")

    scope_region_field = "to_office__area"
    scope_unit_field = "from_office"
    objects = ScopedManager()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_office_id} → {self.to_office_id} ({self.sent_at:%Y-%m-%d})"


class ProofKind(models.TextChoices):
    ID = "id", _("Identity document shown")
    PHOTO = "photo", _("Photo taken")
    SIGNATURE = "signature", _("Signature on the receipt book")


class Handover(models.Model):
    card = models.ForeignKey(KtpCard, on_delete=models.PROTECT, related_name="handovers")
    office = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    recipient_name = models.CharField(_("received by"), max_length=120)
    recipient_is_resident = models.BooleanField(_("the resident in person"), default=True)
    proof_kind = models.CharField(_("proof"), max_length=10, choices=ProofKind.choices)
    proof_note = models.CharField(_("proof note"), max_length=200)
    handed_at = models.DateTimeField(_("handed over at"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_region_field = "card__resident__desa"
    objects = ScopedManager()

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.handed_at:%Y-%m-%d}"
