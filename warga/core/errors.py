"""Errors a service raises for the caller to show: one code, one translated message.

Views turn them into messages on the page, the API into the error schema
{code, message, details} with the status given here.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, message: Any, *, code: str | None = None, details: Any = None, status: int | None = None
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(ServiceError):
    status = 422
    code = "invalid_input"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """Impossible state transition, stale version, duplicate: 409."""

    status = 409
    code = "conflict"
