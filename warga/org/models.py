from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DISDUKCAPIL = "disdukcapil", _("Disdukcapil")
    KECAMATAN_OFFICE = "kecamatan", _("Kecamatan office")
    DESA_OFFICE = "desa", _("Desa/kelurahan office")
    OPD = "opd", _("Regional agency (OPD)")
    EXTERNAL = "external", _("External body")


class Unit(models.Model):
    """An office that acts in Warga: the Disdukcapil, a kecamatan or desa office, an OPD,
    or an external body (PLN, PDAM, police, the 112 centre) that receives routed reports."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=UnitKind.choices, db_index=True)
    area = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="units", verbose_name=_("area served")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    topics = models.CharField(
        _("topics handled"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated keywords used to route reports, e.g. listrik,padam for PLN."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    head_name = models.CharField(_("head of unit"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_field = "area"
    scope_unit_field = "id"

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def topic_list(self) -> list[str]:
        return [t.strip().lower() for t in self.topics.split(",") if t.strip()]
