"""The information service report as a workbook (openpyxl) and as a PDF (fpdf2, as the receipts).

The same figures as the page (`report.report_build`), counts only. Unit names are written as
text cells, never as formulas. Each download is one audit row with the period and unit.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.scoping import Actor

from .pdf import _Doc, _t
from .report import (
    Report,
    Row,
    cell,
    columns,
    dispute_outcome_labels,
    ground_labels,
    objection_ground_labels,
    objection_status_labels,
    period_label,
)


def report_audit(actor: Actor, report: Report, fmt: str) -> None:
    audit_record(
        actor=actor,
        action="ppid.report.export",
        object_type="ppid.report",
        summary={"format": fmt, "year": report.year, "quarter": report.quarter, "unit": report.unit_id},
    )


def _unit_rows(report: Report) -> list[Row]:
    return [*report.rows, report.total]


def _tables(report: Report) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Every table of the report: (title, headings, rows), shared by the workbook and the PDF."""
    tables: list[tuple[str, list[str], list[list[Any]]]] = []
    cols = columns()
    tables.append(
        (
            _("Requests per unit"),
            [_("Unit"), *[heading for _name, heading in cols]],
            [[r.unit, *[cell(r, name) for name, _heading in cols]] for r in _unit_rows(report)],
        )
    )
    tables.append(
        (
            _("Refused or partly granted, by exemption ground (art. 17)"),
            [_("Unit"), *[value for value, _label in ground_labels()]],
            [
                [r.unit, *[r.grounds.get(value, 0) for value, _l in ground_labels()]]
                for r in _unit_rows(report)
            ],
        )
    )
    days = sorted(report.total.days)
    tables.append(
        (
            _("Time to the written notice (working days)"),
            [_("Working days"), _("Notices")],
            [[d, report.total.days[d]] for d in days],
        )
    )
    statuses = objection_status_labels()
    tables.append(
        (
            _("Objections by ground and outcome"),
            [_("Ground"), *[label for _v, label in statuses], _("Total")],
            [
                [
                    label,
                    *[report.objection_matrix.get(value, {}).get(s, 0) for s, _l in statuses],
                    sum(report.objection_matrix.get(value, {}).values()),
                ]
                for value, label in objection_ground_labels()
            ],
        )
    )
    tables.append(
        (
            _("Disputes at the Komisi Informasi by outcome"),
            [_("Outcome"), _("Disputes")],
            [
                [label, report.total.dispute_outcomes.get(value, 0)]
                for value, label in dispute_outcome_labels()
            ],
        )
    )
    return tables


def _title(report: Report) -> str:
    return _("Public information service report — %(period)s") % {"period": period_label(report)}


def report_xlsx(report: Report) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    for index, (title, headings, rows) in enumerate(_tables(report), start=1):
        sheet = workbook.create_sheet(f"{index}")
        sheet.append([_title(report)])
        sheet.append([title])
        sheet.append(headings)
        for values in rows:
            cells = []
            for value in values:
                written = WriteOnlyCell(sheet, value=value if isinstance(value, (int, float)) else str(value))
                if isinstance(value, str):
                    written.data_type = "s"  # never a formula, whatever a unit's name starts with
                cells.append(written)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_pdf(report: Report) -> bytes:
    pdf = _Doc(format="A4", orientation="L")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, _t(_title(report)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(
        0,
        5,
        _t(
            _("%(start)s to %(end)s; made %(made)s")
            % {
                "start": report.start.isoformat(),
                "end": report.end.isoformat(),
                "made": timezone.localdate().isoformat(),
            }
        ),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for title, headings, rows in _tables(report):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _t(title), new_x="LMARGIN", new_y="NEXT")
        first = min(70.0, width * 0.3) if len(headings) > 2 else width * 0.6
        other = (width - first) / max(1, len(headings) - 1)
        widths = [first, *[other] * (len(headings) - 1)]
        size = 6 if len(headings) > 10 else 8
        pdf.set_font("Helvetica", "B", size)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.55) as table:
            head = table.row()
            for heading in headings:
                head.cell(_t(heading))
            pdf.set_font("Helvetica", "", size)
            for values in rows:
                line = table.row()
                for value in values:
                    line.cell(_t(value))
    return bytes(pdf.output())
