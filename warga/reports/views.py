from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm
from warga.core.pagination import paginate
from warga.core.permissions import requires
from warga.core.scoping import Actor

from .models import ReportStatus
from .selectors import reports_list


class ReportFilter(StyledForm):
    q = forms.CharField(label=_("Search the text"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *ReportStatus.choices]
    )


@requires("reports.view")
def report_list_view(request: HttpRequest) -> HttpResponse:
    actor = Actor.for_user(request.user)
    if not actor.can("reports.view"):
        raise PermissionDenied
    form = ReportFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = reports_list(actor=actor, status=data.get("status", ""), query=data.get("q", ""))
    return render(request, "reports/list.html", {"form": form, "page": paginate(request, qs)})
