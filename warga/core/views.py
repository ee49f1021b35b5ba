from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from warga.core.permissions import login_only, page_actor, public

from .find import find
from .health import health_checks
from .home import panels_for
from .hygiene import api_error, error_page, is_api
from .portal import cards_for
from .scoping import Actor


@public
def home_view(request: HttpRequest) -> HttpResponse:
    """A signed-in officer's home panels; for anybody else the residents' portal."""
    if not request.user.is_authenticated:
        return render(request, "core/portal.html", {"cards": cards_for(request)})
    actor = Actor.for_user(request.user)
    request.actor = actor  # type: ignore[attr-defined]  # as @login_only hands it on
    return render(request, "core/home.html", {"panels": panels_for(request, actor)})


@login_only
@require_POST
def find_view(request: HttpRequest) -> HttpResponse:
    """The menu's search box: a record by its number, or the register's name search."""
    found = find(page_actor(request), request.POST.get("q", ""))
    if found is None:
        messages.warning(request, _("Nothing found with that number in your area."))
        return redirect("core:home")
    if found.repost:
        return HttpResponseRedirect(found.url, status=307)
    return redirect(found.url)


@public
@never_cache
def healthz_view(request: HttpRequest) -> JsonResponse:
    """Public liveness/readiness: database and task queue reachable, and each check an app
    registered (warga.core.health; messaging's "sms": the head of the SMS queue's age and the
    dispatcher's lease). Reveals nothing else."""
    checks = {"database": "ok", "queue": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        checks["database"] = "error"
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.storage.queue_size()
    except Exception:
        checks["queue"] = "error"
    reported: dict[str, dict[str, object]] = {}
    for name, check in health_checks().items():
        reported[name] = {"status": "error"}
        if checks["database"] == "ok":
            try:
                reported[name] = check()
            except Exception:
                reported[name] = {"status": "error"}
    healthy = all(v == "ok" for v in checks.values()) and all(r["status"] == "ok" for r in reported.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks, **reported}, status=200 if healthy else 503
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(400, "bad_request", _("The request is not valid."))
    return error_page(request, "errors/400.html", 400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(403, "forbidden", _("You do not have permission for this action."))
    return error_page(request, "errors/403.html", 403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(404, "not_found", _("Not found."))
    return error_page(request, "errors/404.html", 404)


def error_500(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(500, "server_error", _("Something went wrong. The error was recorded."))
    # The 500 page never touches the database or static files: either may be what failed.
    return error_page(request, "errors/500.html", 500)
