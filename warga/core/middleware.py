from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.translation import gettext as _

from .context import RequestContext, bound
from .proxies import client_address_of


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; X-Forwarded-For only from a trusted proxy (`warga.core.proxies`)."""
    return client_address_of(request.META) or None


class RequestContextMiddleware:
    """Binds the request context for audit rows and enforces the session idle timeout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith("/api/")
        if request.user.is_authenticated and not request.headers.get("Authorization"):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if not is_api:
                    messages.info(request, _("Your session expired. Please log in again."))
                    return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.path}")
            elif not last or now - last > 60:
                request.session["last_seen"] = now
        ctx = RequestContext(
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:200],
            channel="api" if is_api else "web",
        )
        with bound(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Pages speak Indonesian unless the person chose English (language cookie).

    Many officers' phones are set to English; the browser's Accept-Language is therefore
    not a choice they made for Warga. The API still follows Accept-Language for integrations.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
