"""What every API operation shares: the error schema and the declared 4xx answers."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    details: Any = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Responses for an operation: `response={200: Out, **errors(401, 403, 404)}`.

    422 (bad input) is always included, as any body or parameter can be malformed.
    """
    return dict.fromkeys((*statuses, 422), ErrorOut)


AUTHED = (401, 403)
