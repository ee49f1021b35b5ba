from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.permissions import page_actor, public, requires

from . import export, selectors
from .forms import AnswerForm, IndexFilterForm
from .models import ELEMENTS
from .services import invitation_by_token, survey_answer


def _closed(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "survey/closed.html", {"message": message}, status=status)


@public
@require_http_methods(["GET", "POST"])
def answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's nine questions behind the link of the SMS. A forged or unknown link is 404;
    an answered or expired survey a page saying so; nothing is stored unless all nine are answered."""
    try:
        invitation = invitation_by_token(token)
    except NotFound:
        raise Http404 from None
    from django.utils import timezone

    if invitation.answered_at is not None:
        return _closed(request, _("This survey was already answered. Thank you!"), 410)
    if invitation.expires_at <= timezone.now():
        return _closed(request, _("This survey has closed; answers are no longer accepted."), 410)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        scores = {name: request.POST.get(name, "") for name, _label in ELEMENTS}
        try:
            if not form.is_valid():
                raise InvalidInput(
                    _("Answer all nine questions with a score from 1 to 4."), code="survey.scores"
                )
            survey_answer(
                token=token, scores=scores, comment=form.cleaned_data.get("comment", ""), channel="web"
            )
        except Conflict as exc:
            return _closed(request, str(exc.message), 410)
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
            for detail in exc.details or []:
                field = detail.get("field")
                if field in form.fields and field not in form.errors:
                    form.add_error(field, str(detail.get("message", "")))
        else:
            return render(request, "survey/thanks.html", {"unit": invitation.unit})
    context = {"form": form, "unit": invitation.unit, "invitation": invitation}
    return render(request, "survey/answer.html", context, status=status)


def _filters(request: HttpRequest) -> tuple[IndexFilterForm, selectors.Period, int | None]:
    actor = page_actor(request)
    form = IndexFilterForm(request.GET or None, units=selectors.units_with_answers(actor=actor))
    kind, year, number = form.period_args()
    try:
        period = selectors.period_make(kind, year, number)
    except ValueError:
        form.add_error("number", _("No such period."))
        period = selectors.period_current(kind)
    unit_id = form.cleaned_data.get("unit") if form.is_bound and form.is_valid() else None
    return form, period, unit_id


@requires("survey.view")
def index_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form, period, unit_id = _filters(request)
    units = selectors.ikm_by_unit(actor=actor, start=period.start, end=period.end)
    if unit_id:
        units = [u for u in units if u.unit_id == unit_id]
    total = selectors.ikm_total(actor=actor, start=period.start, end=period.end, unit_id=unit_id)
    labels = [str(label) for _name, label in ELEMENTS]
    chart = {
        "labels": labels,
        "label": _("NRR per element (1-4)"),
        "values": [float(e.nrr) for e in total.elements],
    }
    context: dict[str, Any] = {
        "form": form,
        "period": period,
        "units": units,
        "total": total,
        "elements": list(zip(labels, total.elements, strict=False)),
        "chart": chart,
        "query": request.GET.urlencode(),
        "counts": selectors.answered_counts(actor=actor, start=period.start, end=period.end),
    }
    return render(request, "survey/index.html", context)


@requires("survey.view")
def export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    actor = page_actor(request)
    _form, period, unit_id = _filters(request)
    units = selectors.ikm_by_unit(actor=actor, start=period.start, end=period.end)
    if unit_id:
        units = [u for u in units if u.unit_id == unit_id]
    name = f"ikm-{period.kind}-{period.year}-{period.number}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(export.as_csv(period, units), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.as_xlsx(period, units),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
