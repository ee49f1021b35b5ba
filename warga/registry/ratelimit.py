"""The public NIK check's limit per client address, one budget for the API and the page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from warga.core.middleware import client_ip
from warga.core.ratelimit import over_limit


def nik_check_limited(request: HttpRequest) -> bool:
    """Count one check; True when this address went over NIK_CHECK_RATE_PER_MINUTE this minute.
    A fixed window kept in the shared cache (all workers see it)."""
    limit = int(getattr(settings, "NIK_CHECK_RATE_PER_MINUTE", 30))
    window = int(timezone.now().timestamp() // 60)
    key = f"registry:nikcheck:{client_ip(request) or 'unknown'}:{window}"
    return over_limit(key, limit=limit, window=120)
