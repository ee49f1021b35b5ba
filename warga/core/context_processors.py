from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .nav import groups_for
from .scoping import Actor


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = Actor.for_user(getattr(request, "user", None))
    return {
        "actor": actor,
        "nav_groups": groups_for(actor, request.path) if actor.is_authenticated else [],
        "sms_gateway": settings.SMS_GATEWAY,
    }
