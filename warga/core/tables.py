"""Lists as tables: one declaration answers a list page's `?format=csv`, `?format=xlsx` and
`?format=print`.

An app declares its list once (`Table`: columns with a translated header and a value function)
and the page adds a few lines after it has built its own filtered, scoped queryset:

    answer = table_response(request, QUEUE_TABLE, qs, filters=form_filters(form))
    if answer is not None:
        return answer

Without `format` (or with an unknown one) the answer is None and the page renders as always.
The rows are the page's rows: same selector, same filters, same scope (a streamed response is
read inside the request's scope). CSV streams row by row with a UTF-8 BOM (Excel reads the
accents right); XLSX is written by openpyxl in write-only mode to a temporary file and streamed
from it; querysets are read with `iterator(chunk_size=…)`, so memory stays bounded. Above
`EXPORT_MAX_ROWS` (print: `PRINT_MAX_ROWS`) nothing is produced and the page says why. Text a
spreadsheet would run as a formula is written as text.

Every answer is one audit row, action `<table.action>.export`, object type `table.object_type`
("export" unless the table names one), summary: the format, the row count and the filters by
name (free-text filters by name only); a public list (no login, public data) passes
`audit=False` and writes none. Core sits below the audit app, so the audit app connects its
writer here in its `ready()` (`register_export_recorder`).

The print view is an A4 page of its own (`core/print_table.html`): the installation and the
officer's unit, the officer, the date and time in the installation's format, the filters in
words, the row count; the column headers repeat on every page and the page numbers are CSS
`@page` margin boxes (`counter(page)` / `counter(pages)`), which Chromium prints since
version 131; an older browser prints its own header and footer (page numbers included) when
"Headers and footers" is ticked in its print dialog.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .scoping import Actor

FORMATS = ("csv", "xlsx", "print")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Recorder = Callable[[Actor, str, dict[str, Any], str], None]
_recorders: list[Recorder] = []


def register_export_recorder(recorder: Recorder) -> None:
    """`recorder(actor, action, summary, object_type)` writes the audit row of one export (the
    audit app)."""
    if recorder not in _recorders:
        _recorders.append(recorder)


@dataclass(frozen=True)
class Column:
    header: str | Promise
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Filter:
    """One filter the page applied: `label: shown` in the print header; in the audit row
    `name: value`, or only the name when `private` (free text)."""

    name: str
    label: str | Promise
    shown: str | Promise
    value: str = ""
    private: bool = False


@dataclass(frozen=True)
class Table:
    action: str  # "applications.queue": the audit action is "applications.queue.export"
    title: str | Promise
    columns: tuple[Column, ...]
    filename: str  # file name stem, a date and time is added
    chunk_size: int = 2000
    object_type: str = "export"  # of the audit row: the model exported, say


def export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else None


def form_filters(form: forms.Form, *, private: Iterable[str] = ()) -> list[Filter]:
    """The filters of a valid bound form, with their labels and the chosen choice's words."""
    if not form.is_bound or not form.is_valid():
        return []
    hidden = set(private)
    out = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False, [], ()):
            continue
        shown: Any = value
        choices = getattr(field, "choices", None)
        if choices is not None:
            labels = {str(k): v for k, v in _flat_choices(choices)}
            raw = value.pk if hasattr(value, "pk") else value
            shown = labels.get(str(raw), value)
        out.append(
            Filter(
                name=name,
                label=field.label or name,
                shown=_print_text(shown),
                value=str(value.pk if hasattr(value, "pk") else value),
                private=name in hidden,
            )
        )
    return out


def _flat_choices(choices: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield key, label


def table_response(
    request: HttpRequest,
    table: Table,
    rows: QuerySet[Any] | Sequence[Any],
    *,
    filters: Sequence[Filter] = (),
    fmt: str | None = None,
    audit: bool = True,
    back: str | None = None,
) -> HttpResponseBase | None:
    """The list as a download or a print page, or None for the page itself.

    `audit=False`: a public list (public data, no login): no audit row. `back`: the list page's
    address, for a list whose filters are posted to an export address of its own (the print view
    links back there, a refused export goes back there); by default the request's own address
    without `format`."""
    fmt = fmt or export_format(request)
    if fmt is None:
        return None
    actor = Actor.for_user(request.user)
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    limit = settings.PRINT_MAX_ROWS if fmt == "print" else settings.EXPORT_MAX_ROWS
    if count > limit:
        messages.error(
            request,
            _(
                "This list has %(rows)s rows; at most %(limit)s can be exported or printed. Narrow the filters."
            )
            % {
                "rows": formats.number_format(count, force_grouping=True),
                "limit": formats.number_format(limit, force_grouping=True),
            },
        )
        return HttpResponseRedirect(back or _without_format(request))
    summary: dict[str, Any] = {
        "format": fmt,
        "rows": count,
        "filters": {f.name: (True if f.private else f.value or str(f.shown)) for f in filters},
    }
    for record in _recorders if audit else ():
        record(actor, f"{table.action}.export", summary, table.object_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{table.filename}-{stamp}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            _csv_lines(table, _iterate(table, rows)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    elif fmt == "xlsx":
        response = FileResponse(
            _xlsx_file(table, _iterate(table, rows)),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type=XLSX_TYPE,
        )
    else:
        context = {
            "table": table,
            "headers": [str(c.header) for c in table.columns],
            "rows": [[_print_text(c.value(row)) for c in table.columns] for row in _iterate(table, rows)],
            "filters": filters,
            "count": count,
            "unit": _unit_name(actor),
            "officer": _officer_name(actor),
            "now": timezone.localtime(),
            "back": back or _without_format(request),
        }
        response = render(request, "core/print_table.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _iterate(table: Table, rows: QuerySet[Any] | Sequence[Any]) -> Iterator[Any]:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=table.chunk_size)
    return iter(rows)


def _without_format(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _unit_name(actor: Actor) -> str:
    unit = actor.unit
    if unit is not None:
        return str(unit.name)
    return str(actor.area_code or "")


def _officer_name(actor: Actor) -> str:
    user = actor.user
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or user.get_username())


def _text(value: Any) -> str:
    """A cell of the CSV: dates in ISO order, times local, yes/no in words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_text(value: str) -> str:
    """A text a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _print_text(value: Any) -> str:
    """A cell of the print view, in the installation's formats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(local, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, (int, float, Decimal)):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def _csv_lines(table: Table, rows: Iterator[Any]) -> Iterator[str]:
    """Read as the response streams, after the view returned: in the request's language."""
    language = translation.get_language()

    def produce() -> Iterator[str]:
        with translation.override(language):
            yield from _csv_produce(table, rows)

    return produce()


def _csv_produce(table: Table, rows: Iterator[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(c.header) for c in table.columns])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell_text(_text(c.value(row))) for c in table.columns])
        yield buffer.getvalue()


def _xlsx_value(value: Any) -> tuple[Any, bool]:
    """(cell value, written as text)."""
    if value is None:
        return None, False
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), True
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.replace(tzinfo=None), False
    if isinstance(value, (date, int, float, Decimal)):
        return value, False
    return str(value), True


def _xlsx_file(table: Table, rows: Iterator[Any]) -> Any:
    """The workbook in a temporary file (write-only mode: constant memory), rewound."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\\/*?:\[\]]", " ", str(table.title))[:31])
    sheet.append([str(c.header) for c in table.columns])
    for row in rows:
        cells = []
        for column in table.columns:
            value, as_text = _xlsx_value(column.value(row))
            cell = WriteOnlyCell(sheet, value=value)
            if as_text:
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the streaming response, closed by it
    workbook.save(out)
    out.seek(0)
    return out
