from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .home import panels_for
from .scoping import Actor


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    actor = Actor.for_user(request.user)
    return render(request, "core/home.html", {"panels": panels_for(request, actor)})


@never_cache
def healthz_view(request: HttpRequest) -> JsonResponse:
    """Public liveness/readiness: database and task queue reachable, SMS going out (the head of
    the SMS queue's age and the dispatcher's lease: warga.messaging.selectors.sms_queue_health).
    Reveals nothing else."""
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
    sms: dict[str, object] = {"status": "error"}
    if checks["database"] == "ok":
        try:
            from warga.messaging.selectors import sms_queue_health

            health = sms_queue_health()
            sms = {
                "status": "ok" if health.healthy else "stalled",
                "oldest_waiting_seconds": health.oldest_wait_seconds,
                "dispatcher": health.dispatcher or None,
                "dispatcher_live": health.dispatcher_live,
                "heartbeat": health.heartbeat_at.isoformat() if health.heartbeat_at else None,
            }
        except Exception:
            sms = {"status": "error"}
    healthy = all(v == "ok" for v in checks.values()) and sms["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks, "sms": sms}, status=200 if healthy else 503
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
