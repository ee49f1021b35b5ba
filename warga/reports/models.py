"""Citizen reports (sickness, deaths, outages, damaged roads…) received by SMS or at a desk.
Routing to the agency in charge comes later; for now they are stored and listed by area."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class ReportChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WEB = "web", _("web")
    COUNTER = "counter", _("office counter")


class ReportStatus(models.TextChoices):
    NEW = "new", _("new")
    ROUTED = "routed", _("routed to an agency")
    CLOSED = "closed", _("closed")


class CitizenReport(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=ReportChannel.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    text = models.TextField(_("report"))
    desa = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("desa"),
    )
    # Where the report is visible: its desa, or the whole installation when the desa is unknown.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    client_ref = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "region"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        constraints = [
            models.UniqueConstraint(
                fields=["client_ref"], condition=~Q(client_ref=""), name="report_client_ref_once"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"L{self.pk:06d}"
