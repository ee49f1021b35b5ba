"""Housekeeping: failing the batches whose worker died."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportBatch, ImportStatus, StagedRow

STALE_AFTER = timedelta(minutes=30)


def imports_purge_stale() -> int:
    """Batches whose worker died (no heartbeat for 30 minutes) are failed and their staging emptied."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        ImportBatch.objects.filter(
            status__in=[ImportStatus.VALIDATING, ImportStatus.PUBLISHING], heartbeat_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        ImportBatch.objects.filter(pk=pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_("The import stopped before it finished; nothing was imported. Upload the file again."),
        )
        StagedRow.objects.filter(batch_id=pk).delete()
    return len(stale)
