"""What the import steps share: the capability, the row limit and the issue collector."""

from __future__ import annotations

from django.conf import settings

from ..models import ImportBatch, ImportIssue
from ..validation import Issue

IMPORT_CAPABILITY = "registry.import"


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 3_000_000))


def max_issues() -> int:
    return int(getattr(settings, "IMPORT_MAX_ISSUES", 100_000))


class _Issues:
    """Buffers issues and writes them in bulk, keeping at most `max_issues()` per batch."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.buffer: list[ImportIssue] = []
        self.total = 0
        self.stored = 0
        self.limit = max_issues()

    def pending(self) -> int:
        return len(self.buffer)

    def add(self, issue: Issue, *, flush: bool = True) -> None:
        self.total += 1
        if self.stored + len(self.buffer) < self.limit:
            self.buffer.append(
                ImportIssue(
                    batch=self.batch,
                    row_number=issue.row_number,
                    column=issue.column[:40],
                    code=issue.code[:40],
                    message=issue.message[:300],
                )
            )
        if flush and len(self.buffer) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            ImportIssue.objects.bulk_create(self.buffer, batch_size=2000)
            self.stored += len(self.buffer)
            self.buffer = []
