from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINSI = 1, _("province")
    KABUPATEN = 2, _("regency/city")
    KECAMATAN = 3, _("kecamatan")
    DESA = 4, _("desa/kelurahan")
    RW = 5, _("RW")
    RT = 6, _("RT")


class RegionKind(models.TextChoices):
    PROVINSI = "provinsi", _("province")
    KABUPATEN = "kabupaten", _("kabupaten")
    KOTA = "kota", _("kota")
    KECAMATAN = "kecamatan", _("kecamatan")
    DESA = "desa", _("desa")
    KELURAHAN = "kelurahan", _("kelurahan")
    DESA_ADAT = "desa_adat", _("desa adat")
    RW = "rw", _("RW")
    RT = "rt", _("RT")


class Region(models.Model):
    """A Kemendagri region (province down to desa/kelurahan), or an RW/RT below a desa.

    The primary key is the dotted code, so every foreign key to a region carries the whole
    path of its ancestors and area scoping is a prefix test on one indexed column.
    RW and RT codes extend their desa code: 32.14.01.2001.003 (RW 003) and
    32.14.01.2001.003.004 (RT 004 of RW 003).
    """

    code = models.CharField(_("code"), max_length=24, primary_key=True)
    code_plain = models.CharField(_("code without dots"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("type"), max_length=12, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    population_male = models.PositiveIntegerField(null=True, blank=True)
    population_female = models.PositiveIntegerField(null=True, blank=True)
    population_total = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        if self.level == RegionLevel.KECAMATAN:
            return f"Kec. {self.name}"
        if self.kind == RegionKind.KELURAHAN:
            return f"Kel. {self.name}"
        if self.kind in (RegionKind.DESA, RegionKind.DESA_ADAT):
            return f"Desa {self.name}"
        return self.name

    def ancestor_codes(self) -> list[str]:
        parts = self.code.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts))]

    def contains(self, code: str) -> bool:
        return code == self.code or code.startswith(self.code + ".")
