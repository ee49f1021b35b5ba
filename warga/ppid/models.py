"""Public information requests (permohonan informasi publik, UU 14/2008) and objections.

A request belongs to the installation (`region`: the kabupaten/kota) and is held by one unit
at a time (`holding_unit`, where the unit-bound scope looks): the PPID utama sees every request
of the installation; a PPID pembantu sees the requests its unit holds. Every step is a
`RequestEvent`; `services.request_transition` is the one way to make one.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class RequesterKind(models.TextChoices):
    PERSON = "person", _("a person (with NIK)")
    LEGAL_BODY = "legal_body", _("a legal body (with its papers)")


class AccessMode(models.TextChoices):
    SEE = "see", _("see / read it")
    COPY = "copy", _("get a copy")


class CopyForm(models.TextChoices):
    SOFT = "soft", _("soft copy (file)")
    HARD = "hard", _("hard copy (paper)")


class DeliveryMode(models.TextChoices):
    COLLECT = "collect", _("collect it at the office")
    EMAIL = "email", _("by e-mail")
    POST = "post", _("by post")
    DOWNLOAD = "download", _("download with the registration number")


class RequestChannel(models.TextChoices):
    WEB = "web", _("web form")
    DESK = "desk", _("at a desk")
    LETTER = "letter", _("by letter")
    EMAIL = "email", _("by e-mail")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("received, being handled")
    ANSWERED = "answered", _("written notice given")
    DELIVERED = "delivered", _("information delivered")


class Outcome(models.TextChoices):
    GRANTED = "granted", _("granted")
    PARTLY = "partly", _("partly granted")
    REFUSED = "refused", _("refused (exempted information)")
    NOT_HELD = "not_held", _("not held")
    NOT_DOCUMENTED = "not_documented", _("not yet documented")
    ELSEWHERE = "elsewhere", _("held by another public body")


class ExemptionGround(models.TextChoices):
    """UU 14/2008 art. 17: information exempted from disclosure."""

    A = "a", _("a. obstructs law enforcement")
    B = "b", _("b. harms intellectual property or fair competition")
    C = "c", _("c. endangers state defence and security")
    D = "d", _("d. reveals Indonesia's natural resources")
    E = "e", _("e. harms the national economy")
    F = "f", _("f. harms foreign relations")
    G = "g", _("g. reveals an authentic deed or a last will")
    H = "h", _("h. reveals personal secrets")
    I = "i", _("i. internal memoranda or letters, secret by nature")  # noqa: E741
    J = "j", _("j. information not to be disclosed by law")


# The outcomes that give (some of) the information, and those that need their own inputs.
GIVING = (Outcome.GRANTED, Outcome.PARTLY)
OPEN_STATUSES = (RequestStatus.RECEIVED,)

NOTICE_DAYS = 10  # working days for the written notice (art. 22(7))
EXTENSION_DAYS = 7  # one extension, with a written reason (art. 22(8))


class InformationRequest(models.Model):
    number = models.CharField(_("registration number"), max_length=24, unique=True)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    channel = models.CharField(_("channel"), max_length=8, choices=RequestChannel.choices)
    # The requester: personal data, shown to the officers handling it (audited), never in public.
    requester_kind = models.CharField(
        _("requester"), max_length=12, choices=RequesterKind.choices, default=RequesterKind.PERSON
    )
    requester_name = models.CharField(_("name"), max_length=160)
    requester_nik = models.CharField(_("NIK"), max_length=16, blank=True)
    legal_papers = models.FileField(_("legal body's papers"), max_length=200, blank=True)
    legal_papers_type = models.CharField(max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    information = models.TextField(_("information requested"))
    purpose = models.TextField(_("purpose of use"))
    access_mode = models.CharField(
        _("how"), max_length=8, choices=AccessMode.choices, default=AccessMode.COPY
    )
    copy_form = models.CharField(_("form"), max_length=8, choices=CopyForm.choices, default=CopyForm.SOFT)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.DOWNLOAD
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    receiving_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    holding_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="ppid_requests", verbose_name=_("held by")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.RECEIVED,
        db_index=True,
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("notice due"))
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    # The written notice (pemberitahuan tertulis).
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices, blank=True)
    exemption_ground = models.CharField(
        _("exemption ground (art. 17)"), max_length=1, choices=ExemptionGround.choices, blank=True
    )
    consequence_test = models.CharField(_("consequence test reference"), max_length=200, blank=True)
    exemption_entry = models.ForeignKey(
        "ExemptInformation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refusals",
        verbose_name=_("exempted information entry"),
    )
    other_body = models.CharField(_("public body holding it"), max_length=200, blank=True)
    decision_note = models.TextField(_("notice"), blank=True)
    copy_cost = models.PositiveIntegerField(_("copying cost (Rp)"), default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    # Working days from the day of receipt to the notice (`core.workdays`), set with the notice:
    # the report's time to answer is a GROUP BY on this small integer (no calendar in SQL).
    answer_days = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "region"
    scope_unit_field = "holding_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="ppid_request_serial_once"),
            models.CheckConstraint(
                condition=~Q(requester_kind="person") | ~Q(requester_nik=""), name="ppid_person_has_nik"
            ),
        ]
        indexes = [
            models.Index(fields=["holding_unit", "status"], name="ppid_unit_status"),
            # The officers' list in its order (escalated, open, nearest due first): the first page
            # is read from the index instead of sorting every request.
            models.Index(fields=["-escalation_level", "-status", "due_on", "-id"], name="ppid_list_order"),
            # The same order within one status (the status filter, the overdue ones: status is
            # then constant and drops out of the order) and within one holding unit (a pembantu's
            # list, the unit filter): the page is read from the index, nothing is skipped.
            models.Index(fields=["status", "-escalation_level", "due_on", "-id"], name="ppid_status_order"),
            models.Index(
                fields=["holding_unit", "-escalation_level", "-status", "due_on", "-id"],
                name="ppid_unit_order",
            ),
            # The list's counts (the open requests by status and overdue; a closed status up to
            # a cap) and the pager's bounded count, within the scope (region, holding unit): read
            # from this index alone, not from the table's wide rows.
            models.Index(fields=["status", "due_on", "region", "holding_unit"], name="ppid_status_counts"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def extended(self) -> bool:
        return self.extended_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class RequestEvent(models.Model):
    """One step of a request's history: who, unit, when, from, to, the unit it went to, note."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    scope_region_field = "request__region"
    scope_unit_field = "request__holding_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class AnswerDocument(models.Model):
    """A document given in answer (PDF or image, checked by content), served only through a
    checked view or a signed, expiring link."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(max_length=200)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_region_field = "request__region"
    scope_unit_field = "request__holding_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ObjectionGround(models.TextChoices):
    """UU 14/2008 art. 35(1)."""

    REFUSED = "refused", _("a. the request was refused on an exemption ground")
    NOT_PUBLISHED = "not_published", _("b. periodic information was not published")
    NOT_ANSWERED = "not_answered", _("c. the request was not answered")
    NOT_AS_ASKED = "not_as_asked", _("d. the answer was not what was asked for")
    NOT_FULFILLED = "not_fulfilled", _("e. the request was not fulfilled")
    COST = "cost", _("f. an unreasonable cost was charged")
    LATE = "late", _("g. the answer came later than the law allows")


class ObjectionStatus(models.TextChoices):
    FILED = "filed", _("filed, waiting for the atasan PPID")
    UPHELD = "upheld", _("upheld: the information is to be given")
    DISMISSED = "dismissed", _("dismissed: the decision stands")


class DisputeOutcome(models.TextChoices):
    PENDING = "pending", _("pending at the Komisi Informasi")
    MEDIATED = "mediated", _("settled by mediation")
    GRANTED = "granted", _("decided for the requester")
    REJECTED = "rejected", _("decided for the public body")
    WITHDRAWN = "withdrawn", _("withdrawn")


OBJECTION_DAYS = 30  # working days to file after the ground (art. 36(1))
OBJECTION_ANSWER_DAYS = 30  # working days for the atasan's answer (art. 36(2))
DISPUTE_DAYS = 14  # working days to take it to the Komisi Informasi (art. 37(2))


class Objection(models.Model):
    request = models.ForeignKey(InformationRequest, on_delete=models.PROTECT, related_name="objections")
    ground = models.CharField(_("ground"), max_length=16, choices=ObjectionGround.choices)
    reason = models.TextField(_("reason"))
    # Ground b (periodic information not published): the DIP entry concerned, or the topic.
    information = models.ForeignKey(
        "PublicInformation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("periodic information concerned"),
    )
    topic = models.CharField(_("periodic information concerned"), max_length=300, blank=True)
    filed_at = models.DateTimeField(default=timezone.now)
    filed_on = models.DateField()
    due_on = models.DateField(_("answer due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.FILED
    )
    answer = models.TextField(_("answer"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispute_filed_on = models.DateField(_("dispute filed at the Komisi Informasi"), null=True, blank=True)
    dispute_reference = models.CharField(_("dispute register number"), max_length=80, blank=True)
    dispute_outcome = models.CharField(
        _("dispute outcome"), max_length=10, choices=DisputeOutcome.choices, blank=True
    )
    dispute_decided_on = models.DateField(null=True, blank=True)
    dispute_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "request__region"
    scope_unit_field = "request__holding_unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.request.number} #{self.pk}"

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == ObjectionStatus.FILED and self.due_on < (today or timezone.localdate())


# --- The registers: Daftar Informasi Publik (art. 9–11) and the exempted information (art. 17) ---


class InformationCategory(models.TextChoices):
    """UU 14/2008 art. 9–11: what a public body publishes and keeps ready."""

    BERKALA = "berkala", _("periodic (berkala)")
    SERTA_MERTA = "serta_merta", _("immediate (serta merta)")
    SETIAP_SAAT = "setiap_saat", _("available at any time (setiap saat)")


class InformationFormat(models.TextChoices):
    SOFT = "soft", _("soft copy")
    HARD = "hard", _("hard copy")
    BOTH = "both", _("soft and hard copy")


PERIODIC_MONTHS = 6  # periodic information is published at least every six months (art. 9(4))


class PublicInformation(models.Model):
    """One entry of the Daftar Informasi Publik (DIP), kept by the unit responsible for it.
    A withdrawn entry stays (with its reason) and leaves the public register."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="ppid_information", verbose_name=_("unit")
    )
    category = models.CharField(_("category"), max_length=12, choices=InformationCategory.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    format = models.CharField(
        _("format"), max_length=8, choices=InformationFormat.choices, default=InformationFormat.SOFT
    )
    retention = models.CharField(_("retention period"), max_length=100)
    period = models.CharField(_("period covered"), max_length=100)
    published_on = models.DateField(_("published on"))
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["category", "-published_on", "-id"]
        verbose_name = _("public information entry")
        verbose_name_plural = _("Daftar Informasi Publik")
        indexes = [models.Index(fields=["category", "unit"], name="ppid_dip_category_unit")]

    def __str__(self) -> str:
        return self.title

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class InformationDocument(models.Model):
    """A downloadable document of a DIP entry (PDF or image, checked by content like the answer
    documents); public while its entry is in the register."""

    entry = models.ForeignKey(PublicInformation, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(max_length=200)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_region_field = "entry__region"
    scope_unit_field = "entry__unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ExemptInformation(models.Model):
    """One entry of the register of exempted information (informasi yang dikecualikan): the art. 17
    ground, the consequence test (uji konsekuensi) that established it, and for how long."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="ppid_exemptions", verbose_name=_("unit")
    )
    ground = models.CharField(_("exemption ground (art. 17)"), max_length=1, choices=ExemptionGround.choices)
    title = models.CharField(_("information exempted"), max_length=300)
    test_reference = models.CharField(_("consequence test number"), max_length=200)
    tested_on = models.DateField(_("consequence test date"))
    consequence = models.TextField(_("consequence if disclosed"))
    period = models.CharField(_("exemption period"), max_length=100)
    exempt_until = models.DateField(_("exempted until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["ground", "-tested_on", "-id"]
        verbose_name = _("exempted information entry")
        verbose_name_plural = _("exempted information")

    def __str__(self) -> str:
        return f"{self.test_reference} — {self.title}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
