from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.scoping import Actor
from warga.core.tables import Filter, table_response
from warga.regions.models import RegionLevel
from warga.regions.selectors import area_regions

from . import selectors, services, tables
from .audience import audience
from .broadcasts import broadcast_preview, invitation_recipients, invitation_request
from .forms import KEYWORD_EXAMPLES, BroadcastForm, InvitationForm, ReasonForm, SimulatorSendForm
from .models import BroadcastStatus, InvitationStatus
from .phones import normalize_msisdn


@requires("sms.simulator")
def simulator_view(request: HttpRequest) -> HttpResponse:
    """What each phone would have received, on the embedded set-up with the development gateway,
    and a phone of one's own: an SMS typed here takes the path a real incoming SMS takes."""
    if settings.SMS_GATEWAY != "development":
        raise Http404
    actor = page_actor(request)
    form = SimulatorSendForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        incoming = services.sms_incoming_receive(
            sender=form.cleaned_data["phone"],
            text=form.cleaned_data["text"],
            gateway="simulator",
            gateway_ref=form.cleaned_data["ref"],
        )
        audit_record(actor=actor, action="messaging.simulator.incoming", obj=incoming, summary={})
        messages.success(request, _("Sent as the resident. The answer appears below in a moment."))
        return redirect(f"{request.path}?{urlencode({'phone': form.cleaned_data['phone']})}")
    phone = None
    error = None
    if request.GET.get("phone"):
        try:
            phone = normalize_msisdn(request.GET["phone"])
        except InvalidInput as exc:
            error = str(exc)
    context = {
        "phones": simulator_phones_list(),
        "phone": phone,
        "error": error,
        "form": form,
        "sms_list": selectors.simulator_conversation(phone=phone),
        "keywords": KEYWORD_EXAMPLES,
    }
    template = (
        "messaging/_simulator_list.html" if request.headers.get("HX-Request") else "messaging/simulator.html"
    )
    return render(request, template, context)


def simulator_phones_list() -> list[str]:
    return selectors.simulator_phones()


# --- broadcasts ------------------------------------------------------------------------------


def _areas(actor: Actor) -> list[tuple[str, str]]:
    regions = area_regions(actor.area_code, [RegionLevel.KABUPATEN, RegionLevel.KECAMATAN, RegionLevel.DESA])
    return [(r.code, ("— " if r.level == RegionLevel.DESA else "") + r.display_name) for r in regions]


@requires("sms.broadcast_create", "sms.stats")
def broadcast_list_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    status = request.GET.get("status", "")
    if status not in BroadcastStatus.values:
        status = ""
    broadcasts = selectors.broadcasts_list(actor=actor, status=status)
    shown = [Filter("status", _("Status"), BroadcastStatus(status).label, status)] if status else []
    answer = table_response(request, tables.BROADCASTS, broadcasts, filters=shown)
    if answer is not None:
        return answer
    page = paginate(request, broadcasts)
    return render(
        request,
        "messaging/broadcast_list.html",
        {
            "page": page,
            "status": status,
            "statuses": BroadcastStatus.choices,
            "can_create": actor.can("sms.broadcast_create"),
        },
    )


@requires("sms.broadcast_create")
def broadcast_create_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = BroadcastForm(request.POST or None, areas=_areas(actor))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form=form):
            if request.POST.get("action") == "preview":
                preview = broadcast_preview(
                    actor=actor, text=data["text"], area_code=data["area"], segment=form.segment()
                )
            else:
                broadcast = services.broadcast_create(
                    actor=actor,
                    name=data["name"],
                    text=data["text"],
                    area_code=data["area"],
                    segment=form.segment(),
                    scheduled_for=data["scheduled_for"],
                )
                messages.success(
                    request, _("Broadcast saved. Another supervisor must approve it before it is sent.")
                )
                return redirect("messaging:broadcast_detail", pk=broadcast.pk)
    template = (
        "messaging/_preview.html" if request.headers.get("HX-Request") else "messaging/broadcast_form.html"
    )
    return render(request, template, {"form": form, "preview": preview})


@requires("sms.stats", "sms.broadcast_create", "sms.broadcast_approve")
def broadcast_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    broadcast = selectors.broadcast_get(actor=actor, broadcast_id=pk)
    context = {
        "b": broadcast,
        "stats": selectors.broadcast_stats(broadcast),
        "can_approve": actor.can("sms.broadcast_approve") and broadcast.created_by_id != actor.id,
        "can_cancel": actor.can("sms.broadcast_create") or actor.can("sms.broadcast_approve"),
        "reject_form": ReasonForm(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "messaging/_broadcast_progress.html", context)
    return render(request, "messaging/broadcast_detail.html", context)


@requires("sms.broadcast_approve")
def _broadcast_approve(request: HttpRequest, pk: int) -> None:
    with service_errors(request):
        services.broadcast_approve(actor=page_actor(request), broadcast_id=pk)
        messages.success(request, _("Broadcast approved."))


@requires("sms.broadcast_approve")
def _broadcast_reject(request: HttpRequest, pk: int) -> None:
    with service_errors(request):
        services.broadcast_reject(
            actor=page_actor(request), broadcast_id=pk, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Broadcast refused."))


@requires("sms.broadcast_create", "sms.broadcast_approve")
def _broadcast_cancel(request: HttpRequest, pk: int) -> None:
    with service_errors(request):
        services.broadcast_cancel(actor=page_actor(request), broadcast_id=pk)
        messages.success(request, _("Broadcast cancelled."))


_BROADCAST_DECISIONS = {
    "approve": _broadcast_approve,
    "reject": _broadcast_reject,
    "cancel": _broadcast_cancel,
}


@requires("sms.broadcast_create", "sms.broadcast_approve")
@require_POST
def broadcast_decide_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One route for the three decisions; each declares who may take it."""
    decide = _BROADCAST_DECISIONS.get(action)
    if decide is None:
        raise Http404
    decide(request, pk)
    return redirect("messaging:broadcast_detail", pk=pk)


@requires("sms.stats")
def stats_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    rows = selectors.daily_stats(actor=actor, days=days)
    period = max(1, min(days, 366))  # as the selector reads it
    answer = table_response(
        request,
        tables.STATS,
        [r for r in rows if r["total"]],
        filters=[Filter("days", _("Days"), str(period), str(period))],
    )
    if answer is not None:
        return answer
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("total", "segments", "delivered", "failed", "expired", "sent", "queued", "cancelled")
    }
    health = selectors.sms_queue_health()
    return render(
        request, "messaging/stats.html", {"rows": rows, "totals": totals, "days": days, "health": health}
    )


# --- invitations -----------------------------------------------------------------------------


@requires("sms.invitations_moderate")
def invitation_list_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            _invitation_for_resident(actor, form.cleaned_data)
            messages.success(request, _("Invitation request saved; approve it below to send it."))
            return redirect("messaging:invitations")
    status = request.GET.get("status", InvitationStatus.PENDING)
    if status not in InvitationStatus.values:
        status = ""  # "all"
    invitations = selectors.invitations_list(actor=actor, status=status)
    if request.method == "GET":
        shown = [Filter("status", _("Status"), InvitationStatus(status).label, status)] if status else []
        answer = table_response(request, tables.INVITATIONS, invitations, filters=shown)
        if answer is not None:
            return answer
    page = paginate(request, invitations)
    for invitation in page.object_list:
        if invitation.status == InvitationStatus.PENDING:
            invitation.recipients = invitation_recipients(invitation)  # type: ignore[attr-defined]
    if page.object_list:
        audit_record(
            actor=actor, action="messaging.invitation.list", summary={"shown": len(page.object_list)}
        )
    return render(
        request,
        "messaging/invitations.html",
        {"page": page, "form": form, "status": status, "statuses": InvitationStatus.choices},
    )


def _invitation_for_resident(actor: Actor, data: dict[str, Any]) -> Any:
    """At the desa office: the operator files the request for a resident with a verified number."""
    resident, number = audience().resident_with_verified_number(actor=actor, nik=data["nik"])
    if resident is None:
        raise InvalidInput(_("No resident with this NIK in your desa."))  # a typed NIK: not a 404
    if number is None:
        raise InvalidInput(_("The resident has no verified phone number; verify one first."))
    return invitation_request(
        resident=resident,
        number=number,
        scope=data["scope"],
        text=data["text"],
        channel="desa_office",
        actor=actor,
    )


@requires("sms.invitations_moderate")
@require_POST
def invitation_decide_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = page_actor(request)
    if action not in ("approve", "refuse"):
        raise Http404
    with service_errors(request):
        if action == "approve":
            services.invitation_approve(actor=actor, invitation_id=pk)
            messages.success(request, _("Invitation approved and being sent."))
        else:
            services.invitation_refuse(actor=actor, invitation_id=pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("Invitation refused; the resident gets an SMS with the reason."))
    return redirect("messaging:invitations")
