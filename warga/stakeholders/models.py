"""The stakeholder register per OPD: organisations and people an office works with, their role,
topics, contact and SMS consent, per unit and area. Never deleted: archived with a reason.
Every write keeps a `StakeholderChange` row ({field: [old, new]}) next to its audit row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class StakeholderKind(models.TextChoices):
    ORGANISATION = "organisation", _("Community organisation")
    COMMUNITY_LEADER = "community_leader", _("Community leader")
    RELIGIOUS_LEADER = "religious_leader", _("Religious leader")
    RT_HEAD = "rt_head", _("Head of RT")
    RW_HEAD = "rw_head", _("Head of RW")
    BPD = "bpd", _("BPD (village consultative body)")
    LPM = "lpm", _("LPM (community empowerment body)")
    PKK = "pkk", _("PKK")
    KARANG_TARUNA = "karang_taruna", _("Karang Taruna")
    VILLAGE_BODY = "village_body", _("Other village body")
    BUSINESS = "business", _("Business")
    NGO = "ngo", _("NGO")
    MEDIA = "media", _("Media")


class Topic(models.TextChoices):
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    SOCIAL = "social", _("Social welfare")
    POPULATION = "population", _("Population and civil registration")
    INFRASTRUCTURE = "infrastructure", _("Roads and infrastructure")
    ENVIRONMENT = "environment", _("Environment")
    DISASTER = "disaster", _("Disaster preparedness")
    ECONOMY = "economy", _("Economy and MSMEs")
    RELIGION = "religion", _("Religious affairs")
    YOUTH = "youth", _("Youth and sports")
    WOMEN_CHILDREN = "women_children", _("Women and children")
    INFORMATION = "information", _("Public information")
    SECURITY = "security", _("Order and security")


class ConsentChannel(models.TextChoices):
    FORM = "form", _("Signed form")
    MEETING = "meeting", _("Said so at a meeting")
    SMS = "sms", _("By SMS")
    PHONE = "phone", _("By telephone")
    EMAIL = "email", _("By e-mail")


class Stakeholder(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=StakeholderKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=160)
    organisation = models.CharField(_("organisation"), max_length=160, blank=True)
    position = models.CharField(_("position or role"), max_length=120, blank=True)
    # ",health,education," — a few tags from `Topic`, filtered with `contains=",health,"` on both databases.
    topics = models.CharField(_("topics"), max_length=300, blank=True, default="")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    sms_consent = models.BooleanField(_("agrees to receive SMS"), default=False)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_channel = models.CharField(
        _("consent given by"), max_length=10, choices=ConsentChannel.choices, blank=True
    )
    consent_evidence = models.CharField(_("evidence of consent"), max_length=300, blank=True)
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident in the register"),
    )
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_reason = models.CharField(_("reason for archiving"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "region"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("stakeholder")
        indexes = [models.Index(fields=["unit", "active", "name"])]

    def __str__(self) -> str:
        return self.name

    def topic_list(self) -> list[str]:
        return [t for t in self.topics.split(",") if t]

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topic_list()]


class StakeholderChange(models.Model):
    """One row per write: what changed ({field: [old, new]}), who, when, why."""

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=20)  # create | update | archive | restore | import
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "stakeholder__region"
    scope_unit_field = "stakeholder__unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.stakeholder_id}"
