from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor

from .phones import normalize_msisdn
from .selectors import simulator_messages, simulator_phones


@login_required
def simulator_view(request: HttpRequest) -> HttpResponse:
    """What each phone would have received, on the embedded set-up with the development gateway."""
    if settings.SMS_GATEWAY != "development":
        raise Http404
    if not Actor.for_user(request.user).can("sms.simulator"):
        raise PermissionDenied
    phone = None
    error = None
    if request.GET.get("phone"):
        try:
            phone = normalize_msisdn(request.GET["phone"])
        except InvalidInput as exc:
            error = str(exc)
    context = {
        "phones": simulator_phones(),
        "phone": phone,
        "error": error,
        "sms_list": list(simulator_messages(phone=phone)),
    }
    template = "messaging/_simulator_list.html" if request.headers.get("HX-Request") else "messaging/simulator.html"
    return render(request, template, context)
