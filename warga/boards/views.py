from __future__ import annotations

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warga.core.errors import NotFound
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.tables import Filter, table_response
from warga.regions.models import RegionLevel

from . import services, tables
from .forms import AnnouncementForm, ModerateForm
from .models import AnnouncementStatus
from .selectors import (
    announcements_list,
    board_areas,
    board_desa,
    board_desas,
    board_desas_of,
    board_feed,
    board_kecamatans,
)


@requires("boards.announce", "boards.moderate")
def announcement_list_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    areas = list(board_areas(actor=actor))
    choices = [
        (
            r.code,
            r.display_name
            if r.level == RegionLevel.DESA
            else _("All desas of %(k)s") % {"k": r.display_name},
        )
        for r in areas
    ]
    form = AnnouncementForm(request.POST or None, areas=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = next(r for r in areas if r.code == data["area"])
        codes = (
            [area.code]
            if area.level == RegionLevel.DESA
            else [d.code for d in board_desas(actor=actor) if area.contains(d.code)]
        )
        with service_errors(request, form=form):
            created = services.announcement_create(
                actor=actor,
                desa_codes=codes,
                text=data["text"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                priority=data["priority"],
            )
            pending = any(a.status == AnnouncementStatus.PENDING for a in created)
            messages.success(
                request,
                _("Announcement saved for %(n)d boards; it waits for moderation.") % {"n": len(created)}
                if pending
                else _("Announcement shown on %(n)d boards.") % {"n": len(created)},
            )
            return redirect("boards:list")
    status = request.GET.get("status", "")
    if status not in AnnouncementStatus.values:
        status = ""
    listed = announcements_list(actor=actor, status=status)
    if request.method == "GET":
        shown = [Filter("status", _("Status"), AnnouncementStatus(status).label, status)] if status else []
        answer = table_response(request, tables.ANNOUNCEMENTS, listed, filters=shown)
        if answer is not None:
            return answer
    page = paginate(request, listed)
    return render(
        request,
        "boards/list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "statuses": AnnouncementStatus.choices,
            "can_moderate": actor.can("boards.moderate"),
            "desas": board_desas(actor=actor)[:500],
        },
    )


@requires("boards.moderate")
@require_POST
def announcement_moderate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("boards:list")
    with service_errors(request):
        services.announcement_moderate(
            actor=actor,
            announcement_id=pk,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Announcement moderated."))
    return redirect("boards:list")


@requires("boards.announce")
@require_POST
def announcement_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    with service_errors(request):
        services.announcement_withdraw(actor=actor, announcement_id=pk)
        messages.success(request, _("Announcement withdrawn."))
    return redirect("boards:list")


@public
def board_choose_view(request: HttpRequest) -> HttpResponse:
    """Residents find their desa's board: the kecamatan, then its desas, as plain links (a region
    code in the query string is not personal)."""
    kecamatans = list(board_kecamatans())
    wanted = request.GET.get("kecamatan", "")
    chosen = next((k for k in kecamatans if k.code == wanted), None)
    return render(
        request,
        "boards/choose.html",
        {"kecamatans": kecamatans, "chosen": chosen, "desas": list(board_desas_of(chosen)) if chosen else []},
    )


@public
def board_tv_view(request: HttpRequest, code: str) -> HttpResponse:
    """The full-screen page a village TV shows all day (public, no login)."""
    desa = board_desa(code)  # NotFound: the page answers 404
    response = render(request, "boards/tv.html", {"desa": desa, "feed": board_feed(desa_code=desa.code)})
    response["Cache-Control"] = "no-cache"
    return response


@public
def board_feed_view(request: HttpRequest, code: str) -> JsonResponse:
    try:
        feed = board_feed(desa_code=code)
    except NotFound:
        return JsonResponse(
            {"code": "not_found", "message": _("This desa has no board."), "details": None}, status=404
        )
    response = JsonResponse(feed, encoder=DjangoJSONEncoder)
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response
