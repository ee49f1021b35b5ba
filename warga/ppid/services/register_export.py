"""The registers as CSV (streamed row by row) or XLSX (openpyxl write-only, to a temporary file),
with the same filters as the page they come from.

The rows are chosen when the export starts (their ids, within the caller's scope or the public
register); they are read back in chunks as the response streams. Text that a spreadsheet would
run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is written as text: a leading
apostrophe in the CSV, a string cell in the XLSX. An officer's export is one audit row with the
filters (never the searched text) and the row count; the public one is public data.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.scoping import Actor, unscoped

from .. import capabilities as caps
from ..models import (
    ExemptInformation,
    ExemptionGround,
    InformationCategory,
    InformationFormat,
    PublicInformation,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Link = Callable[[int], str]  # document id → its public address


def cell_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _state(entry: PublicInformation | ExemptInformation) -> str:
    if entry.withdrawn_at is None:
        return _("in the register")
    return _("withdrawn: %(reason)s") % {"reason": entry.withdrawn_reason}


def information_headers() -> list[str]:
    return [
        _("Category"),
        _("Unit"),
        _("Title"),
        _("Summary"),
        _("Format"),
        _("Retention period"),
        _("Period covered"),
        _("Published on"),
        _("Documents"),
        _("Status"),
    ]


def exemption_headers() -> list[str]:
    return [
        _("Exemption ground (art. 17)"),
        _("Unit"),
        _("Information exempted"),
        _("Consequence test number"),
        _("Consequence test date"),
        _("Consequence if disclosed"),
        _("Exemption period"),
        _("Exempted until"),
        _("Status"),
    ]


def _information_row(entry: PublicInformation, link: Link) -> list[str]:
    return [
        str(InformationCategory(entry.category).label),
        entry.unit.name,
        entry.title,
        entry.summary,
        str(InformationFormat(entry.format).label),
        entry.retention,
        entry.period,
        _day(entry.published_on),
        " ".join(link(d.pk) for d in entry.documents.all()),
        _state(entry),
    ]


def _exemption_row(entry: ExemptInformation, link: Link) -> list[str]:
    return [
        str(ExemptionGround(entry.ground).label),
        entry.unit.name,
        entry.title,
        entry.test_reference,
        _day(entry.tested_on),
        entry.consequence,
        entry.period,
        _day(entry.exempt_until),
        _state(entry),
    ]


def _rows(
    ids: list[int], model: type[PublicInformation] | type[ExemptInformation], link: Link
) -> Iterator[list[str]]:
    """The chosen rows in their order, read chunk by chunk (the ids were chosen in scope)."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with (
            unscoped("register export: rows already chosen within the caller's scope"),
            translation.override("id"),
        ):
            if model is PublicInformation:
                found: dict[int, Any] = {
                    e.pk: e
                    for e in PublicInformation.objects.filter(pk__in=chunk)
                    .select_related("unit")
                    .prefetch_related("documents")
                }
                rows = [_information_row(found[pk], link) for pk in chunk if pk in found]
            else:
                found = {
                    e.pk: e for e in ExemptInformation.objects.filter(pk__in=chunk).select_related("unit")
                }
                rows = [_exemption_row(found[pk], link) for pk in chunk if pk in found]
        yield from rows


def _csv(headers: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell_text(v) for v in row])
        yield buffer.getvalue()


def _xlsx(title: str, headers: list[str], rows: Iterator[list[str]]) -> IO[bytes]:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for row in rows:
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


def register_export(
    *,
    actor: Actor | None,
    qs: QuerySet[PublicInformation] | QuerySet[ExemptInformation],
    fmt: str,
    link: Link,
    filters: dict[str, object],
) -> Iterator[str] | IO[bytes]:
    """`qs`: the page's list (the public register inside `unscoped`, or an officer's
    `register_selectors.*_kept`), evaluated here for its ids. CSV: lines to stream; XLSX: a
    rewound temporary file."""
    model = qs.model
    if actor is not None:
        actor.require(caps.REGISTERS)
    ids = list(qs.values_list("pk", flat=True))
    if actor is not None:
        audit_record(
            actor=actor,
            action="ppid.register.export",
            object_type=model._meta.label_lower,
            summary={"format": fmt, "rows": len(ids), **filters},
        )
    with translation.override("id"):
        headers = information_headers() if model is PublicInformation else exemption_headers()
    rows = _rows(ids, model, link)
    if fmt == "xlsx":
        return _xlsx("DIP" if model is PublicInformation else "Dikecualikan", headers, rows)
    return _csv(headers, rows)
