"""Kannel's callbacks: who may call them, how a delivery report is read, and a lean WSGI path.

Kannel calls the delivery-report URL once for every message sent, at the sending rate (hundreds
per second during a broadcast). Those requests carry no session, no cookie and no language:
they need none of the page middleware. `KannelCallbackApp` wraps Warga's WSGI application and
answers `GET /api/v1/sms/kannel/dlr` itself, with the same checks, the same service and the
same answers as the documented API operation (`warga.messaging.api.kannel_dlr`), at a fraction
of the cost; every other request goes to Django unchanged.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signals
from django.db import InterfaceError, OperationalError, connection
from django.utils import translation
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput, NotAllowed, ServiceError
from warga.core.proxies import address_in, client_address_of

from . import services

logger = logging.getLogger(__name__)

DLR_PATH = "/api/v1/sms/kannel/dlr"


def client_allowed(remote_addr: str) -> bool:
    """`remote_addr` is the client's address as `warga.core.proxies` finds it (behind a trusted
    reverse proxy, from X-Forwarded-For), never simply the direct peer."""
    allowed = getattr(settings, "KANNEL_CALLBACK_ALLOWED_IPS", None) or []
    if isinstance(allowed, str):
        allowed = [a.strip() for a in allowed.split(",") if a.strip()]
    if not allowed:
        return True
    return address_in(remote_addr, allowed)


def check_callback(*, secret: str, remote_addr: str) -> None:
    """Kannel proves itself with the shared secret (compared in constant time) and, if
    configured, its address. Without a configured secret every callback is refused."""
    expected = (settings.KANNEL_CALLBACK_SECRET or "").encode()
    given = (secret or "").encode()
    if not expected or not hmac.compare_digest(expected, given) or not client_allowed(remote_addr):
        logger.warning("refused a Kannel callback without the right secret or from a foreign address")
        raise NotAllowed(_("Callback refused."), code="sms.callback_forbidden")


def kannel_time(ts: str) -> datetime | None:
    """Kannel's %T (Unix time) as a moment, or None (the receipt time is used) when it is missing
    or impossible: a wrong clock on the SMSC must not make Warga refuse or lose the message."""
    if not ts.isdigit() or len(ts) > 12:
        return None
    try:
        moment = datetime.fromtimestamp(int(ts), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if moment.year >= 2000 else None


def dlr_apply(params: Mapping[str, str]) -> services.DlrResult:
    """A delivery report as Kannel sends it (the dlr-url's query parameters)."""
    try:
        status = int(params.get("status") or "")
    except ValueError:
        raise InvalidInput(_("Unknown delivery report type."), code="sms.dlr_type") from None
    return services.sms_dlr_receive(
        ref=params.get("ref") or "",
        status=status,
        smsc_reply=(params.get("smsc_reply") or "")[:300],
        smsc_message_id=params.get("fid") or "",
        attempt=params.get("att") or "",
    )


StartResponse = Callable[..., Any]
WsgiApp = Callable[..., Any]

REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 422: "Unprocessable Entity", 500: "Server Error"}


class KannelCallbackApp:
    """WSGI middleware: delivery reports straight to the service, everything else to Django."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != DLR_PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        status, body = self.delivery_report(environ)
        payload = json.dumps(body).encode()
        start_response(
            f"{status} {REASONS.get(status, 'Error')}",
            [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def delivery_report(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        # The signals Django's own handler sends around every request (database connections that
        # are too old or broken are closed; tests disconnect that receiver, as for Django's handler).
        signals.request_started.send(sender=self.__class__, environ=environ)
        # No health-check query before the report's one statement (CONN_HEALTH_CHECKS would add
        # a round trip to every report): a connection that turns out broken is closed and the
        # report applied once more on a new one, which is safe because applying it is idempotent.
        connection.health_check_done = True  # type: ignore[attr-defined]
        try:
            with translation.override(settings.LANGUAGE_CODE):
                check_callback(secret=params.get("secret", ""), remote_addr=client_address_of(environ))
                try:
                    result = dlr_apply(params)
                except (OperationalError, InterfaceError):
                    if connection.in_atomic_block:
                        raise
                    logger.warning("delivery report: database connection lost; applying it again")
                    connection.close()
                    result = dlr_apply(params)
            return 200, {"message_id": result.message_id, "status": result.status}
        except ServiceError as exc:
            return exc.status, {"code": exc.code, "message": str(exc.message), "details": exc.details}
        except Exception:
            logger.exception("delivery report failed")
            return 500, {"code": "server_error", "message": "Server error.", "details": None}
        finally:
            signals.request_finished.send(sender=self.__class__)
