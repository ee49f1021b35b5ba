"""Reports on a batch: its issues as CSV and its summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import ImportBatch, ImportIssue


def issues_csv(batch: ImportBatch) -> Iterator[str]:
    """The error report: row, column, message (in the language active now for file-level text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Code"), _("Message")])
    yield "\ufeff" + buffer.getvalue()
    for issue in batch.issues.order_by("row_number", "id").iterator(chunk_size=5000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([issue.row_number, issue.column, issue.code, issue.message])
        yield buffer.getvalue()


@dataclass(frozen=True)
class ImportSummary:
    batch: ImportBatch
    issues_shown: list[ImportIssue]
