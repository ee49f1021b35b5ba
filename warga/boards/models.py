"""Running-text announcements on village TV boards, one row per desa board."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class AnnouncementSource(models.TextChoices):
    DESA = "desa", _("desa government")
    KECAMATAN = "kecamatan", _("kecamatan")
    REGION = "region", _("regional government")


class AnnouncementStatus(models.TextChoices):
    PENDING = "pending", _("waiting for moderation")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Announcement(models.Model):
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa")
    )
    text = models.CharField(_("text"), max_length=300)
    source = models.CharField(_("from"), max_length=10, choices=AnnouncementSource.choices)
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AnnouncementStatus.choices, default=AnnouncementStatus.PENDING
    )
    batch = models.CharField(max_length=32, db_index=True)  # the announcements created together
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("announcement")
        indexes = [models.Index(fields=["desa", "status", "ends_at"], name="board_feed_idx")]

    def __str__(self) -> str:
        return f"announcement {self.pk}"
