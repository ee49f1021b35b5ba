"""Step 1: accepting an uploaded file and creating its batch."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotAllowed
from warga.core.scoping import Actor
from warga.core.tasks import enqueue_on_commit
from warga.regions.models import Region

from .. import reader
from ..models import ImportBatch, ImportMode, ImportStatus
from ._common import IMPORT_CAPABILITY, max_rows


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 1024 * 1024 * 1024))


def _copy_and_hash(source: IO[bytes], target: IO[bytes], limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise InvalidInput(
                _("The file is larger than %(mb)d MB. Split it, for example one file per kecamatan.")
                % {"mb": limit // (1024 * 1024)},
                code="imports.too_large",
            )
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def import_create(*, actor: Actor, source: IO[bytes], file_name: str, mode: str) -> ImportBatch:
    """Check an uploaded file and queue it for import. Refuses bad files before anything is stored."""
    actor.require(IMPORT_CAPABILITY)
    if mode not in ImportMode.values:
        raise InvalidInput(_("Choose how to import: all or nothing, or the valid rows."), code="imports.mode")
    if not actor.area_code:
        raise NotAllowed(_("Your account has no area; ask the administrator."))
    area = Region.objects.get(code=actor.area_code)
    with tempfile.NamedTemporaryFile(prefix="warga-import-", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            sha256, size = _copy_and_hash(source, tmp, max_bytes())
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    try:
        info = reader.sniff(tmp_path, max_rows=max_rows())
        with transaction.atomic():
            batch = ImportBatch(
                file_name=Path(file_name or "import").name[:200],
                file_sha256=sha256,
                file_size=size,
                file_format=info.file_format,
                encoding=info.encoding,
                delimiter=info.delimiter,
                layout=info.layout,
                mode=mode,
                area=area,
                created_by=actor.user,
                rows_expected=info.rows_expected,
            )
            earlier = (
                ImportBatch.objects.filter(file_sha256=sha256, area=area, status=ImportStatus.PUBLISHED)
                .order_by("-finished_at")
                .first()
            )
            with tmp_path.open("rb") as handle:
                batch.file.save(f"{sha256[:16]}.{info.file_format}", File(handle), save=False)
            if earlier is not None:
                batch.status = ImportStatus.SKIPPED
                batch.finished_at = timezone.now()
                batch.message = _("This file was already imported (import #%(id)d). Nothing was changed.") % {
                    "id": earlier.pk
                }
            batch.save()
            audit_record(
                actor=actor,
                action="imports.batch.create",
                obj=batch,
                summary={
                    "format": info.file_format,
                    "rows": info.rows_expected,
                    "mode": mode,
                    "skipped": earlier is not None,
                },
            )
            if earlier is None:
                from ..tasks import import_run_task

                enqueue_on_commit(import_run_task, batch.pk)
        return batch
    finally:
        tmp_path.unlink(missing_ok=True)
