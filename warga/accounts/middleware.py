from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/", "/logout", "/account/2fa", "/api/", "/track", "/verify")


class SecondFactorMiddleware:
    """Administrators must have a confirmed TOTP second factor before they can do anything."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and user.needs_totp()  # type: ignore[union-attr]
            and not user.totp_enabled  # type: ignore[union-attr]
        ):
            return redirect(reverse("accounts:totp_setup"))
        return self.get_response(request)
