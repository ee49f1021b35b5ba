"""Civil-registration applications: the service catalogue, the files that travel from a
kecamatan office to the Disdukcapil and back, their history, scans, batches and rollout.

An application's area is the kecamatan of the office that handles it (`kecamatan`), so a
kecamatan officer sees the files of his office and the Disdukcapil (kabupaten area) sees all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class Channel(models.TextChoices):
    COUNTER = "counter", _("Kecamatan counter")
    ONLINE = "online", _("Online form")
    OUTREACH = "outreach", _("Outreach (jemput bola)")


class Effect(models.TextChoices):
    """The registry change an approval makes (through warga.registry.services)."""

    NONE = "none", _("No change to the register (document only)")
    BIRTH = "birth", _("Register a birth: add the child to the family")
    DEATH = "death", _("Register a death")
    FAMILY_CREATE = "family_create", _("Issue a new KK with the applicant as head")
    FAMILY_ADD_MEMBER = "family_add_member", _("Add a member to the KK")
    FAMILY_REMOVE_MEMBER = "family_remove_member", _("Remove a member from the KK")
    FAMILY_UPDATE = "family_update", _("Change the KK's address")
    FAMILY_SPLIT = "family_split", _("Split the KK")
    RESIDENT_CORRECT = "resident_correct", _("Change the applicant's data")
    MOVE_OUT = "move_out", _("Move out of the kabupaten")
    MOVE_IN = "move_in", _("Move in (kedatangan)")


class SignaturePlace(models.TextChoices):
    """Where an officer witnessed the applicant sign the paper form (formulir F-1.xx)."""

    COUNTER = "counter", _("Kecamatan counter")
    OUTREACH = "outreach", _("Outreach (jemput bola)")


class ApplicantRule(models.TextChoices):
    RESIDENT = "resident", _("A living resident in the register")
    RESIDENT_WITH_FAMILY = "family", _("A living resident with a KK (KK number checked)")
    NEWCOMER = "newcomer", _("A person not yet in the register (moving in)")


class DocumentType(models.TextChoices):
    KTP_EL = "ktp_el", _("KTP-el")
    KK = "kk", _("Kartu Keluarga")
    AKTA_KELAHIRAN = "akta_kelahiran", _("Birth certificate (akta kelahiran)")
    AKTA_KEMATIAN = "akta_kematian", _("Death certificate (akta kematian)")
    SURAT_PINDAH = "surat_pindah", _("Moving certificate (surat pindah)")


class Service(models.Model):
    """One service of the catalogue. Administrators edit it; defaults come from catalogue.py."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Indonesian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20)
    form_schema = models.JSONField(
        _("form fields"),
        default=list,
        blank=True,
        help_text=_(
            "A list of fields: name, label, type (text, date, choice, nik, nik_list, int, desa), required, choices."
        ),
    )
    channels = models.JSONField(_("who may submit"), default=list)
    applicant_rule = models.CharField(_("applicant"), max_length=10, choices=ApplicantRule.choices)
    effect = models.CharField(
        _("change to the register"), max_length=24, choices=Effect.choices, default=Effect.NONE
    )
    document_type = models.CharField(_("document issued"), max_length=20, choices=DocumentType.choices)
    target_days_kecamatan = models.PositiveSmallIntegerField(_("kecamatan stage (working days)"), default=1)
    target_days_disdukcapil = models.PositiveSmallIntegerField(
        _("Disdukcapil stage (working days)"), default=3
    )
    target_days_return = models.PositiveSmallIntegerField(_("return to kecamatan (working days)"), default=1)
    target_days_total = models.PositiveSmallIntegerField(_("end to end (working days)"), default=5)
    is_active = models.BooleanField(_("active"), default=True)
    # Most services make no sense twice at once for one person (two new KTP-el); a birth (twins), a
    # death or adding members to a KK may well be under way several times for the same applicant.
    allow_several = models.BooleanField(
        _("several open applications per person"),
        default=False,
        help_text=_("Allow a person to have more than one open application of this service at a time."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "id").startswith("en"):
            return self.name_en
        return self.name


class RequiredDocument(models.Model):
    """One item of a service's document checklist."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="requirements")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label (Indonesian)"), max_length=160)
    label_en = models.CharField(_("label (English)"), max_length=160, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="unique_service_requirement")]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_en and (get_language() or "id").startswith("en"):
            return self.label_en
        return self.label


class OfficeMode(models.TextChoices):
    ONLINE = "online", _("Online")
    TRAINING = "training", _("In training (sandbox)")
    MANUAL = "manual", _("Manual (paper)")


class OfficeRollout(models.Model):
    """How far a kecamatan office is in the rollout. No row means online."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="rollout")
    mode = models.CharField(_("mode"), max_length=10, choices=OfficeMode.choices, default=OfficeMode.ONLINE)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of office (notified of overdue files)"),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "unit__area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("office rollout")
        verbose_name_plural = _("office rollout")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.mode}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified at the kecamatan")
    RETURNED_TO_APPLICANT = "returned_to_applicant", _("Returned to the applicant")
    SENT = "sent", _("Sent to the Disdukcapil")
    IN_REVIEW = "in_review", _("In review at the Disdukcapil")
    APPROVED = "approved", _("Approved")
    RETURNED_TO_KECAMATAN = "returned_to_kecamatan", _("Returned to the kecamatan for correction")
    REJECTED = "rejected", _("Rejected")
    ISSUED = "issued", _("Document issued")
    SENT_TO_KECAMATAN = "sent_to_kecamatan", _("Sent to the kecamatan")
    HANDED_OVER = "handed_over", _("Handed over")
    CLOSED = "closed", _("Closed")


# Which clock runs in which state (None: no clock, e.g. waiting for the applicant or finished).
STAGE_OF_STATUS: dict[str, str | None] = {
    Status.DRAFT: None,
    Status.SUBMITTED: "kecamatan",
    Status.VERIFIED: "kecamatan",
    Status.RETURNED_TO_KECAMATAN: "kecamatan",
    Status.RETURNED_TO_APPLICANT: None,
    Status.SENT: "disdukcapil",
    Status.IN_REVIEW: "disdukcapil",
    Status.APPROVED: "disdukcapil",
    Status.ISSUED: "return",
    Status.SENT_TO_KECAMATAN: "return",
    Status.HANDED_OVER: None,
    Status.CLOSED: None,
    Status.REJECTED: None,
}
ACTIVE_STATUSES = [s for s, stage in STAGE_OF_STATUS.items() if stage is not None]
FINISHED_STATUSES = [Status.HANDED_OVER, Status.CLOSED, Status.REJECTED]
# Files still on their way for which the applicant's signature can be collected (the active ones and
# those waiting for the applicant to correct something; not drafts, not finished files).
SIGNATURE_PENDING_STATUSES = [*ACTIVE_STATUSES, Status.RETURNED_TO_APPLICANT]
# An application is open until it is handed over, closed or rejected (drafts at the scan station
# and files waiting for the applicant's correction included): one open application of a service
# per person, unless the service allows several.
OPEN_STATUSES = [s for s in Status if s not in FINISHED_STATUSES]


class Batch(models.Model):
    """Files that travel together: a kecamatan's day of verified files to the Disdukcapil, or
    issued documents back to one kecamatan."""

    class Direction(models.TextChoices):
        TO_DISDUKCAPIL = "to_disdukcapil", _("Kecamatan → Disdukcapil")
        TO_KECAMATAN = "to_kecamatan", _("Disdukcapil → kecamatan")

    direction = models.CharField(max_length=16, choices=Direction.choices)
    office = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    size = models.PositiveIntegerField(default=0)

    scope_region_field = "kecamatan"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"


class Application(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="applications", verbose_name=_("kecamatan office")
    )
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    is_sandbox = models.BooleanField(_("training sandbox"), default=False)
    applicant = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    applicant_nik = models.CharField(_("applicant NIK"), max_length=16)
    applicant_name = models.CharField(_("applicant name"), max_length=120)
    family = models.ForeignKey(
        "registry.Family", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(_("phone for notifications"), max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # What the register looked like at submission, to stop an approval the register has overtaken.
    register_snapshot = models.JSONField(default=dict, blank=True)
    effect_result = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications"
    )
    return_reason = models.TextField(_("reason"), blank=True)
    document_number = models.CharField(
        _("document number"), max_length=40, null=True, blank=True, unique=True
    )
    document_issued_on = models.DateField(_("issued on"), null=True, blank=True)
    handed_to = models.CharField(_("handed over to"), max_length=120, blank=True)
    handover_proof = models.CharField(_("proof of hand-over"), max_length=200, blank=True)
    client_ref = models.CharField(max_length=64, blank=True)
    # Set at submission when the service allows one open application per person (and this is no
    # training file): the partial unique index below then refuses a second one, whatever the race.
    is_exclusive = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Clocks: the current stage's due date and the end-to-end expected date (working days).
    stage_due_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    # Milestones, kept on the row so statistics never have to replay the history.
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # The applicant's signature on the paper form, witnessed by an officer. Counter and outreach
    # applications are signed when they are taken; online ones wait for it (null = not yet).
    signed_at = models.DateTimeField(_("signed by the applicant"), null=True, blank=True)
    signature_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signature witnessed by"),
    )
    signature_place = models.CharField(
        _("signed at"), max_length=10, choices=SignaturePlace.choices, blank=True
    )

    scope_region_field = "kecamatan"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["kecamatan", "status", "stage_due_on"], name="app_queue_kec_idx"),
            models.Index(fields=["status", "stage_due_on"], name="app_queue_idx"),
            # The work queues: files on their way in due order, read from the index alone (the
            # finished hundreds of thousands stay out of it; PostgreSQL covers area and status).
            models.Index(
                fields=["stage_due_on", "id"],
                include=["kecamatan", "status"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="app_active_due_idx",
            ),
            models.Index(fields=["submitted_at"], name="app_submitted_idx"),
            # The day's statistics of files handed over and ready (facts, refreshed after each
            # event): without them each refresh read every file ever handed over.
            models.Index(fields=["handed_over_at"], name="app_handed_over_idx"),
            models.Index(fields=["ready_at"], name="app_ready_idx"),
            models.Index(fields=["applicant_nik"], name="app_applicant_nik_idx"),
            # The few files still waiting for a signature, looked up by applicant (outreach targets).
            models.Index(fields=["applicant"], condition=Q(signed_at__isnull=True), name="app_unsigned_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_ref"], condition=~Q(client_ref=""), name="unique_app_client_ref"
            ),
            models.UniqueConstraint(
                fields=["service", "applicant_nik"],
                condition=Q(is_exclusive=True, status__in=OPEN_STATUSES),
                name="unique_open_application",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def stage(self) -> str | None:
        return STAGE_OF_STATUS.get(self.status)

    @property
    def is_ready_for_collection(self) -> bool:
        return self.status == Status.SENT_TO_KECAMATAN and self.ready_at is not None

    @property
    def needs_signature(self) -> bool:
        return self.signed_at is None and self.status in SIGNATURE_PENDING_STATUSES


class ApplicationEvent(models.Model):
    """The history of a file: every transition with who, when, from, to and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    batch = models.ForeignKey(Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    scope_region_field = "application__kecamatan"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="app_event_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A checked scan of one checklist item. The file name in storage is random."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    requirement = models.CharField(_("checklist item"), max_length=40)
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    pages = models.PositiveSmallIntegerField(default=1)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "application__kecamatan"
    objects = ScopedManager()

    class Meta:
        ordering = ["requirement", "uploaded_at"]
        indexes = [models.Index(fields=["application", "requirement"], name="app_attachment_idx")]

    def __str__(self) -> str:
        return f"{self.requirement} #{self.pk}"


class DocumentCounter(models.Model):
    """Issues consecutive document numbers per type and year (row-locked while issuing)."""

    document_type = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document_type", "year"], name="unique_doc_counter")]

    def __str__(self) -> str:
        return f"{self.document_type} {self.year}: {self.last}"


class PaperBatch(models.Model):
    """A manual office's bundle of paper files: when it left, arrived and came back."""

    office = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    files_count = models.PositiveIntegerField(_("number of files"))
    sent_on = models.DateField(_("sent to the Disdukcapil on"))
    received_on = models.DateField(_("received at the Disdukcapil on"), null=True, blank=True)
    returned_on = models.DateField(_("returned to the kecamatan on"), null=True, blank=True)
    returned_count = models.PositiveIntegerField(_("documents returned"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "kecamatan"
    objects = ScopedManager()

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("paper batch")
        verbose_name_plural = _("paper batches")

    def __str__(self) -> str:
        return f"{self.sent_on} ({self.files_count})"


class OverdueNotice(models.Model):
    """One notice per unit and day, so the head is told once, not every run."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="unique_overdue_notice")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"
