"""What every API operation shares: the error schema and the declared 4xx answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Schema
from ninja.utils import normalize_path

from .errors import NotAllowed
from .permissions import Access, access_of
from .scoping import Actor


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


def api_operations(api: Any) -> Iterator[tuple[str, str, Any]]:
    """(path, METHOD, operation) for every operation mounted on the NinjaAPI: the operations that
    serve requests, as bound to the API (django-ninja clones each router's operations when it
    mounts them, and resolves their auth there)."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/" + normalize_path("/".join(part for part in (bound.prefix, path) if part)).lstrip("/")
            for operation in path_view.operations:
                for method in operation.methods:
                    yield full, method, operation


class _CapabilityGuard:
    """Mixed into an operation's auth classes: after authenticating, the caller must hold one of
    the declared capabilities, checked before the body is read (so a refusal is 403, not 422)."""

    warga_access: Access

    def __call__(self, request: HttpRequest) -> Any:
        result = super().__call__(request)  # type: ignore[misc]
        if result:
            actor = getattr(request, "actor", None) or Actor.for_user(request.user)
            if not self.warga_access.allows(actor.capabilities):
                raise NotAllowed(gettext("You do not have permission for this action."))
        return result


_GUARDS: dict[type, type] = {}


def _guarded(callback: Any, access: Access) -> Any:
    base = type(callback)
    guard = _GUARDS.get(base)
    if guard is None:
        # The same class name keeps the OpenAPI security scheme names as they were.
        guard = _GUARDS[base] = type(base.__name__, (_CapabilityGuard, base), {"__module__": base.__module__})
    copy: Any = object.__new__(guard)
    copy.__dict__.update(callback.__dict__)
    copy.warga_access = access
    return copy


def enforce_access(api: Any) -> None:
    """Make every operation declared with `@requires(...)` check it (see core.permissions)."""
    for _path, _method, operation in api_operations(api):
        access = access_of(operation.view_func)
        if access is None or not access.capabilities:
            continue
        if any(isinstance(cb, _CapabilityGuard) for cb in operation.auth_callbacks):
            continue
        operation.auth_callbacks = [_guarded(cb, access) for cb in operation.auth_callbacks]
