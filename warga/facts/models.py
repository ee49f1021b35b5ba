"""The daily fact store: one row per (metric, region, day, part), with the numbers that roll up.

A fact is kept at the level its metric declares (a desa, a kecamatan or the kabupaten) and read
for any area above it through the `within` lookup; `kecamatan` repeats the kecamatan of a
desa-level row so that a kabupaten's table groups by one indexed column. Ratios keep their
numerator (`value`) and denominator, medians a histogram of whole days, so both roll up exactly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class Fact(models.Model):
    metric = models.CharField(_("metric"), max_length=64)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", null=True)
    day = models.DateField(_("day"))
    part = models.CharField(max_length=40, blank=True, default="")  # a service, a category…
    value = models.BigIntegerField(default=0)  # the count, or a ratio's numerator
    denominator = models.BigIntegerField(null=True)  # a ratio's denominator
    histogram = models.JSONField(null=True)  # a median's {days: count}

    scope_region_field = "region"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        constraints = [
            models.UniqueConstraint(fields=["metric", "day", "region", "part"], name="fact_one_per_key"),
        ]
        indexes = [models.Index(fields=["metric", "kecamatan", "day"], name="fact_metric_kec_day")]

    def __str__(self) -> str:
        return f"{self.metric} {self.region_id} {self.day}: {self.value}"


class Boundary(models.Model):
    """A region's outline, loaded from GeoJSON (`manage.py load_boundaries`), simplified.

    Reference data like the regions themselves: a plain manager, read for any area shown.
    """

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # [[ [lon, lat], … ], …]: the outer rings of the region's polygons.
    rings = models.JSONField()
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return str(self.region_id)


class Subscription(models.Model):
    """A head's wish for the morning summary of their area and domain."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    by_sms = models.BooleanField(_("by SMS"), default=False)
    by_email = models.BooleanField(_("by e-mail"), default=False)
    last_sent_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("morning summary subscription")
        verbose_name_plural = _("morning summary subscriptions")

    def __str__(self) -> str:
        return str(self.user_id)
