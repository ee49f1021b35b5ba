"""The satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB No. 14 of 2017).

An `Invitation` is made once per service delivered (its source: an app label and an object id,
no foreign key to the domain app) and carries a random token for the answer link and a short
code for the SMS answer. A `Response` holds the nine element scores (1–4) and is written once per
invitation (one-to-one, after an atomic claim of the invitation)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager

# The nine elements (unsur) of the regulation, in its order: field name → label.
ELEMENTS: tuple[tuple[str, Any], ...] = (
    ("u1", _("Requirements")),
    ("u2", _("Procedure")),
    ("u3", _("Service time")),
    ("u4", _("Cost/fee")),
    ("u5", _("Product: specification of the service")),
    ("u6", _("Competence of the staff")),
    ("u7", _("Behaviour of the staff")),
    ("u8", _("Handling of complaints, suggestions and feedback")),
    ("u9", _("Facilities and infrastructure")),
)
ELEMENT_FIELDS: tuple[str, ...] = tuple(name for name, _label in ELEMENTS)


class Channel(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("SMS")


class Invitation(models.Model):
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(_("service"), max_length=40)
    service_label = models.CharField(_("service"), max_length=120, blank=True)
    source_app = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    # The resident's number (E.164). Never in a URL or a log line.
    phone = models.CharField(max_length=20)
    token_hash = models.CharField(max_length=64, unique=True)
    code = models.CharField(max_length=8, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        constraints = [
            # One invitation per hand-over, case or request, whoever asks twice.
            models.UniqueConstraint(fields=["source_app", "source_id"], name="survey_invitation_source"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.source_app}:{self.source_id}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(_("service"), max_length=40)
    u1 = models.PositiveSmallIntegerField()
    u2 = models.PositiveSmallIntegerField()
    u3 = models.PositiveSmallIntegerField()
    u4 = models.PositiveSmallIntegerField()
    u5 = models.PositiveSmallIntegerField()
    u6 = models.PositiveSmallIntegerField()
    u7 = models.PositiveSmallIntegerField()
    u8 = models.PositiveSmallIntegerField()
    u9 = models.PositiveSmallIntegerField()
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=4, choices=Channel.choices)
    answered_at = models.DateTimeField(db_index=True)

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 4}),
                name=f"survey_response_{name}_1_4",
            )
            for name in ELEMENT_FIELDS
        ]
        indexes = [models.Index(fields=["unit", "answered_at"], name="survey_response_unit_at")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.answered_at:%Y-%m-%d}"
