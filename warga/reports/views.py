from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires

from .models import CaseStatus as ReportStatus
from .selectors import reports_list


class ReportFilter(StyledForm):
    q = forms.CharField(label=_("Search the text"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *ReportStatus.choices]
    )


@requires("reports.view")
def report_list_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = ReportFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = reports_list(actor=actor, status=data.get("status", ""), query=data.get("q", ""))
    return render(request, "reports/list.html", {"form": form, "page": paginate(request, qs)})
