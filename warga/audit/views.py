from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from warga.core.forms import StyledForm
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.tables import form_filters, table_response

from . import tables
from .selectors import audit_search


class AuditFilter(StyledForm):
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    username = forms.CharField(label=_("Officer"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@requires("audit.view")
def audit_list_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    form = AuditFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = audit_search(actor=actor, **{k: v for k, v in filters.items() if v})
    answer = table_response(request, tables.ENTRIES, qs, filters=form_filters(form))
    if answer is not None:
        return answer
    page = paginate(request, qs)
    return render(request, "audit/list.html", {"form": form, "page": page})
