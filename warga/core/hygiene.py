"""Input hygiene in one place: characters no field may hold, values no database can store.

A NUL byte, another control character or a lone UTF-16 surrogate anywhere in the request
(path, query, headers, form or JSON body) is refused before a view sees it: 422 in the API's
error schema, a translated 400 page for pages. Tab, line feed and carriage return are allowed
in body values (free text has paragraphs), nowhere else. PostgreSQL cannot store NUL at all,
and neither database driver can encode a surrogate, so these never reach a query.

Numbers and dates outside what the database or Python can hold (a page number of 2**63, the
day after 9999-12-31) surface as `OverflowError` or the database's `DataError`; they are the
caller's bad input and answered the same way, never as a server error.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

_C0_C1 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
BODY_FORBIDDEN = re.compile(f"[{_C0_C1}\ud800-\udfff]")
"""In form and JSON values: controls except tab, line feed and carriage return, and surrogates."""
LINE_FORBIDDEN = re.compile(f"[\t\n\r{_C0_C1}\ud800-\udfff]")
"""In the path and the query string: every control character."""
HEADER_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
"""In header values (latin-1 as the server decoded them): controls except tab."""

JSON_TYPES = ("application/json", "application/merge-patch+json")


class BadInput(Exception):
    """Where the forbidden character was found: "path", "query", "header", "body"."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def _check(values: Iterable[str], pattern: re.Pattern[str], where: str) -> None:
    for value in values:
        if pattern.search(value):
            raise BadInput(where)


def _json_strings(data: Any) -> Iterable[str]:
    """Every key and string in a decoded JSON document, without recursion (depth is the sender's)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, value in item.items():
                yield str(key)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _query_items(request: HttpRequest) -> Iterable[str]:
    for key, values in request.GET.lists():
        yield key
        yield from values


# What a resident's phone sent reaches Warga through the gateway's callbacks: an SMS is never lost
# for an odd character in it (the SMS service cleans its text); the query is not refused there.
GATEWAY_CALLBACKS = ("/api/v1/sms/kannel/",)


def check_request_line(request: HttpRequest) -> None:
    """Path, query string and headers."""
    _check([request.path_info, request.path], LINE_FORBIDDEN, "path")
    if not request.path_info.startswith(GATEWAY_CALLBACKS):
        _check(_query_items(request), LINE_FORBIDDEN, "query")
    _check(
        (str(v) for k, v in request.META.items() if k.startswith("HTTP_") or k == "CONTENT_TYPE"),
        HEADER_FORBIDDEN,
        "header",
    )


def check_json_body(request: HttpRequest) -> None:
    try:
        data = json.loads(request.body)
    except RecursionError:
        raise BadInput("nesting") from None
    except ValueError:
        return  # not JSON at all: the API answers 422 for an unreadable body
    _check(_json_strings(data), BODY_FORBIDDEN, "body")


def check_form_body(request: HttpRequest) -> None:
    for key, values in request.POST.lists():
        _check([key, *values], BODY_FORBIDDEN, "body")
    for key, files in request.FILES.lists():
        _check([key, *(f.name or "" for f in files)], LINE_FORBIDDEN, "body")


def _content_type(request: HttpRequest) -> str:
    return (request.META.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": None}, status=status)


# Paths that answer bad input in their own protocol's format (e.g. Open311's error list): an
# app registers the prefix and a function (request, status, message) -> response.
_OWN_FORMATS: list[tuple[str, Callable[[HttpRequest, int, str], HttpResponse]]] = []


def register_bad_input_format(prefix: str, answer: Callable[[HttpRequest, int, str], HttpResponse]) -> None:
    if all(known != prefix for known, _answer in _OWN_FORMATS):
        _OWN_FORMATS.append((prefix, answer))


def _own_format(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    for prefix, answer in _OWN_FORMATS:
        if request.path_info.startswith(prefix):
            return answer(request, status, message)
    return None


def bad_input_response(request: HttpRequest, *, where: str = "body", plain: bool = False) -> HttpResponse:
    if where == "nesting":
        message = _("The request body is nested too deeply.")
    else:
        message = _("The request contains characters that are not allowed (such as control characters).")
    if is_api(request):
        return api_error(422, "invalid_characters", message)
    if (own := _own_format(request, 400, str(message))) is not None:
        return own
    return error_page(request, "errors/400.html", 400, {"message": message}, plain=plain)


def out_of_range_response(request: HttpRequest) -> HttpResponse:
    message = _("A number or date in the request is outside the range Warga can handle.")
    if is_api(request):
        return api_error(422, "out_of_range", message)
    if (own := _own_format(request, 400, str(message))) is not None:
        return own
    return error_page(request, "errors/400.html", 400, {"message": message})


def error_page(
    request: HttpRequest,
    template: str,
    status: int,
    context: dict[str, Any] | None = None,
    *,
    plain: bool = False,
) -> HttpResponse:
    """An error page that cannot fail itself.

    The full page extends the base template (static files, navigation, the database); when
    any of it is unavailable — static files not collected, the database down — the same message
    is shown on a page with no static file and no query.
    """
    context = context or {}
    if not plain:
        try:
            return HttpResponse(render_to_string(template, context, request=request), status=status)
        except Exception:
            logger.warning("error page %s fell back to the plain page", template, exc_info=True)
    titles = {
        400: _("The request cannot be processed"),
        403: _("Not allowed"),
        404: _("Page not found"),
        500: _("Something went wrong"),
    }
    html: str
    try:
        html = render_to_string(
            "errors/plain.html", {"title": titles.get(status, titles[500]), "status": status, **context}
        )
    except Exception:
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return HttpResponse(html, status=status)


class InputHygieneMiddleware:
    """Refuses control characters everywhere and turns out-of-range values into bad input."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request_line(request)
            kind = _content_type(request)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                if kind in JSON_TYPES or kind.endswith("+json"):
                    check_json_body(request)
                elif kind == "application/x-www-form-urlencoded":
                    check_form_body(request)
        except BadInput as exc:
            return bad_input_response(request, where=exc.where, plain=exc.where == "header")
        response = self.get_response(request)
        if response.status_code == 404 and is_api(request) and not _is_json(response):
            return api_error(404, "not_found", _("Not found."))
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Multipart forms: checked here, where the view's upload limits do not depend on it.

        Page views that install their own upload handler (csrf_exempt, parsing the body
        themselves) are left to their forms, whose text fields refuse NUL; anything else would
        parse the body before the limit is in place.
        """
        if _content_type(request) != "multipart/form-data":
            return None
        if not is_api(request) and getattr(view, "csrf_exempt", False):
            return None
        try:
            check_form_body(request)
        except BadInput:
            return bad_input_response(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError | DataError):
            logger.warning("out-of-range input on %s: %s", request.path_info, type(exception).__name__)
            return out_of_range_response(request)
        return None


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")
