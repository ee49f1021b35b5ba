"""What the SMS services share: which purposes are transactional, and numeric settings."""

from __future__ import annotations

from django.conf import settings

from ..models import (
    SmsPurpose,
)

TRANSACTIONAL = (SmsPurpose.OTP, SmsPurpose.NOTICE, SmsPurpose.REPLY)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))
