"""Probable duplicates in the register (one person under two NIKs) and the merges that resolve them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    CONFIRMED = "confirmed", _("Same person: merged")
    REJECTED = "rejected", _("Not the same person")
    OBSOLETE = "obsolete", _("No longer relevant")


class CandidateSource(models.TextChoices):
    CREATE = "create", _("New record")
    IMPORT = "import", _("Import")
    SCAN = "scan", _("Full scan")


class DuplicateCandidate(models.Model):
    """A pair of residents that are probably the same person, with the score explained.

    The pair is stored with the lower id first and is unique: a pair marked "not the same"
    is never proposed again.
    """

    resident_a = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")
    resident_b = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    # [{"key": "name", "points": 0.43, "detail": "0.96"}, ...]; labels are translated when shown.
    components = models.JSONField(default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.OPEN,
        db_index=True,
    )
    source = models.CharField(_("found by"), max_length=8, choices=CandidateSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    kept = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_region_field = "resident_a__desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["resident_a", "resident_b"], name="unique_duplicate_pair"),
            models.CheckConstraint(
                condition=models.Q(resident_a__lt=models.F("resident_b")), name="pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_queue_idx")]

    def __str__(self) -> str:
        return f"duplicate #{self.pk}"


class ResidentMerge(models.Model):
    """The record of one NIK retired into another: the retired resident links to the kept one."""

    retired = models.OneToOneField("registry.Resident", on_delete=models.PROTECT, related_name="merge_record")
    kept = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="merged_from")
    candidate = models.ForeignKey(DuplicateCandidate, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "kept__desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"merge #{self.pk}"
