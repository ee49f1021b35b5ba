"""The report pages of the information service: the annual or quarterly report with its charts
and tables, and its downloads (XLSX, PDF). Counts only; who sees which units is decided by
`report.report_build`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.forms import StyledForm
from warga.core.permissions import page_actor, requires
from warga.core.scoping import Actor

from . import capabilities as caps
from .report import (
    OUTCOME_FIELDS,
    Report,
    columns,
    dispute_outcome_labels,
    ground_labels,
    objection_ground_labels,
    objection_status_labels,
    period_label,
    report_build,
    report_units,
)
from .report_export import report_audit, report_pdf, report_xlsx


class ReportForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2008, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"), required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["quarter"]).choices = [
            ("", _("the whole year")),
            *[(str(q), _("quarter %(q)d") % {"q": q}) for q in range(1, 5)],
        ]
        units = report_units(actor)
        if units:
            cast(forms.ChoiceField, self.fields["unit"]).choices = [
                ("", _("every unit")),
                *[(str(u.pk), u.name) for u in units],
            ]
        else:
            del self.fields["unit"]


def _report(request: HttpRequest) -> tuple[ReportForm, Report]:
    actor = page_actor(request)
    data = request.GET.copy()
    data.setdefault("year", str(timezone.localdate().year))
    form = ReportForm(data, actor=actor)
    if form.is_valid():
        d = form.cleaned_data
        year, quarter, unit = d["year"], d.get("quarter"), d.get("unit")
    else:
        year, quarter, unit = timezone.localdate().year, None, None
    return form, report_build(actor=actor, year=year, quarter=quarter, unit_id=unit)


def _chart(report: Report) -> dict[str, Any]:
    """What the charts draw (json_script); the same figures are in the tables under them."""
    from .models import Outcome

    outcomes = dict(Outcome.choices)
    total = report.total
    days = sorted(total.days)
    statuses = objection_status_labels()
    return {
        "units": [r.unit for r in report.rows],
        "outcomes": [
            {"label": str(outcomes[value]), "data": [getattr(r, name) for r in report.rows]}
            for name, value in OUTCOME_FIELDS.items()
        ]
        + [{"label": _("Not yet answered"), "data": [r.open for r in report.rows]}],
        "grounds": {
            "labels": [value for value, _label in ground_labels()],
            "data": [total.grounds.get(value, 0) for value, _label in ground_labels()],
            "name": _("Refused or partly granted"),
        },
        "days": {
            "labels": [str(d) for d in days],
            "data": [total.days[d] for d in days],
            "name": _("Notices"),
        },
        "objections": {
            "labels": [label.split(".")[0] for _value, label in objection_ground_labels()],
            "datasets": [
                {
                    "label": label,
                    "data": [
                        report.objection_matrix.get(g, {}).get(s, 0) for g, _l in objection_ground_labels()
                    ],
                }
                for s, label in statuses
            ],
        },
        "disputes": {
            "labels": [label for _v, label in dispute_outcome_labels()],
            "data": [total.dispute_outcomes.get(v, 0) for v, _l in dispute_outcome_labels()],
            "name": _("Disputes"),
        },
    }


@requires(caps.REPORT)
def report_view(request: HttpRequest) -> HttpResponse:
    """The annual or quarterly report: per unit and in total, with charts and their tables."""
    form, report = _report(request)
    query = request.GET.urlencode()
    statuses = objection_status_labels()
    return render(
        request,
        "ppid/report.html",
        {
            "form": form,
            "report": report,
            "period": period_label(report),
            "columns": columns(),
            "rows": [*report.rows, report.total],
            "grounds": [
                (
                    value,
                    label,
                    [r.grounds.get(value, 0) for r in report.rows],
                    report.total.grounds.get(value, 0),
                )
                for value, label in ground_labels()
            ],
            "days": sorted(report.total.days.items()),
            "statuses": statuses,
            "objection_rows": [
                (
                    label,
                    [report.objection_matrix.get(value, {}).get(s, 0) for s, _l in statuses],
                    sum(report.objection_matrix.get(value, {}).values()),
                )
                for value, label in objection_ground_labels()
            ],
            "disputes": [
                (label, report.total.dispute_outcomes.get(v, 0)) for v, label in dispute_outcome_labels()
            ],
            "chart": _chart(report),
            "query": query,
        },
    )


def _filename(report: Report, extension: str) -> str:
    quarter = f"-tw{report.quarter}" if report.quarter else ""
    unit = f"-unit{report.unit_id}" if report.unit_id else ""
    return f"laporan-ppid-{report.year}{quarter}{unit}.{extension}"


@requires(caps.REPORT)
def report_xlsx_view(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request)
    report_audit(page_actor(request), report, "xlsx")
    response = HttpResponse(
        report_xlsx(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@requires(caps.REPORT)
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request)
    report_audit(page_actor(request), report, "pdf")
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(report, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response
