"""Outreach pages (planning, results, devices) and the field app's shell, manifest and service worker."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from warga.audit.services import audit_record
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import Actor, in_scope
from warga.core.tables import Filter, table_response
from warga.core.workdays import WorkCalendar
from warga.regions.models import Region

from . import review, selectors, services, sync, tables
from .capabilities import OUTREACH_DEVICES, OUTREACH_PLAN, OUTREACH_REVIEW, OUTREACH_VIEW
from .forms import AnnounceForm, EventForm, ExtendForm, PlannerForm, TeamForm
from .models import Assignment, Device, EventStatus, OutreachEvent, TargetKind
from .planner import plan_outreach


# --- Events ------------------------------------------------------------------------------------
def _event_filters(actor: Actor, status: str, team_id: str) -> list[Filter]:
    shown = []
    if status:
        shown.append(Filter("status", _("Status"), EventStatus(status).label, status))
    team = selectors.teams_visible(actor=actor).filter(pk=int(team_id)).first() if team_id.isdigit() else None
    if team is not None:
        shown.append(Filter("team", _("Team"), team.name, str(team.pk)))
    return shown


@requires(OUTREACH_VIEW)
def events_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    status = request.GET.get("status", "")
    if status not in EventStatus.values:
        status = ""
    team_id = request.GET.get("team", "")
    events = selectors.events_with_counts(
        actor=actor, status=status, team_id=int(team_id) if team_id.isdigit() else None
    )
    answer = table_response(request, tables.EVENTS, events, filters=_event_filters(actor, status, team_id))
    if answer is not None:
        return answer
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/events.html",
        {
            "page": page,
            "status": status,
            "statuses": EventStatus.choices,
            "teams": selectors.teams_visible(actor=actor),
            "team_id": team_id,
            "can_plan": actor.can(OUTREACH_PLAN),
        },
    )


@requires(OUTREACH_PLAN)
@require_http_methods(["GET", "POST"])
def event_create_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = EventForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form=form):
            event = services.event_create(
                actor=actor,
                team=data["team"],
                day=data["date"],
                desa=Region.objects.get(code=data["desa"]),
                meeting_point=data["meeting_point"],
                services=data["services"],
                dusun=data["dusun"],
            )
            messages.success(request, _("Outreach day planned. Build its target list next."))
            return redirect("outreach:event", pk=event.pk)
    return render(request, "outreach/event_form.html", {"form": form})


@requires(OUTREACH_VIEW)
def event_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = page_actor(request)
    event = in_scope(selectors.events_with_counts(actor=actor), pk=pk)
    kind = request.GET.get("kind", "")
    if kind not in TargetKind.values:
        kind = ""
    shown = [
        Filter(
            "event",
            _("Outreach day"),
            f"{date_format(event.date)} · {event.desa.display_name}",
            str(event.pk),
        )
    ]
    if kind:
        shown.append(Filter("kind", _("Kind"), TargetKind(kind).label, kind))
    answer = table_response(
        request, tables.TARGETS, selectors.event_targets(event=event, kind=kind), filters=shown
    )
    if answer is not None:
        return answer
    page = Paginator(selectors.event_targets(event=event, kind=kind), 50).get_page(request.GET.get("page"))
    signing = [t.resident_id for t in page.object_list if t.kind == TargetKind.APPLICATION_SIGNATURE]
    if signing:
        unsigned = selectors.unsigned_applications_of(actor=actor, resident_ids=signing)
        for target in page.object_list:
            if target.kind == TargetKind.APPLICATION_SIGNATURE:
                target.applications = unsigned.get(target.resident_id, [])  # type: ignore[attr-defined]
    if page.object_list:
        audit_record(
            actor=actor,
            action="outreach.event.targets_view",
            obj=event,
            summary={"residents": len(page.object_list), "page": page.number},
        )
    return render(
        request,
        "outreach/event.html",
        {
            "event": event,
            "page": page,
            "kind": kind,
            "kinds": TargetKind.choices,
            "announce_form": AnnounceForm(initial={"text": _default_announcement(event)}),
            "sync_summary": selectors.sync_summary(event=event),
            "can_plan": actor.can(OUTREACH_PLAN),
            "open": event.status in (EventStatus.PLANNED, EventStatus.ANNOUNCED),
        },
    )


def _default_announcement(event: OutreachEvent) -> str:
    return _(
        "Jemput bola Disdukcapil: %(date)s at %(place)s, %(desa)s. Services: %(services)s. Bring your KK."
    ) % {
        "date": event.date.strftime("%d-%m-%Y"),
        "place": event.meeting_point,
        "desa": event.desa.display_name,
        "services": ", ".join(event.service_labels()),
    }


@requires(OUTREACH_PLAN)
@require_POST
def event_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = page_actor(request)
    event = in_scope(OutreachEvent.objects.all(), pk=pk)
    with service_errors(request):
        if action == "targets":
            counts = services.event_targets_build(actor=actor, event=event)
            messages.success(request, _("Target list built: %(n)d residents.") % {"n": sum(counts.values())})
        elif action == "announce":
            form = AnnounceForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Write the announcement text."))
            else:
                if services.event_announce(actor=actor, event=event, text=form.cleaned_data["text"]):
                    messages.success(
                        request,
                        _("Announced on the village board; the SMS waits for a supervisor's approval."),
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "Announced on the village board. No SMS: nobody targeted has a verified number with consent."
                        ),
                    )
        elif action in ("done", "cancel"):
            services.event_close(actor=actor, event=event, cancelled=action == "cancel")
            messages.success(request, _("Event closed."))
        else:
            raise PermissionDenied
    return redirect("outreach:event", pk=event.pk)


# --- Teams -------------------------------------------------------------------------------------
@requires(OUTREACH_VIEW)
@require_http_methods(["GET", "POST"])
def teams_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _team_create(request)
    actor = page_actor(request)
    form = TeamForm(actor=actor) if actor.can(OUTREACH_PLAN) else None
    return _teams_page(request, form)


@requires(OUTREACH_PLAN)
def _team_create(request: HttpRequest) -> HttpResponse:
    """The teams page's form: only planners send it."""
    actor = page_actor(request)
    form = TeamForm(request.POST, actor=actor)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form=form):
            services.team_create(
                actor=actor,
                name=data["name"],
                area=Region.objects.get(code=data["area"]),
                members=list(data["members"]),
                capacity_per_day=data["capacity_per_day"],
                vehicles=data["vehicles"],
                equipment=data["equipment"],
            )
            messages.success(request, _("Team created."))
            return redirect("outreach:teams")
    return _teams_page(request, form)


def _teams_page(request: HttpRequest, form: TeamForm | None) -> HttpResponse:
    teams = selectors.teams_visible(actor=page_actor(request))
    return render(request, "outreach/teams.html", {"teams": teams, "form": form})


# --- Planner and results -----------------------------------------------------------------------
@requires(OUTREACH_PLAN)
@require_http_methods(["GET", "POST"])
def planner_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = PlannerForm(request.POST or None, actor=actor)
    plan = None
    desas: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = Region.objects.get(code=data["area"])
        statuses = list(data["statuses"])
        if "printed" in statuses:
            statuses.append("sent_to_kecamatan")
        desas = selectors.desa_targets(actor=actor, area=area, statuses=statuses)
        plan = plan_outreach(
            desas=desas,
            teams=data["teams"],
            capacity=data["capacity"],
            start=data["start"],
            deadline=data["deadline"],
            lead_days=data["lead_days"],
            min_visit=data["min_visit"],
            calendar=WorkCalendar(),
        )
    return render(
        request,
        "outreach/planner.html",
        {
            "form": form,
            "plan": plan,
            "desas": [
                {
                    "name": d.name,
                    "code": d.code,
                    "targets": d.targets,
                    "served": plan.served_by_desa.get(d.code, 0),
                }
                for d in desas
            ]
            if plan
            else [],
        },
    )


@requires("outreach.stats")
def results_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    events = selectors.events_with_counts(actor=actor).exclude(status=EventStatus.CANCELLED)
    answer = table_response(request, tables.EVENTS, events)
    if answer is not None:
        return answer
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/results.html",
        {
            "teams": selectors.results_by_team(actor=actor),
            "page": page,
            "counts_only": not actor.can(OUTREACH_VIEW),  # the regional head: no event pages
        },
    )


# --- Devices -----------------------------------------------------------------------------------
@requires(OUTREACH_DEVICES)
def devices_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    page = Paginator(selectors.devices_visible(actor=actor), 25).get_page(request.GET.get("page"))
    assignments = (
        selectors.assignments_visible(actor=actor).filter(expires_at__gte=timezone.now() - timedelta(days=30))
    )[:50]
    return render(
        request,
        "outreach/devices.html",
        {"page": page, "assignments": assignments, "extend_form": ExtendForm(), "now": timezone.now()},
    )


@requires(OUTREACH_DEVICES)
@require_http_methods(["GET", "POST"])
def device_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoking asks first, showing the phone's last contact and the records it said it held."""
    actor = page_actor(request)
    device = in_scope(Device.objects.select_related("user"), pk=pk)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        with service_errors(request):
            services.device_revoke(actor=actor, device=device)
            messages.success(
                request,
                _(
                    "Device revoked. At its next contact the app hands the records it holds to review, "
                    "then removes its data."
                ),
            )
        return redirect("outreach:devices")
    return render(request, "outreach/device_revoke.html", {"device": device})


# --- Review of what revoked phones handed over -----------------------------------------------------
@requires(OUTREACH_REVIEW)
@require_http_methods(["GET", "POST"])
def review_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    if request.method == "POST":
        try:
            record_id = int(request.POST.get("record", ""))
        except ValueError:
            raise Http404 from None
        with service_errors(request):
            if request.POST.get("decision") == "accept":
                review.quarantined_accept(actor=actor, record_id=record_id)
                messages.success(request, _("Record accepted and applied."))
            elif request.POST.get("decision") == "reject":
                review.quarantined_reject(
                    actor=actor, record_id=record_id, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Record rejected."))
        return redirect("outreach:review")
    pending = list(selectors.quarantined_records(actor=actor)[:200])
    subjects = review.quarantined_subjects(pending)
    for held in pending:
        held.subject = subjects.get(held.pk, "")  # type: ignore[attr-defined]
    decided = selectors.quarantined_records(actor=actor, pending=False).exclude(status="pending")
    return render(
        request,
        "outreach/review.html",
        {"pending": pending, "decided": decided.order_by("-decided_at")[:50]},
    )


@requires(OUTREACH_VIEW)
@require_http_methods(["GET", "POST"])
def moved_notices_view(request: HttpRequest) -> HttpResponse:
    """Field records applied to residents who now live here (moved after the list was downloaded)."""
    actor = page_actor(request)
    if request.method == "POST":
        try:
            notice_id = int(request.POST.get("notice", ""))
        except ValueError:
            raise Http404 from None
        with service_errors(request):
            services.moved_notice_mark_seen(actor=actor, notice_id=notice_id)
            messages.success(request, _("Marked as seen."))
        return redirect("outreach:moved")
    notices = selectors.moved_resident_notices(actor=actor, open_only=False)[:100]
    return render(request, "outreach/moved.html", {"notices": notices})


@requires(OUTREACH_DEVICES)
@require_POST
def assignment_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    assignment = in_scope(Assignment.objects.all(), pk=pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Extend by 1 to 14 days."))
    else:
        with service_errors(request):
            services.assignment_extend(actor=actor, assignment=assignment, days=form.cleaned_data["days"])
            messages.success(request, _("Assignment extended."))
    return redirect("outreach:devices")


# --- The field app: shell, manifest, service worker ---------------------------------------------
APP_STATIC = [
    "vendor/dexie/dexie.min.js",
    "vendor/alpinejs/alpine.min.js",
    "outreach/app.css",
    "outreach/crypto.js",
    "outreach/app.js",
    "outreach/icon-192.png",
    "outreach/icon-512.png",
]
WORKBOX_MODULES = [
    "workbox-sw.js",
    "workbox-core.prod.js",
    "workbox-precaching.prod.js",
    "workbox-routing.prod.js",
]


@lru_cache(maxsize=1)
def _static_digest() -> str:
    """A digest of the app's static files, so a new release makes the phones update the shell."""
    h = hashlib.sha256()
    for path in APP_STATIC + [f"vendor/workbox/{m}" for m in WORKBOX_MODULES]:
        found = finders.find(path)
        if found:
            with open(found, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:16]


def _shell_html(request: HttpRequest) -> str:
    config = {"batch": sync.PHONE_BATCH}
    return render_to_string(
        "outreach/app.html", {"strings": _app_strings(), "config": config}, request=request
    )


@public
def app_view(request: HttpRequest) -> HttpResponse:
    """The field app's single page. It holds no personal data: the service worker caches it."""
    get_token(request)  # the app reads the CSRF cookie to register the phone
    response = HttpResponse(_shell_html(request))
    response["Cache-Control"] = "no-cache"
    return response


@public
def manifest_view(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("Warga Jemput Bola"),
        "short_name": _("Jemput Bola"),
        "description": _("Offline field app for outreach officers"),
        "start_url": "/outreach/app/",
        "scope": "/outreach/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#198754",
        "lang": "id",
        "icons": [
            {
                "src": static("outreach/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("outreach/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def precache_entries(request: HttpRequest) -> list[dict[str, str | None]]:
    """What the service worker stores at install: the shell, the manifest and the static files."""
    shell_rev = hashlib.sha256(_shell_html(request).encode()).hexdigest()[:16]
    entries: list[dict[str, str | None]] = [
        {"url": "/outreach/app/", "revision": shell_rev},
        {"url": "/outreach/app/manifest.webmanifest", "revision": _static_digest()},
    ]
    entries += [{"url": static(path), "revision": _static_digest()} for path in APP_STATIC]
    return entries


@public
def service_worker_view(request: HttpRequest) -> HttpResponse:
    prefix = settings.STATIC_URL.rstrip("/") + "/vendor/workbox/"
    body = render_to_string(
        "outreach/sw.js",
        {
            "workbox_sw": static("vendor/workbox/workbox-sw.js"),
            "module_prefix": json.dumps(prefix),
            "precache": json.dumps(precache_entries(request)),
            "version": _static_digest(),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/outreach/app/"
    response["Cache-Control"] = "no-cache"
    return response


def _app_strings() -> dict[str, str]:
    """Every message the app's script shows, translated on the server."""
    return {
        "offline": _("Offline"),
        "online": _("Online"),
        "waiting": _("Waiting"),
        "sent": _("Sent"),
        "attention": _("Needs attention"),
        "sending": _("Sending…"),
        "pin_short": _("The PIN must have at least 6 digits."),
        "pin_mismatch": _("The two PINs differ."),
        "pin_wrong": _("Wrong PIN."),
        "pin_locked": _("Too many wrong PINs. Wait a minute and try again."),
        "login_first": _("Log in first (you need a signal), then come back to this page."),
        "registered": _("This phone is registered."),
        "register_failed": _("The phone could not be registered: %s"),
        "no_network": _("No connection. Your records are safe on the phone; they will be sent later."),
        "downloaded": _("Assignment downloaded: %s residents."),
        "download_failed": _("The assignment could not be downloaded: %s"),
        "saved": _("Saved on the phone. It will be sent when there is a signal."),
        "sync_done": _("Sync finished: %s sent, %s waiting, %s need attention."),
        "revoked": _(
            "This phone was revoked by an administrator. Its records were handed to a supervisor for "
            "review and its data was removed."
        ),
        "revoked_pending": _(
            "This phone was revoked. Its records stay on it until each one has reached the server for "
            "review; keep the app open with a signal."
        ),
        "closed": _("Already done; nothing to send"),
        "review": _("Handed to a supervisor for review"),
        "refused": _("Not accepted"),
        "field_other": _("Other data"),
        "expired": _("The assignment expired. Your records are kept; ask your supervisor to extend it."),
        "not_found": _("Nobody found. Check the NIK or the spelling of the name."),
        "choose_resident": _("Choose a resident first."),
        "photo_big": _("The photo could not be made small enough; take it again closer."),
        "photo_not_image": _("This file is not a photo."),
        "confirm_discard": _("Discard this record? It will not be sent."),
        "confirm_wipe": _("Remove all data from this phone? Records not yet sent will be lost."),
        "unsent_left": _("%s records are not sent yet."),
        "retry_in": _("next try in %s s"),
        "clock": _("Phone clock"),
        "kind_ktp_recording": _("KTP-el recording"),
        "kind_application": _("Application"),
        "kind_correction": _("Correction"),
        "kind_report": _("Report"),
        "kind_signature": _("Signature"),
        "target_ktp_recording": _("not recorded"),
        "target_card_handover": _("card ready"),
        "target_app_signature": _("signature needed"),
        "no_signature": _("No application of this resident waits for a signature."),
        "server_value": _("On the server now"),
        "your_value": _("Your value"),
        "required": _("Fill in: %s"),
        "months_short": _("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"),
        "sent_group": _("Sent (%s)"),
        "page_range": _("%s–%s of %s"),
        "more_waiting": _("and %s more waiting to be sent"),
        "download": _("Download"),
        "redownload": _("Download again"),
        "downloaded_at": _("On this phone since %s"),
        "downloaded_here": _("On this phone"),
        "redownload_note": _(
            "Downloading again replaces the residents and targets on this phone with the latest list; "
            "records not sent yet stay on the phone and are sent as usual."
        ),
        "updated": _("Assignment updated: %s residents (%s), %s targets (%s)."),
        "updated_same": _("Assignment updated: the residents and targets have not changed."),
    }
