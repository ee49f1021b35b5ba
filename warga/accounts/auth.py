"""API authentication: `Authorization: Bearer <token>`, or the browser session (with CSRF).

Each scopes the rest of the request to the authenticated officer (`request_scope_set`): the
operation's queries of area-bound data see that officer's area only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from warga.core.errors import NotAllowed
from warga.core.scoping import Actor, request_scope_set

from .models import ApiToken
from .services import SECOND_FACTOR_REQUIRED_MESSAGE, second_factor_missing


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.find_active(token)
        if found is None:
            return None
        if second_factor_missing(found.user):
            raise NotAllowed(SECOND_FACTOR_REQUIRED_MESSAGE, code="second_factor_required")
        if not found.last_used_at or (timezone.now() - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        request.actor = Actor.for_user(found.user)  # type: ignore[attr-defined]
        request_scope_set(request.actor)  # type: ignore[attr-defined]
        return found.user


class SessionUser(APIKeyCookie):
    """Session auth for pages that call the API (htmx, the field app). CSRF is checked."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.actor = Actor.for_user(user)  # type: ignore[attr-defined]
            request_scope_set(request.actor)  # type: ignore[attr-defined]
            return user
        return None


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    if actor is None:
        actor = Actor.for_user(getattr(request, "user", None))
        request.actor = actor  # type: ignore[attr-defined]
    return actor


API_AUTH = [BearerToken(), SessionUser()]
