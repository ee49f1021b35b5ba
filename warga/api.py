"""The JSON API under /api/v1: one NinjaAPI, one error schema, routers from each app's api.py."""

from __future__ import annotations

import importlib
import logging

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger

from warga.accounts.auth import API_AUTH
from warga.core.api_schema import enforce_access
from warga.core.errors import ServiceError

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Warga API",
    version="1.0.0",
    description=(
        "Population administration and citizen services. Authenticate with "
        "`Authorization: Bearer <token>`. Errors are `{code, message, details}` in the "
        "language of `Accept-Language` (id or en). POST operations honour `Idempotency-Key`."
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs=Swagger(settings={"persistAuthorization": False}),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: object = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", [])]
        # ("body", "<parameter name>", "field", ...) → "field"; ("query", "page") → "page"
        field_path = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        details.append(
            {"field": ".".join(field_path), "in": loc[0] if loc else "", "message": err.get("msg", "")}
        )
    fields = ", ".join(d["field"] for d in details if d["field"]) or _("request body")
    return _error(
        request, 422, "invalid_input", _("Invalid input: %(fields)s.") % {"fields": fields}, details
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return _error(request, 429, "rate_limited", _("Too many requests. Try again later."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _("You do not have permission for this action."))


def _register_routers() -> None:
    """Each app that has an api.py with `router` (and optional PREFIX) is mounted here."""
    for config in sorted(apps.get_app_configs(), key=lambda c: c.name):
        if not config.name.startswith("warga."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.api":
                continue
            raise
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "PREFIX", "/" + config.label), router)


_register_routers()
enforce_access(api)
