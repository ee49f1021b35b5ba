"""Pages of the stakeholder register: the list (filters and search by POST: nothing personal in
a URL), a stakeholder with its history, the forms, import, export and print (`core.tables`) and
the SMS broadcast to consenting stakeholders. Thin: forms parse, services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warga.core.errors import InvalidInput
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.tables import FORMATS, form_filters, table_response
from warga.messaging.broadcasts import broadcast_create, broadcast_preview

from . import capabilities as caps
from . import selectors, tables
from .forms import ArchiveForm, BroadcastForm, FilterForm, ImportForm, StakeholderForm
from .models import Stakeholder
from .services import (
    stakeholder_archive,
    stakeholder_create,
    stakeholder_update,
    stakeholders_import,
)


@requires(caps.VIEW)
def list_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = FilterForm(request.POST or None, actor=actor)
    filters = form.filters() if request.method == "POST" else selectors.StakeholderFilters()
    qs = selectors.stakeholders_list(actor=actor, filters=filters)
    return render(
        request,
        "stakeholders/list.html",
        {
            "form": form,
            "page": paginate(_paged(request), qs),
            "counts": selectors.stakeholder_counts(actor=actor),
            "can_manage": actor.can(caps.MANAGE),
            "can_broadcast": actor.can("sms.broadcast_create"),
        },
    )


def _paged(request: HttpRequest) -> HttpRequest:
    """The paginator reads `page` from GET; this list posts it with its filters."""
    if request.method == "POST" and request.POST.get("page"):
        query = request.GET.copy()
        query["page"] = request.POST["page"]
        request.GET = query  # type: ignore[assignment]
    return request


@requires(caps.VIEW)
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    stakeholder = selectors.stakeholder_get(actor=actor, pk=pk)
    return render(
        request,
        "stakeholders/detail.html",
        {
            "s": stakeholder,
            "history": selectors.stakeholder_history(stakeholder)[:50],
            "can_manage": actor.can(caps.MANAGE) and stakeholder.active,
            "can_broadcast": actor.can("sms.broadcast_create") and stakeholder.active,
            "archive_form": ArchiveForm(),
        },
    )


@requires(caps.MANAGE)
def new_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = StakeholderForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            stakeholder = stakeholder_create(actor=actor, data=form.to_input())
            messages.success(request, _("The stakeholder was added."))
            return redirect("stakeholders:detail", pk=stakeholder.pk)
    return render(request, "stakeholders/form.html", {"form": form, "title": _("Add a stakeholder")})


def _initial(s: Stakeholder) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "name": s.name,
        "organisation": s.organisation,
        "position": s.position,
        "topics": s.topic_list(),
        "region": s.region_id,
        "unit": str(s.unit_id),
        "phone": s.phone,
        "email": s.email,
        "address": s.address,
        "sms_consent": s.sms_consent,
        "consent_on": s.consent_on,
        "consent_channel": s.consent_channel,
        "consent_evidence": s.consent_evidence,
        "resident_id": s.resident_id,
        "notes": s.notes,
    }


@requires(caps.MANAGE)
def edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    stakeholder = selectors.stakeholder_get(actor=actor, pk=pk)
    form = StakeholderForm(request.POST or None, actor=actor, initial=_initial(stakeholder))
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            stakeholder_update(actor=actor, stakeholder_id=stakeholder.pk, data=form.to_input())
            messages.success(request, _("The changes were saved."))
            return redirect("stakeholders:detail", pk=stakeholder.pk)
    return render(
        request, "stakeholders/form.html", {"form": form, "title": _("Edit a stakeholder"), "s": stakeholder}
    )


@requires(caps.MANAGE)
@require_POST
def archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    stakeholder = selectors.stakeholder_get(actor=actor, pk=pk)
    with service_errors(request):
        stakeholder_archive(actor=actor, stakeholder_id=stakeholder.pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("The stakeholder was archived."))
    return redirect("stakeholders:detail", pk=stakeholder.pk)


@requires(caps.MANAGE)
def import_view(request: HttpRequest) -> HttpResponse:
    """An XLSX workbook: every row is added, or none (each bad row's problems are listed)."""
    actor = page_actor(request)
    form = ImportForm(request.POST or None, request.FILES or None, actor=actor)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = stakeholders_import(
                actor=actor, upload=upload, size=upload.size or 0, unit_id=int(form.cleaned_data["unit"])
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
            problems = [d for d in (exc.details or []) if isinstance(d, dict) and "row" in d]
        else:
            messages.success(request, _("%(n)d stakeholders were imported.") % {"n": count})
            return redirect("stakeholders:list")
    return render(request, "stakeholders/import.html", {"form": form, "problems": problems[:500]})


@requires(caps.MANAGE)
@require_POST
def export_view(request: HttpRequest) -> HttpResponseBase:
    """The list's filters (posted with it) and `format` csv, xlsx or print; the actor's scope.
    The files keep the import's columns (`tables.FILE`), the print view is in words."""
    actor = page_actor(request)
    form = FilterForm(request.POST, actor=actor)
    fmt = request.POST.get("format", "")
    if not form.is_valid() or fmt not in FORMATS:
        messages.error(request, _("Check the filters of the export."))
        return redirect("stakeholders:list")
    qs = selectors.stakeholders_list(actor=actor, filters=form.filters()).order_by("name", "pk")
    # The searched words stay out of the audit row (by name only).
    shown = [f for f in form_filters(form, private=("q",)) if f.name != "page"]
    table = tables.PRINT if fmt == "print" else tables.FILE
    answer = table_response(request, table, qs, filters=shown, fmt=fmt, back=reverse("stakeholders:list"))
    return answer if answer is not None else redirect("stakeholders:list")


@requires(caps.VIEW, also=("sms.broadcast_create",))
def broadcast_view(request: HttpRequest) -> HttpResponse:
    """An SMS broadcast to stakeholders (all of a selection, or one named by `?stakeholder=<id>`):
    the preview counts who is left out and why; it waits for approval on the broadcast's page."""
    actor = page_actor(request)
    initial: dict[str, Any] = {"area": actor.area_code}
    target: Stakeholder | None = None
    raw = request.POST.get("stakeholder") or request.GET.get("stakeholder")
    if raw and raw.isdigit() and len(raw) < 10:
        target = selectors.stakeholder_get(actor=actor, pk=int(raw))
        initial.update(stakeholder=target.pk, area=target.region_id)
    form = BroadcastForm(request.POST or None, actor=actor, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(request, form=form):
            if request.POST.get("action") == "create":
                broadcast = broadcast_create(
                    actor=actor, text=d["text"], area_code=d["area"], segment=form.segment(), name=d["name"]
                )
                messages.success(request, _("The broadcast waits for approval by a supervisor."))
                return redirect("messaging:broadcast_detail", pk=broadcast.pk)
            preview = broadcast_preview(
                actor=actor, text=d["text"], area_code=d["area"], segment=form.segment()
            )
    return render(
        request, "stakeholders/broadcast.html", {"form": form, "preview": preview, "target": target}
    )
