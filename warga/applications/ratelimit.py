"""Per-IP rate limits for the public pages (tracking, verification, online form) in the cache."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from warga.core.middleware import client_ip
from warga.core.ratelimit import over_limit

DEFAULT_LIMITS = {
    "track": (30, 600),  # 30 look-ups per 10 minutes and IP
    "verify": (30, 600),
    "apply": (10, 3600),
    "resubmit": (10, 3600),  # corrected scans sent from the tracking page
}


def rate_limited(request: HttpRequest, bucket: str) -> bool:
    """Count one hit; True when this IP went over the bucket's limit in the window."""
    limit, window = getattr(settings, "APPLICATIONS_RATE_LIMITS", {}).get(bucket, DEFAULT_LIMITS[bucket])
    key = f"applications:rl:{bucket}:{client_ip(request) or 'unknown'}"
    return over_limit(key, limit=limit, window=window)
