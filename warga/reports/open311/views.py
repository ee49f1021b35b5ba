"""Open311 GeoReport v2 endpoints. Reads are public and hold no personal data; filing needs the
`api_key` of an account holding `reports.create` and is rate limited per key and per address.
Thin: parse, call the selectors or `filing.open311_file`, answer in JSON or XML."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from warga.core.middleware import client_ip
from warga.core.permissions import public
from warga.core.ratelimit import over_limit
from warga.regions.models import RegionLevel

from .. import capabilities as caps
from . import selectors
from .catalogue import SERVICES, attributes
from .filing import open311_file
from .formats import Open311Error, error_response, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-15T00:00:00+07:00"
WINDOW_DAYS = 90
MAX_IDS = 100
TOKEN_SALT = "warga.reports.open311.token"  # noqa: S105 - an HMAC salt, not a secret


def _answering(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An Open311Error anywhere in the view becomes the specification's error answer; a
    jurisdiction_id other than the installation's is "not found"."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            given = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
            if given and given != selectors.jurisdiction():
                raise Open311Error(404, _("jurisdiction_id %(j)s was not found.") % {"j": given[:20]})
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, [exc])

    return wrapped


def _desas() -> list[tuple[str, str]]:
    from warga.core.scoping import unscoped
    from warga.regions.selectors import area_regions

    with unscoped("Open311: the desa list of the installation"):
        return [(r.code, r.display_name) for r in area_regions(selectors.jurisdiction(), [RegionLevel.DESA])]


@public
def discovery_view(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("reports:open311_services", kwargs={"fmt": "json"}))
    base = url.rsplit("/", 1)[0] + "/"
    body = {
        "changeset": CHANGESET,
        "contact": _("The complaint handler of the regional government (LAPOR)."),
        "key_service": _("Ask the regional government's Diskominfo for an API key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@public
@_answering
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    body = [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.name,
            "metadata": True,  # every service asks the desa (and offers anonymity, confidentiality)
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in SERVICES.values()
    ]
    return respond(fmt, "services", body)


@public
@_answering
def service_view(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if code not in SERVICES:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:40]})
    body = {"service_code": code, "attributes": attributes(_desas())}
    return respond(fmt, "service_definition", body)


def _ids(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_IDS or not all(p.isdigit() and len(p) <= 10 for p in parts):
        raise Open311Error(400, _("service_request_id is a list of at most %(n)d numbers.") % {"n": MAX_IDS})
    return [int(p) for p in parts]


def _moment(raw: str, name: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw) if len(raw) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400, _("%(name)s is not a W3C date and time (2026-01-31T08:00:00+07:00).") % {"name": name}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list(request: HttpRequest) -> selectors.RequestFilters:
    q = request.GET
    if q.get("service_request_id"):
        return selectors.RequestFilters(ids=_ids(q["service_request_id"]))
    codes = [c.strip() for c in (q.get("service_code") or "").split(",") if c.strip()]
    unknown = [c for c in codes if c not in SERVICES]
    if unknown:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": unknown[0][:40]})
    statuses = [s.strip().lower() for s in (q.get("status") or "").split(",") if s.strip()]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status is open or closed."))
    given_start, given_end = (
        _moment(q.get("start_date", ""), "start_date"),
        _moment(q.get("end_date", ""), "end_date"),
    )
    window = timedelta(days=WINDOW_DAYS)  # the default span, and the longest one
    if given_start is None:
        end = given_end or timezone.now()
        start = end - window
    else:
        start, end = given_start, given_end or given_start + window
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > window:
        raise Open311Error(
            400, _("start_date and end_date may not span more than %(n)d days.") % {"n": WINDOW_DAYS}
        )
    return selectors.RequestFilters(service_codes=codes, statuses=statuses, start=start, end=end)


@public
@csrf_exempt  # a form post from another system, authenticated by its api_key, not a browser session
@_answering
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _file(request, fmt)
    if request.method not in ("GET", "HEAD"):
        raise Open311Error(405, _("Only GET and POST."))
    cases = selectors.public_requests(_list(request))
    return respond(fmt, "service_requests", [selectors.request_public(c) for c in cases])


def _limits(bucket: str, default: tuple[int, int]) -> tuple[int, int]:
    return tuple(getattr(settings, "REPORTS_RATE_LIMITS", {}).get(bucket, default))  # type: ignore[return-value]


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    from warga.accounts.models import ApiToken
    from warga.accounts.services import second_factor_missing
    from warga.core.hygiene import BODY_FORBIDDEN
    from warga.core.scoping import Actor, request_scope_set

    # A form post is checked by the input hygiene; a multipart one to this view (csrf-exempt) here.
    if any(BODY_FORBIDDEN.search(v) for key, values in request.POST.lists() for v in (key, *values)):
        raise Open311Error(
            400, _("The request contains characters that are not allowed (such as control characters).")
        )
    raw = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not raw:
        raise Open311Error(403, _("api_key was not provided."))
    if over_limit(
        f"reports:o311:ip:{client_ip(request) or 'unknown'}",
        limit=_limits("open311_address", (60, 3600))[0],
        window=_limits("open311_address", (60, 3600))[1],
    ):
        raise Open311Error(429, _("Too many requests from this address. Please try again later."))
    token = ApiToken.find_active(raw[:200])
    if token is None or second_factor_missing(token.user):
        raise Open311Error(403, _("api_key is not valid."))
    actor = Actor.for_user(token.user)
    if not actor.can(caps.CREATE):
        raise Open311Error(403, _("api_key may not file cases."))
    limit, window = _limits("open311_key", (120, 3600))
    if over_limit(f"reports:o311:key:{token.pk}", limit=limit, window=window):
        raise Open311Error(429, _("Too many requests with this api_key. Please try again later."))
    request.user = token.user
    request_scope_set(actor)
    case = open311_file(actor=actor, data=request.POST)
    body = [
        {
            "service_request_id": str(case.pk),
            "token": token_for(case.pk),
            "service_notice": _("Tracking code %(code)s; follow it on the LAPOR page.")
            % {"code": case.tracking_code},
            "account_id": "",
        }
    ]
    return respond(fmt, "service_requests", body, status=201, public=False)


@public
@_answering
def request_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    case = selectors.public_request(pk)
    if case is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": pk})
    return respond(fmt, "service_requests", [selectors.request_public(case)])


def token_for(pk: int) -> str:
    return f"{pk}-{salted_hmac(TOKEN_SALT, str(pk)).hexdigest()[:24]}"


def _token_case(token: str) -> int | None:
    number, _sep, _mac = token.partition("-")
    if not number.isdigit() or len(number) > 10:
        return None
    return int(number) if hmac.compare_digest(token_for(int(number)), token) else None


@public
@_answering
def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    pk = _token_case(token[:80])
    if pk is None or not selectors.case_exists(pk):
        raise Open311Error(404, _("token was not found."))
    return respond(fmt, "service_requests", [{"service_request_id": str(pk), "token": token}])
