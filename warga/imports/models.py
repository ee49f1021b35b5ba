"""Bulk imports of residents and families: one batch per uploaded file.

A file is read row by row into the staging table (`StagedRow`), never straight into the
register; checks that need the whole file (one head per KK, a child older than a parent,
a NIK twice) run there in SQL; then one transaction publishes the valid rows. An import
killed at any point before that transaction leaves the register as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all-or-nothing", _("All or nothing: import only if every row is valid")
    VALID_ROWS = "valid-rows", _("Import the valid rows, report the others")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    PUBLISHING = "publishing", _("Saving to the register")
    PUBLISHED = "published", _("Imported")
    REJECTED = "rejected", _("Rejected: nothing imported")
    SKIPPED = "skipped", _("Already imported: nothing changed")
    FAILED = "failed", _("Failed: nothing imported")


FINISHED = (ImportStatus.PUBLISHED, ImportStatus.REJECTED, ImportStatus.SKIPPED, ImportStatus.FAILED)


class ImportBatch(models.Model):
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(max_length=8)  # csv | xlsx
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    layout = models.CharField(max_length=10)  # siak | simple
    mode = models.CharField(_("mode"), max_length=16, choices=ImportMode.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    message = models.CharField(max_length=500, blank=True)
    # The area the import was made for: the uploading officer's area.
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    rows_expected = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    issues_total = models.PositiveIntegerField(default=0)
    residents_created = models.PositiveIntegerField(default=0)
    residents_updated = models.PositiveIntegerField(default=0)
    residents_unchanged = models.PositiveIntegerField(default=0)
    families_created = models.PositiveIntegerField(default=0)
    # Ids of the residents this batch created, for the duplicate check after publishing.
    first_resident_id = models.BigIntegerField(null=True, blank=True)
    last_resident_id = models.BigIntegerField(null=True, blank=True)

    scope_region_field = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, int(100 * self.rows_read / self.rows_expected))


class ImportIssue(models.Model):
    """One problem found in one row (or in the file as a whole, row 0)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"], name="import_issue_row_idx")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.code}"


class StagedRow(models.Model):
    """A checked row waiting to be published. Deleted once the batch is finished."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+", db_index=False)
    row_number = models.PositiveIntegerField()
    has_error = models.BooleanField(default=False)
    kk_first = models.BooleanField(default=False)  # the row that gives the family its address
    nik = models.CharField(max_length=16)
    kk_number = models.CharField(max_length=16)
    full_name = models.CharField(max_length=120)
    name_key = models.CharField(max_length=120)
    birth_place = models.CharField(max_length=80, blank=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1)
    religion = models.CharField(max_length=12, blank=True)
    marital_status = models.CharField(max_length=12)
    occupation = models.CharField(max_length=80, blank=True)
    education = models.CharField(max_length=16, blank=True)
    blood_type = models.CharField(max_length=2, blank=True)
    citizenship = models.CharField(max_length=3)
    father_name = models.CharField(max_length=120, blank=True)
    mother_name = models.CharField(max_length=120, blank=True)
    relationship = models.CharField(max_length=12)
    desa_code = models.CharField(max_length=24)
    rw = models.PositiveSmallIntegerField(null=True)
    rt = models.PositiveSmallIntegerField(null=True)
    address = models.CharField(max_length=200, blank=True)
    ever_married = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["batch", "nik"], name="staged_nik_idx"),
            models.Index(fields=["batch", "kk_number"], name="staged_kk_idx"),
        ]

    def __str__(self) -> str:
        return f"staged row {self.row_number}"
