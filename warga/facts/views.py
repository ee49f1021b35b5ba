"""Dashboards of the fact store: a metric for an area with drill-down (kabupaten → kecamatan →
desa), the comparison of the regions below it, the trend by day, week or month, a map when
outlines are loaded, CSV/XLSX exports; the public indicators; the morning-summary setting."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from warga.core.errors import InvalidInput, NotFound
from warga.core.forms import StyledForm
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import Actor

from . import capabilities as caps
from . import selectors
from .metrics import Metric
from .models import Subscription
from .services import subscription_set
from .svgmap import legend, render_map


class PeriodForm(StyledForm):
    metric = forms.CharField(required=False, max_length=64)
    area = forms.CharField(required=False, max_length=24)
    start = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    grain = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Trend by"),
        choices=[
            ("day", gettext_lazy("day")),
            ("week", gettext_lazy("week")),
            ("month", gettext_lazy("month")),
        ],
    )


def _query(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    """Parse and check the page's parameters: an unknown metric or region is a 404 with its
    reason, a period outside the stored facts a 400 with what is stored."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise InvalidInput(_("Check the dates: use the calendar or YYYY-MM-DD."), code="facts.bad_date")
    data = form.cleaned_data if form.is_bound else {}
    visible = selectors.metrics_for(actor)
    if not visible:
        raise InvalidInput(_("No metric is open to your account."), code="facts.no_metric")
    key = data.get("metric") or visible[0].key
    metric = selectors.metric_for(actor, key)
    area = selectors.area_for(actor, data.get("area") or actor.area_code or "")
    default_start, default_end = selectors.default_period()
    start, end = data.get("start") or default_start, data.get("end") or default_end
    selectors.period_check(start, end)
    return {
        "form": form,
        "metrics": visible,
        "metric": metric,
        "area": area,
        "start": start,
        "end": end,
        "grain": data.get("grain") or "day",
    }


def _params(q: dict[str, Any], **changes: Any) -> str:
    values = {
        "metric": q["metric"].key,
        "area": q["area"].code,
        "start": q["start"].isoformat(),
        "end": q["end"].isoformat(),
        "grain": q["grain"],
    }
    values.update(changes)
    return urlencode(values)


def _period_label(period: date, grain: str) -> str:
    if grain == "month":
        return date_format(period, "YEAR_MONTH_FORMAT")
    return date_format(period, "SHORT_DATE_FORMAT")


def _chart(metric: Metric, labels: list[str], cells: list[Any]) -> dict[str, Any]:
    return {
        "label": str(metric.label),
        "labels": labels,
        "values": [None if c.value is None else round(c.value, 1) for c in cells],
    }


def _read(q: dict[str, Any]) -> dict[str, Any]:
    metric, area = q["metric"], q["area"]
    table = selectors.facts_table(metric=metric, area=area, start=q["start"], end=q["end"])
    series = selectors.facts_series(
        metric=metric, area=area, start=q["start"], end=q["end"], grain=q["grain"]
    )
    for item in series:
        item["label"] = _period_label(item["period"], q["grain"])
    parts = selectors.facts_parts(metric=metric, area=area, start=q["start"], end=q["end"])
    return {"table": table, "series": series, "parts": parts}


@requires(caps.VIEW)
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    if not selectors.metrics_for(actor):
        return render(request, "facts/dashboard.html", {"notice": _("No metric is open to your account.")})
    try:
        q = _query(request, actor)
    except (InvalidInput, NotFound) as error:
        # An unknown metric or region (404) or a period the store cannot answer (400): the
        # page says which, and keeps the form to correct it.
        return render(
            request,
            "facts/dashboard.html",
            {
                "error": error.message,
                "form": PeriodForm(request.GET or None),
                "metrics": selectors.metrics_for(actor),
            },
            status=404 if isinstance(error, NotFound) else 400,
        )
    data = _read(q)
    metric, area = q["metric"], q["area"]
    rows = data["table"]["rows"]
    drill = data["table"]["drill"] and area.level < 4

    def link(code: str) -> str:
        return "?" + _params(q, area=code)

    for row in rows:
        row["link"] = link(row["code"]) if drill and row["region"] is not None else ""
    boundaries = selectors.boundaries_of([r["region"] for r in rows if r["region"] is not None])
    svg = render_map(
        rows, boundaries, unit=metric.unit, link=link if drill else None, label=str(metric.label)
    )
    context = {
        **q,
        **data,
        "rows": rows,
        "crumbs": selectors.breadcrumbs(actor, area),
        "query": _params(q),
        "compare_chart": _chart(metric, [r["name"] for r in rows], [r["cell"] for r in rows]),
        "trend_chart": _chart(
            metric, [s["label"] for s in data["series"]], [s["cell"] for s in data["series"]]
        ),
        "map_svg": svg,
        "map_legend": legend(rows, metric.unit) if svg else [],
        "can_rebuild": actor.can(caps.REBUILD),
    }
    return render(request, "facts/dashboard.html", context)


def _export_rows(q: dict[str, Any], data: dict[str, Any]) -> list[list[Any]]:
    metric = q["metric"]
    out: list[list[Any]] = [
        [str(metric.label)],
        [_("Area"), q["area"].code, q["area"].display_name],
        [_("Period"), q["start"].isoformat(), q["end"].isoformat()],
        [],
        [_("Code"), _("Region"), _("Value"), _("Count")],
    ]
    for row in data["table"]["rows"]:
        cell = row["cell"]
        out.append(
            [row["code"], row["name"], None if cell.value is None else round(cell.value, 2), cell.count]
        )
    total = data["table"]["total"]
    out.append(["", _("Total"), None if total.value is None else round(total.value, 2), total.count])
    out.append([])
    out.append([_("Period"), _("Value"), _("Count")])
    for item in data["series"]:
        cell = item["cell"]
        out.append(
            [item["period"].isoformat(), None if cell.value is None else round(cell.value, 2), cell.count]
        )
    if data["parts"]:
        out.append([])
        out.append([_("Part"), _("Value"), _("Count")])
        for part in data["parts"]:
            cell = part["cell"]
            out.append([str(part["label"]), None if cell.value is None else round(cell.value, 2), cell.count])
    return out


def _text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula in a spreadsheet
    return value


@requires(caps.VIEW)
@require_GET
def export_view(request: HttpRequest) -> HttpResponseBase:
    """The dashboard's table and trend: `format` csv (default) or xlsx, the same parameters."""
    actor = page_actor(request)
    if not selectors.metrics_for(actor):
        messages.info(request, _("No metric is open to your account."))
        return redirect("facts:dashboard")
    try:
        q = _query(request, actor)
    except (InvalidInput, NotFound) as error:
        messages.error(request, str(error.message))
        return redirect("facts:dashboard")
    rows = _export_rows(q, _read(q))
    name = f"fakta-{q['metric'].key}-{q['area'].code_plain}-{q['start']:%Y%m%d}-{q['end']:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Facts")[:31])
        for row in rows:
            sheet.append([_text(v) for v in row])
        out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the file response
        workbook.save(out)
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class SubscriptionForm(StyledForm):
    by_sms = forms.BooleanField(required=False, label=gettext_lazy("Short summary by SMS"))
    by_email = forms.BooleanField(required=False, label=gettext_lazy("Summary with charts by e-mail"))


@requires(caps.SUBSCRIBE)
def subscription_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    current = Subscription.objects.filter(user=actor.user).first()
    initial = {"by_sms": bool(current and current.by_sms), "by_email": bool(current and current.by_email)}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            subscription_set(
                actor=actor, by_sms=form.cleaned_data["by_sms"], by_email=form.cleaned_data["by_email"]
            )
            messages.success(request, _("Your morning summary setting was saved."))
            return redirect("facts:subscription")
    return render(request, "facts/subscription.html", {"form": form})


@public
@require_GET
def public_view(request: HttpRequest) -> HttpResponse:
    """Service indicators for everybody: aggregated, no cell below five persons or cases."""
    return render(request, "facts/public.html", {"indicators": selectors.public_indicators()})
