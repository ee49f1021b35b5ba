from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

_NAME_CACHE: dict[str, str] = {}


def installation(request: HttpRequest) -> dict[str, str]:
    """The installation's name in the page header: WARGA_REGION_NAME_OVERRIDE, or the name of
    the region Warga is installed for (read once per process)."""
    return {"installation_name": settings.WARGA_REGION_NAME_OVERRIDE or _installation_name()}


def _installation_name() -> str:
    code = settings.WARGA_REGION_CODE
    if code not in _NAME_CACHE:
        from .models import Region

        region = Region.objects.filter(code=code).only("name").first()
        if region is None:
            return "Warga"
        _NAME_CACHE[code] = region.name
    return _NAME_CACHE[code]
