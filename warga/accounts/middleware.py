from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/", "/logout", "/account/2fa", "/track", "/verify")


class SecondFactorMiddleware:
    """Accounts that must use two-step login can do nothing else until it is set up: pages
    redirect to the set-up page, the API (by session) answers 403 `second_factor_required`.
    Bearer tokens of such accounts are refused in `auth.BearerToken`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .services import SECOND_FACTOR_REQUIRED_MESSAGE, second_factor_missing

        if not request.path.startswith(EXEMPT_PREFIXES) and second_factor_missing(request.user):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "second_factor_required",
                        "message": str(SECOND_FACTOR_REQUIRED_MESSAGE),
                        "details": None,
                    },
                    status=403,
                )
            return redirect(reverse("accounts:totp_setup"))
        return self.get_response(request)
