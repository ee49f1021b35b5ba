"""Bulk work on the handler's inbox: assign the ticked cases to one unit — preview what will
change, confirm with the signed preview (`services/bulk.py`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warga.core.errors import Conflict
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, requires

from . import capabilities as caps
from .services.bulk import MAX_ASSIGN, AssignPlan, assign_token, case_assign_plan, cases_assign_many
from .views import _units

STALE_CODES = ("reports.bulk_stale", "reports.bulk_token")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@requires(caps.HANDLE)
@require_POST
def bulk_assign_view(request: HttpRequest) -> HttpResponse:
    """The ticked cases of the inbox and the unit chosen: a preview of each case (the action it
    takes, or why it cannot), then the confirmation; a changed selection answers 409 with the
    new preview."""
    actor = page_actor(request)
    ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()][: MAX_ASSIGN + 1]
    unit_id = _int(request.POST.get("unit"))
    plan: AssignPlan | None = None
    token, stale, status = "", "", 200
    if request.POST.get("step") == "confirm":
        with service_errors(request):
            try:
                n = cases_assign_many(
                    actor=actor, case_ids=ids, unit_id=unit_id, token=request.POST.get("token", "")
                )
            except Conflict as exc:
                if exc.code not in STALE_CODES:
                    raise
                stale, status = str(exc), 409
            else:
                messages.success(request, _("%(n)d cases assigned.") % {"n": n})
                return redirect("reports:list")
    with service_errors(request):
        plan = case_assign_plan(actor=actor, case_ids=ids, unit_id=unit_id)
        token = assign_token(plan) if plan.ok else ""
    context = {
        "plan": plan,
        "token": token,
        "stale": stale,
        "ids": ids,
        "unit_id": unit_id,
        "units": _units(),
    }
    return render(request, "reports/bulk_assign.html", context, status=status)
