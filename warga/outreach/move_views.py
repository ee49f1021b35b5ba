"""Moving the ticked targets of an outreach day to another day: choose the day, see what will
change (its capacity, the targets refused and why), confirm with the signed preview (`moves.py`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warga.core.errors import Conflict
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, requires
from warga.core.scoping import in_scope

from .capabilities import OUTREACH_PLAN
from .models import OutreachEvent
from .moves import MAX_MOVE, MovePlan, move_destinations, move_token, targets_move_many, targets_move_plan

STALE_CODES = ("outreach.move_stale", "outreach.move_token")


@requires(OUTREACH_PLAN)
@require_POST
def targets_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    event = in_scope(OutreachEvent.objects.select_related("desa", "team"), pk=pk)
    ids = [int(v) for v in request.POST.getlist("target") if v.isdigit()][: MAX_MOVE + 1]
    to = request.POST.get("to", "")
    to_id = int(to) if to.isdigit() else None
    plan: MovePlan | None = None
    token, stale, status = "", "", 200
    if request.POST.get("step") == "confirm":
        with service_errors(request):
            try:
                n = targets_move_many(
                    actor=actor,
                    event=event,
                    target_ids=ids,
                    to_event_id=to_id,
                    token=request.POST.get("token", ""),
                )
            except Conflict as exc:
                if exc.code not in STALE_CODES:
                    raise
                stale, status = str(exc), 409
            else:
                messages.success(request, _("%(n)d targets moved.") % {"n": n})
                return redirect("outreach:event", pk=event.pk)
    if to_id is not None or not ids:
        with service_errors(request):
            plan = targets_move_plan(actor=actor, event=event, target_ids=ids, to_event_id=to_id)
            token = move_token(plan) if plan.ok else ""
    context = {
        "event": event,
        "plan": plan,
        "token": token,
        "stale": stale,
        "ids": ids,
        "to_id": to_id,
        "destinations": move_destinations(actor=actor, exclude=event),
    }
    return render(request, "outreach/targets_move.html", context, status=status)
