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
        "installation_name": settings.WARGA_REGION_NAME_OVERRIDE or _installation_name(),
        "sms_gateway": settings.SMS_GATEWAY,
    }


_NAME_CACHE: dict[str, str] = {}


def _installation_name() -> str:
    code = settings.WARGA_REGION_CODE
    if code not in _NAME_CACHE:
        from warga.regions.models import Region

        region = Region.objects.filter(code=code).only("name").first()
        if region is None:
            return "Warga"
        _NAME_CACHE[code] = region.name
    return _NAME_CACHE[code]
