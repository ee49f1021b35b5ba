from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from warga.core.forms import StyledModelForm
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.tables import Filter, table_response

from . import tables
from .models import Unit, UnitKind
from .services import UNIT_EDITABLE, unit_update


class UnitForm(StyledModelForm):
    class Meta:
        model = Unit
        fields = list(UNIT_EDITABLE)


@requires("org.units.view")
def unit_list_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    qs = Unit.objects.select_related("area").order_by("kind", "name")
    shown: list[Filter] = []
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(topics__icontains=q) | Q(head_name__icontains=q))
        shown.append(Filter("q", _("Search"), q, private=True))
    kind = request.GET.get("kind", "")
    if kind in UnitKind.values:
        qs = qs.filter(kind=kind)
        shown.append(Filter("kind", _("Type"), UnitKind(kind).label, kind))
    answer = table_response(request, tables.UNITS, qs, filters=shown)
    if answer is not None:
        return answer
    return render(
        request,
        "org/unit_list.html",
        {"page": paginate(request, qs), "kinds": UnitKind.choices, "can_edit": actor.can("org.units.manage")},
    )


@requires("org.units.manage")
def unit_edit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = page_actor(request)
    unit = get_object_or_404(Unit, pk=unit_id)
    form = UnitForm(request.POST or None, instance=Unit.objects.get(pk=unit.pk))
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            unit_update(
                actor=actor, unit_id=unit.pk, changes={f: form.cleaned_data[f] for f in UNIT_EDITABLE}
            )
            messages.success(request, _("Changes saved."))
            return redirect("org:unit_list")
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})
