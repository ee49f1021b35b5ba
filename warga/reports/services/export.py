"""Export of cases for the SP4N-LAPOR! liaison officers: CSV (streamed row by row) or XLSX
(openpyxl in write-only mode to a temporary file, then streamed).

The same filters as the inbox, within the complaint handler's area. The export has no column of
the reporter at all (name, phone, anonymity, confidentiality), whatever the case: what leaves
Warga is the handling, not the people. Text written by people (the answer, a unit's name) that
a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is
written as text: a leading apostrophe in the CSV, a string cell in the XLSX. Each export is one
audit row with its filters and row count.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.scoping import Actor

from .. import capabilities as caps
from ..models import Case, CaseCategory, CaseKind, CaseStatus

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FIELDS = (
    "tracking_code",
    "kind",
    "category",
    "agency",
    "received_at",
    "verified_at",
    "assigned_at",
    "answered_at",
    "closed_at",
    "status",
    "answer",
)


def headers() -> list[str]:
    with translation.override("id"):
        return [
            _("Code"),
            _("Kind"),
            _("Category"),
            _("Agency"),
            _("Received"),
            _("Verified"),
            _("Assigned"),
            _("Answered"),
            _("Closed"),
            _("Status"),
            _("Answer"),
        ]


def cell_text(value: str) -> str:
    """A text a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _rows(qs: QuerySet[Case]) -> Iterator[list[str]]:
    values = qs.values_list(
        "tracking_code", "kind", "category", "assigned_unit__name", "received_at", "verified_at",
        "assigned_at", "answered_at", "closed_at", "status", "answer",
    )  # fmt: skip
    with translation.override("id"):
        kinds = {k: str(v) for k, v in CaseKind.choices}
        categories = {k: str(v) for k, v in CaseCategory.choices}
        statuses = {k: str(v) for k, v in CaseStatus.choices}
    for (
        code,
        kind,
        category,
        unit,
        received,
        verified,
        assigned,
        answered,
        closed,
        status,
        answer,
    ) in values.iterator(chunk_size=2000):
        yield [
            code,
            kinds.get(kind, kind),
            categories.get(category, category),
            unit or "",
            _when(received),
            _when(verified),
            _when(assigned),
            _when(answered),
            _when(closed),
            statuses.get(status, status),
            answer or "",
        ]


def _audit(actor: Actor, fmt: str, qs: QuerySet[Case], filters: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action="reports.case.export",
        object_type="reports.case",
        summary={"format": fmt, "rows": qs.count(), **filters},
    )


def cases_export_csv(*, actor: Actor, qs: QuerySet[Case], filters: dict[str, Any]) -> Iterator[str]:
    """`qs`: the inbox's list for this actor (`selectors.cases_list`). Audited at once; the rows
    are produced as the response streams."""
    actor.require(caps.EXPORT)
    _audit(actor, "csv", qs, filters)
    return _csv_lines(qs.order_by("received_at", "pk"))


def _csv_lines(qs: QuerySet[Case]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    yield "\ufeff" + buffer.getvalue()
    for row in _rows(qs):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell_text(v) for v in row])
        yield buffer.getvalue()


def cases_export_xlsx(*, actor: Actor, qs: QuerySet[Case], filters: dict[str, Any]) -> IO[bytes]:
    """The workbook in a temporary file (write-only mode: constant memory), rewound."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    actor.require(caps.EXPORT)
    _audit(actor, "xlsx", qs, filters)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("LAPOR")
    sheet.append(headers())
    for row in _rows(qs.order_by("received_at", "pk")):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the streaming response, closed by it
    workbook.save(out)
    out.seek(0)
    return out
