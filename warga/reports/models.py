"""Cases: reports, complaints, aspirations and emergencies from residents, in one model with one
handler inbox, routed to the body in charge and handled on the SP4N-LAPOR! clock.

A case is area-bound by its region (its desa, or the whole installation when the desa is
unknown) and is also visible to the unit it is assigned to (`scope_unit_field`). Every change of
status is a `CaseEvent`; `services.case_transition` is the one way to make one.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class CaseKind(models.TextChoices):
    LAPORAN = "laporan", _("report")
    PENGADUAN = "pengaduan", _("complaint")
    ASPIRASI = "aspirasi", _("aspiration")
    DARURAT = "darurat", _("emergency")


class CaseCategory(models.TextChoices):
    SAKIT = "sakit", _("sickness")
    KEMATIAN = "kematian", _("death")
    KELAHIRAN = "kelahiran", _("birth")
    LISTRIK_PADAM = "listrik_padam", _("power outage")
    AIR = "air", _("water")
    JALAN = "jalan", _("roads")
    BENCANA = "bencana", _("disaster")
    KEAMANAN = "keamanan", _("security")
    LAYANAN_PUBLIK = "layanan_publik", _("public service")
    PETUGAS = "petugas", _("an officer's conduct")
    LAINNYA = "lainnya", _("other")


# The categories offered for each kind (the first matching one wins when recognising text).
CATEGORIES_OF_KIND: dict[str, tuple[str, ...]] = {
    CaseKind.LAPORAN: (
        CaseCategory.SAKIT,
        CaseCategory.KEMATIAN,
        CaseCategory.KELAHIRAN,
        CaseCategory.LISTRIK_PADAM,
        CaseCategory.AIR,
        CaseCategory.JALAN,
        CaseCategory.BENCANA,
        CaseCategory.KEAMANAN,
        CaseCategory.LAINNYA,
    ),
    CaseKind.PENGADUAN: (CaseCategory.LAYANAN_PUBLIK, CaseCategory.PETUGAS, CaseCategory.LAINNYA),
    CaseKind.ASPIRASI: (CaseCategory.LAINNYA,),
    CaseKind.DARURAT: (
        CaseCategory.BENCANA,
        CaseCategory.KEAMANAN,
        CaseCategory.SAKIT,
        CaseCategory.LAINNYA,
    ),
}


class CaseChannel(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("SMS")
    COUNTER = "counter", _("office counter")
    FIELD = "field", _("field officer")
    CALL112 = "call112", _("call to 112")
    OPEN311 = "open311", _("Open311")


class CaseStatus(models.TextChoices):
    NEW = "new", _("new")
    VERIFIED = "verified", _("verified")
    ASSIGNED = "assigned", _("assigned")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    NEED_INFO = "need_info", _("more information needed")
    MERGED = "merged", _("merged")
    REOPENED = "reopened", _("reopened")


# Waiting for the complaint handler (the verification clock runs). While the reporter is asked
# for more information (need_info) the clock stops; their answer starts it again.
HANDLER_STATUSES = (CaseStatus.NEW, CaseStatus.VERIFIED, CaseStatus.REOPENED)
# Finished: nothing is due.
FINISHED_STATUSES = (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED)
OPEN_STATUSES = tuple(s for s in CaseStatus.values if s not in FINISHED_STATUSES)
# The same set as plain strings, for the partial indexes (their migrations hold no enum).
OPEN_STATUSES_FOR_INDEX = [str(s) for s in OPEN_STATUSES]


class RoutingRule(models.Model):
    """Cases of this kind and category in this area go to this unit. Blank kind or category and
    no area mean "any"; the most specific area wins, then a named kind, then a named category,
    then the higher priority. Reference data (like units): plain manager."""

    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=CaseCategory.choices, blank=True)
    area = models.ForeignKey(
        "regions.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Empty: the whole installation."),
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("unit")
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category", "kind", "area_id", "-priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"#{self.pk}"


class Case(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices, default=CaseKind.LAPORAN)
    category = models.CharField(
        _("category"), max_length=20, choices=CaseCategory.choices, default=CaseCategory.LAINNYA
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CaseChannel.choices)
    text = models.TextField(_("report"))
    desa = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("desa"),
    )
    # Where the case is visible: its desa, or the whole installation when the desa is unknown.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The reporter: blank when anonymous (nothing of them is stored).
    reporter_name = models.CharField(_("reporter's name"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    confidential = models.BooleanField(_("confidential"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True
    )
    assigned_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("assigned unit"),
    )
    # Where the routing rules would send it (kept when a handler assigns elsewhere) and why.
    routed_unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routing_rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    routing_reason = models.CharField(_("routing"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    answer = models.TextField(_("answer"), blank=True)
    reason = models.CharField(
        _("reason"), max_length=500, blank=True
    )  # the last rejection/hand-back/question
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    verify_due_on = models.DateField(_("verify by"), null=True, blank=True)
    answer_due_on = models.DateField(_("answer by"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    # Shown on the public list (`/lapor/daftar/`) once the handler accepted or verified it, with
    # the text the handler moderated (never the reporter). See `services/publication.py`.
    public = models.BooleanField(_("on the public list"), default=False)
    public_text = models.TextField(_("public summary"), blank=True)
    version = models.PositiveIntegerField(default=1)
    client_ref = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "region"
    scope_unit_field = "assigned_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["client_ref"], condition=~Q(client_ref=""), name="report_client_ref_once"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="case_rating_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["assigned_unit", "status"], name="case_unit_status"),
            # The inbox's order (escalated first, then the newest): a page without a sort.
            models.Index(fields=["-escalation_level", "-received_at", "-id"], name="case_inbox_order"),
            # The public Open311 list: the newest non-confidential cases, by category.
            models.Index(fields=["-received_at"], condition=Q(confidential=False), name="case_public_recent"),
            models.Index(
                fields=["category", "-received_at"],
                condition=Q(confidential=False),
                name="case_public_category",
            ),
            # The 112 desk's open emergencies.
            models.Index(fields=["kind", "status"], name="case_kind_status"),
            # The inbox shows the open cases (a small share of all): their order, and the counts
            # by status read from the index alone.
            models.Index(
                fields=["-escalation_level", "-received_at", "-id"],
                condition=Q(status__in=OPEN_STATUSES_FOR_INDEX),
                name="case_open_order",
            ),
            models.Index(
                fields=["status", "region", "assigned_unit"],
                include=["verify_due_on", "answer_due_on"],  # PostgreSQL: the overdue count too
                condition=Q(status__in=OPEN_STATUSES_FOR_INDEX),
                name="case_open_status",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def reference(self) -> str:
        return self.tracking_code

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def due_on(self) -> date | None:
        """The date the next step is due, or None: verification while the handler holds it,
        the unit's answer while it is assigned."""
        if self.status in HANDLER_STATUSES:
            return self.verify_due_on
        if self.status == CaseStatus.ASSIGNED:
            return self.answer_due_on
        return None

    def is_overdue(self, today: date | None = None) -> bool:
        due = self.due_on()
        return due is not None and due < (today or timezone.localdate())


class CaseEvent(models.Model):
    """One step of a case's history: who, when, from, to, note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(  # the unit the step assigned the case to, if any
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    scope_region_field = "case__region"
    scope_unit_field = "case__assigned_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class CasePhoto(models.Model):
    """A photo sent with a case, re-encoded (JPEG, no EXIF); served only through a checked view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    scope_region_field = "case__region"
    scope_unit_field = "case__assigned_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file.name or ""


class CaseLink(models.Model):
    """A link sent to an external body without accounts (PLN, PDAM, the police…) for one case
    assigned to it: a random token, only its SHA-256 kept (`services/links.py`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    scope_region_field = "case__region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"link #{self.pk}"


class CaseTaskKind(models.TextChoices):
    REGISTER_BIRTH = "register_birth", _("register the birth")
    REGISTER_DEATH = "register_death", _("register the death")


class CaseTaskStatus(models.TextChoices):
    OPEN = "open", _("to do")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class CaseTask(models.Model):
    """Work a case asks of an office, done through another app: a reported death or birth is
    registered in the register by the desa office (or the Disdukcapil) with the life-event form.
    The register is changed only by that form; the task is linked to the life event it made
    (`life_event`) and the event carries the task's `reference` as its reference number."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=20, choices=CaseTaskKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseTaskStatus.choices, default=CaseTaskStatus.OPEN
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="case_tasks", verbose_name=_("unit")
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    life_event = models.ForeignKey(
        "registry.LifeEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="case_tasks"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["status", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="case_task_once")]

    def __str__(self) -> str:
        return self.reference


# Former names, for callers written before cases.
CitizenReport = Case
ReportChannel = CaseChannel
ReportStatus = CaseStatus


# The 112 desk's rows (kept in their own module).
from .models_emergency import (  # noqa: E402
    CATEGORY_OF_EMERGENCY,
    DispatchStage,
    EmergencyCall,
    EmergencyDispatch,
    EmergencyKind,
)

__all__ = [
    "CATEGORIES_OF_KIND",
    "CATEGORY_OF_EMERGENCY",
    "FINISHED_STATUSES",
    "HANDLER_STATUSES",
    "OPEN_STATUSES",
    "Case",
    "CaseCategory",
    "CaseChannel",
    "CaseEvent",
    "CaseKind",
    "CasePhoto",
    "CaseStatus",
    "CitizenReport",
    "DispatchStage",
    "EmergencyCall",
    "EmergencyDispatch",
    "EmergencyKind",
    "ReportChannel",
    "ReportStatus",
    "RoutingRule",
]
