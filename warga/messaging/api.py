"""SMS API: Kannel's callbacks (delivery reports, incoming SMS), broadcasts, statistics and
residents' invitations."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import InvalidInput
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.proxies import client_address_of

from . import callbacks, selectors, services
from .broadcasts import broadcast_preview

logger = logging.getLogger(__name__)
router = Router(tags=["sms"])
PREFIX = "/sms"


# --- Kannel callbacks ------------------------------------------------------------------------


def _check_callback(request: HttpRequest) -> None:
    callbacks.check_callback(
        secret=request.GET.get("secret") or request.POST.get("secret") or "",
        remote_addr=client_address_of(request.META),
    )


def _param(request: HttpRequest, name: str) -> str:
    return request.GET.get(name) or request.POST.get(name) or ""


class DlrOut(Schema):
    message_id: int
    status: str


@router.api_operation(
    ["GET", "POST"],
    "/kannel/dlr",
    auth=None,
    response={200: DlrOut, **errors(403, 404, 409, 422)},
    summary="Delivery report from Kannel (dlr-url)",
)
@public(ok=403)  # the gateway proves itself with the callback secret; without it: 403
def kannel_dlr(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Served by `warga.messaging.callbacks.KannelCallbackApp` under gunicorn (same checks, same
    service, same answers), and here for POST and for servers without the wrapper."""
    _check_callback(request)
    params = {k: _param(request, k) for k in ("status", "ref", "smsc_reply", "fid", "att")}
    result = callbacks.dlr_apply(params)
    return {"message_id": result.message_id, "status": result.status}


@router.api_operation(
    ["GET", "POST"],
    "/kannel/incoming",
    auth=None,
    response={200: None, **errors(403, 409)},
    summary="Incoming SMS from Kannel (sms-service get-url)",
)
@public(ok=403)  # the gateway proves itself with the callback secret; without it: 403
def kannel_incoming(request: HttpRequest):  # type: ignore[no-untyped-def]
    _check_callback(request)
    sender = _param(request, "from")
    if not sender:
        raise InvalidInput(_("The sender is missing."), code="sms.sender")
    received = callbacks.kannel_time(_param(request, "ts"))
    services.sms_incoming_receive(
        sender=sender,
        receiver=_param(request, "to"),
        text=_param(request, "text"),
        gateway="kannel",
        gateway_ref=_param(request, "id"),
        received_at=received,
    )
    # An empty 200: smsbox sends nothing back to the phone (replies go through sendsms).
    return HttpResponse(status=200, content=b"", content_type="text/plain")


# --- broadcasts ------------------------------------------------------------------------------


class SegmentIn(Schema):
    min_age: int | None = None
    max_age: int | None = None
    sex: str | None = None
    ktp_statuses: list[str] | None = None
    rw: int | None = None
    rt: int | None = None


class BroadcastIn(Schema):
    name: str
    text: str
    area_code: str
    segment: SegmentIn = SegmentIn()
    scheduled_for: datetime | None = None


class PreviewIn(Schema):
    text: str
    area_code: str
    segment: SegmentIn = SegmentIn()


class PreviewOut(Schema):
    recipients: int
    segments: int
    encoding: str
    cost: Decimal
    sample: str


class BroadcastOut(Schema):
    id: int
    kind: str
    name: str
    text: str
    area_code: str
    segment: dict[str, Any]
    status: str
    scheduled_for: datetime | None
    recipients_estimate: int
    segments_per_message: int
    cost_estimate: Decimal
    queued_count: int
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str

    @staticmethod
    def resolve_text(obj: Any) -> str:
        return str(obj.template)

    @staticmethod
    def resolve_area_code(obj: Any) -> str:
        return str(obj.area_id)


class StatsOut(Schema):
    counts: dict[str, int]
    total: int
    handed_over: int
    progress: int
    delivery_rate: float | None
    held_until: datetime | None  # waiting for the end of the quiet hours
    quiet_hours: str


class BroadcastDetailOut(BroadcastOut):
    stats: StatsOut


class ReasonIn(Schema):
    reason: str


def _detail(broadcast: Any) -> Any:
    broadcast.stats = selectors.broadcast_stats(broadcast)
    return broadcast


@router.get(
    "/broadcasts", response={200: list[BroadcastOut], **errors(401, 403)}, summary="Broadcasts of my area"
)
@paginate(PageNumberPagination)
@requires("sms.stats")
def list_broadcasts(request: HttpRequest, status: str = "", kind: str = ""):  # type: ignore[no-untyped-def]
    return selectors.broadcasts_list(actor=actor_of(request), status=status, kind=kind)


@router.post(
    "/broadcasts/preview",
    response={200: PreviewOut, **errors(401, 403, 404, 409)},
    summary="Recipients, SMS parts and cost of a broadcast (nothing saved)",
)
@requires("sms.broadcast_create")
def preview_broadcast(request: HttpRequest, payload: PreviewIn):  # type: ignore[no-untyped-def]
    return broadcast_preview(
        actor=actor_of(request),
        text=payload.text,
        area_code=payload.area_code,
        segment=payload.segment.dict(exclude_none=True),
    )


@router.post(
    "/broadcasts",
    response={201: BroadcastDetailOut, **errors(401, 403, 404, 409)},
    summary="Compose a broadcast (waits for a supervisor's approval)",
)
@requires("sms.broadcast_create")
def create_broadcast(request: HttpRequest, payload: BroadcastIn):  # type: ignore[no-untyped-def]
    broadcast = services.broadcast_create(
        actor=actor_of(request),
        name=payload.name,
        text=payload.text,
        area_code=payload.area_code,
        segment=payload.segment.dict(exclude_none=True),
        scheduled_for=payload.scheduled_for,
    )
    return Status(201, _detail(broadcast))


@router.get(
    "/broadcasts/{broadcast_id}",
    response={200: BroadcastDetailOut, **errors(401, 403, 404)},
    summary="A broadcast with its delivery statistics",
)
@requires("sms.stats")
def get_broadcast(request: HttpRequest, broadcast_id: int):  # type: ignore[no-untyped-def]
    return _detail(selectors.broadcast_get(actor=actor_of(request), broadcast_id=broadcast_id))


@router.post(
    "/broadcasts/{broadcast_id}/approve",
    response={200: BroadcastDetailOut, **errors(401, 403, 404, 409)},
    summary="Approve a broadcast (not one's own)",
)
@requires("sms.broadcast_approve")
def approve_broadcast(request: HttpRequest, broadcast_id: int):  # type: ignore[no-untyped-def]
    actor = actor_of(request)
    services.broadcast_approve(actor=actor, broadcast_id=broadcast_id)
    return _detail(selectors.broadcast_get(actor=actor, broadcast_id=broadcast_id))


@router.post(
    "/broadcasts/{broadcast_id}/reject",
    response={200: BroadcastDetailOut, **errors(401, 403, 404, 409)},
    summary="Refuse a broadcast, with the reason",
)
@requires("sms.broadcast_approve")
def reject_broadcast(request: HttpRequest, broadcast_id: int, payload: ReasonIn):  # type: ignore[no-untyped-def]
    return _detail(
        services.broadcast_reject(actor=actor_of(request), broadcast_id=broadcast_id, reason=payload.reason)
    )


@router.post(
    "/broadcasts/{broadcast_id}/cancel",
    response={200: BroadcastDetailOut, **errors(401, 403, 404, 409)},
    summary="Stop a broadcast; unsent messages are cancelled",
)
@requires("sms.broadcast_create", "sms.broadcast_approve")
def cancel_broadcast(request: HttpRequest, broadcast_id: int):  # type: ignore[no-untyped-def]
    return _detail(services.broadcast_cancel(actor=actor_of(request), broadcast_id=broadcast_id))


class DayOut(Schema):
    day: date
    total: int
    segments: int
    queued: int
    sending: int
    sent: int
    delivered: int
    failed: int
    expired: int
    cancelled: int


@router.get(
    "/stats/daily", response={200: list[DayOut], **errors(401, 403)}, summary="SMS per day and status"
)
@requires("sms.stats")
def stats_daily(request: HttpRequest, days: int = 30):  # type: ignore[no-untyped-def]
    return selectors.daily_stats(actor=actor_of(request), days=days)


# --- invitations -----------------------------------------------------------------------------


class InvitationOut(Schema):
    id: int
    desa_code: str
    rw: int | None
    rt: int | None
    scope: str
    text: str
    channel: str
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None
    broadcast_id: int | None

    @staticmethod
    def resolve_desa_code(obj: Any) -> str:
        return str(obj.desa_id)


@router.get(
    "/invitations", response={200: list[InvitationOut], **errors(401, 403)}, summary="Invitations of my desa"
)
@paginate(PageNumberPagination)
@requires("sms.invitations_moderate")
def list_invitations(request: HttpRequest, status: str = ""):  # type: ignore[no-untyped-def]
    return selectors.invitations_list(actor=actor_of(request), status=status)


@router.post(
    "/invitations/{invitation_id}/approve",
    response={200: InvitationOut, **errors(401, 403, 404, 409)},
    summary="Approve and send a resident's invitation",
)
@requires("sms.invitations_moderate")
def approve_invitation(request: HttpRequest, invitation_id: int):  # type: ignore[no-untyped-def]
    return services.invitation_approve(actor=actor_of(request), invitation_id=invitation_id)


@router.post(
    "/invitations/{invitation_id}/refuse",
    response={200: InvitationOut, **errors(401, 403, 404, 409)},
    summary="Refuse a resident's invitation, with the reason",
)
@requires("sms.invitations_moderate")
def refuse_invitation(request: HttpRequest, invitation_id: int, payload: ReasonIn):  # type: ignore[no-untyped-def]
    return services.invitation_refuse(
        actor=actor_of(request), invitation_id=invitation_id, reason=payload.reason
    )
