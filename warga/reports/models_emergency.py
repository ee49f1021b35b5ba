"""The 112 desk: a call recorded as an emergency case (`EmergencyCall`, one per case) and the
bodies sent to it (`EmergencyDispatch`, one per case and unit) with the time of each step and who
logged it. The case itself is an ordinary `Case` (kind "darurat", channel "call112"), moved only by
`case_transition`; these rows hold what the call centre adds to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager

from .models import Case, CaseCategory


class EmergencyKind(models.TextChoices):
    MEDIS = "medis", _("medical")
    KEBAKARAN = "kebakaran", _("fire")
    KRIMINAL = "kriminal", _("crime")
    BENCANA = "bencana", _("disaster")
    KECELAKAAN = "kecelakaan", _("accident")
    LAINNYA = "lainnya", _("other")


# The case category an emergency of each kind is filed under (for routing and the inbox).
CATEGORY_OF_EMERGENCY: dict[str, str] = {
    EmergencyKind.MEDIS: CaseCategory.SAKIT,
    EmergencyKind.KEBAKARAN: CaseCategory.BENCANA,
    EmergencyKind.KRIMINAL: CaseCategory.KEAMANAN,
    EmergencyKind.BENCANA: CaseCategory.BENCANA,
    EmergencyKind.KECELAKAAN: CaseCategory.LAINNYA,
    EmergencyKind.LAINNYA: CaseCategory.LAINNYA,
}


class EmergencyCall(models.Model):
    """What the call-taker heard: the kind, where (the desa when known, the address as said, an
    optional point on the case), when the call was answered; prank and duplicate marks."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="emergency_call")
    kind = models.CharField(_("emergency"), max_length=12, choices=EmergencyKind.choices)
    address = models.CharField(_("address"), max_length=300)
    received_at = models.DateTimeField(_("call received"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    prank = models.BooleanField(_("prank call"), default=False)
    duplicate_of = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "case__region"
    scope_unit_field = None
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("emergency call")
        indexes = [models.Index(fields=["kind", "received_at"], name="emcall_kind_received")]

    def __str__(self) -> str:
        return f"112 {self.case_id}"


class DispatchStage(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    ON_SCENE = "on_scene", _("on scene")
    CLOSED = "closed", _("closed")


class EmergencyDispatch(models.Model):
    """One body sent to an emergency (Damkar, Polres, BPBD, the ambulance…): when it was sent,
    acknowledged, on scene and done, each with the officer who logged it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dispatches")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    dispatched_at = models.DateTimeField(_("dispatched"), default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    on_scene_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "case__region"
    scope_unit_field = None
    objects = ScopedManager()

    class Meta:
        ordering = ["dispatched_at", "pk"]
        verbose_name = _("dispatch")
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="emdispatch_once_per_unit"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=F("dispatched_at")),
                name="emdispatch_ack_after_dispatch",
            ),
            models.CheckConstraint(
                condition=Q(on_scene_at__isnull=True) | Q(on_scene_at__gte=F("dispatched_at")),
                name="emdispatch_scene_after_dispatch",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("dispatched_at")),
                name="emdispatch_closed_after_dispatch",
            ),
        ]
        indexes = [models.Index(fields=["dispatched_at"], name="emdispatch_dispatched")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None
