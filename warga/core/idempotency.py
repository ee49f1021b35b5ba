"""`Idempotency-Key` on API POSTs: a retried request gets the first answer, never a second effect.

The key is claimed by inserting its row before the view runs (a unique constraint decides who
wins), so two concurrent retries cannot both run. Same key with another body → 409.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyRecord

RETENTION = timedelta(days=2)


def _owner(request: HttpRequest) -> str:
    credential = request.headers.get("Authorization") or request.COOKIES.get("sessionid") or "anonymous"
    if credential == "anonymous":
        credential += request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(credential.encode()).hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": None}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if not key or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200:
            return _error(422, "invalid_input", _("Idempotency-Key is too long (at most 200 characters)."))
        owner = _owner(request)
        body_hash = hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, method=request.method, path=request.path[:300], body_hash=body_hash
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if existing is None:
                return _error(409, "conflict", _("A request with this Idempotency-Key is being processed."))
            if existing.body_hash != body_hash:
                return _error(
                    409,
                    "idempotency_mismatch",
                    _("This Idempotency-Key was already used with a different request."),
                )
            if existing.status_code is None:
                return _error(409, "conflict", _("A request with this Idempotency-Key is being processed."))
            replay = HttpResponse(
                bytes(existing.response_body or b""),
                status=existing.status_code,
                content_type=existing.content_type,
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in (401, 429):
            # Not an answer worth keeping: let the client retry with the same key.
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code,
                response_body=response.content if not response.streaming else b"",
                content_type=response.get("Content-Type", "application/json"),
            )
        return response


def idempotency_purge() -> int:
    deleted, _details = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted
