"""Outreach API: the field app's device, assignment, sync and photo-upload operations, and
read/revoke operations for supervisors.

Field operations authenticate with the device token (`Authorization: Bearer wdv_…`), not the
browser session, so a day offline never ends in a login page. A revoked device gets 403 with
`code = device_revoked` and `details.wipe = true`: the app then wipes its local data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query as QueryParam
from ninja.security import HttpBearer

from warga.accounts.auth import actor_of
from warga.accounts.services import SECOND_FACTOR_REQUIRED_MESSAGE, second_factor_missing
from warga.core.api_schema import errors
from warga.core.errors import NotAllowed
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import requires
from warga.core.scoping import Actor, in_scope, request_scope_set

from . import review, selectors, services, sync
from .capabilities import OUTREACH_DEVICES, OUTREACH_FIELD, OUTREACH_REVIEW, OUTREACH_VIEW
from .models import Device, OutreachEvent, PhotoUpload, QuarantinedRecord

router = Router(tags=["outreach"])


class DeviceToken(HttpBearer):
    """The token a phone received when it was registered. A revoked device still authenticates,
    so that it can be told to wipe itself."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        device = services.device_authenticate(token)
        if device is None:
            return None
        if device.revoked_at is None and second_factor_missing(device.user):
            # An account that must use two-step login works nowhere until it has set it up,
            # its phones included (a revoked phone may still hand its records over for review).
            raise NotAllowed(SECOND_FACTOR_REQUIRED_MESSAGE, code="second_factor_required")
        request.device = device  # type: ignore[attr-defined]
        request.user = device.user
        request.actor = Actor.for_user(device.user)  # type: ignore[attr-defined]
        request_scope_set(request.actor)  # type: ignore[attr-defined]
        return device


DEVICE_AUTH = [DeviceToken()]


def _device(request: HttpRequest) -> Device:
    return request.device  # type: ignore[attr-defined,no-any-return]


# --- Schemas -----------------------------------------------------------------------------------
class DeviceRegisterIn(Schema):
    label: str = Field(max_length=80)


class DeviceRegisteredOut(Schema):
    device_id: str
    token: str
    signing_key: str
    officer: str
    username: str


class DeviceOut(Schema):
    id: int
    device_id: str
    label: str
    officer: str
    registered_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    queue_length: int | None = None
    queue_reported_at: datetime | None = None


class EventOut(Schema):
    id: int
    date: date
    desa: str
    desa_name: str
    dusun: str
    meeting_point: str
    services: list[str]
    team: str
    status: str
    targets: int
    served: int


class DeviceStatusOut(Schema):
    device_id: str
    label: str
    officer: str
    server_time: datetime
    events: list[EventOut]


class AssignmentIn(Schema):
    event_id: int


class RecordSchema(Schema):
    id: str = Field(max_length=36)
    kind: str = Field(max_length=16)
    captured_at: str = Field(default="", max_length=40)
    body: str
    mac: str = Field(max_length=64)


class SyncIn(Schema):
    assignment: str = Field(max_length=36)
    sent_at: str | None = Field(default=None, max_length=40)
    records: list[RecordSchema]
    queue: int | None = Field(
        default=None, ge=0, description="Records waiting on the phone, this batch included"
    )


class RecordAnswer(Schema):
    id: str
    status: str
    code: str = ""
    message: str = ""
    details: Any = None
    object: dict[str, Any] | None = None
    clock_flagged: bool = False
    replayed: bool = False
    resendable: bool = False


class SyncOut(Schema):
    server_time: datetime
    clock_skew_seconds: int
    clock_warning: str
    revoked: bool = False
    results: list[RecordAnswer]


class QuarantinedOut(Schema):
    id: int
    record_id: str
    kind: str
    kind_label: str
    device: str
    officer: str
    event: str
    captured_at: datetime | None
    received_at: datetime
    status: str
    reason: str
    earlier_answer: dict[str, Any]
    result: dict[str, Any]


class RejectIn(Schema):
    reason: str = Field(max_length=300)


class UploadIn(Schema):
    id: str = Field(max_length=36)
    size: int
    sha256: str = Field(max_length=64)


class UploadOut(Schema):
    id: str
    size: int
    received: int
    status: str
    reason: str


class TeamResultOut(Schema):
    team: str
    events: int
    targeted: int
    served: int


def _event_out(event: OutreachEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "date": event.date,
        "desa": event.desa_id,
        "desa_name": event.desa.display_name,
        "dusun": event.dusun,
        "meeting_point": event.meeting_point,
        "services": event.services,
        "team": event.team.name,
        "status": event.status,
        "targets": getattr(event, "n_targets", 0),
        "served": getattr(event, "n_served", 0),
    }


def _device_out(d: Device) -> dict[str, Any]:
    return {
        "id": d.pk,
        "device_id": str(d.public_id),
        "label": d.label,
        "officer": d.user.get_full_name() or d.user.username,
        "registered_at": d.registered_at,
        "last_seen_at": d.last_seen_at,
        "revoked_at": d.revoked_at,
        "queue_length": d.queue_length,
        "queue_reported_at": d.queue_reported_at,
    }


def _quarantined_out(q: QuarantinedRecord) -> dict[str, Any]:
    event = q.assignment.event
    return {
        "id": q.pk,
        "record_id": str(q.client_id),
        "kind": q.kind,
        "kind_label": q.get_kind_display(),
        "device": q.device.label,
        "officer": q.officer.get_full_name() or q.officer.username,
        "event": f"{event.date:%Y-%m-%d} {event.desa.name}",
        "captured_at": q.captured_at,
        "received_at": q.received_at,
        "status": q.status,
        "reason": q.reason,
        "earlier_answer": q.earlier_answer,
        "result": q.result,
    }


def _upload_out(upload: PhotoUpload) -> dict[str, Any]:
    return {
        "id": str(upload.client_id),
        "size": upload.size,
        "received": upload.received,
        "status": upload.status,
        "reason": upload.reason,
    }


# --- Registration (browser session of the logged-in officer) -----------------------------------
@router.post("/devices", response={200: DeviceRegisteredOut, **errors(401, 403, 409)})
@requires("outreach.field")
def device_register(request: HttpRequest, payload: DeviceRegisterIn) -> dict[str, Any]:
    """Register this phone to the logged-in officer; the token is shown once and kept on the phone."""
    device, token = services.device_register(actor=actor_of(request), label=payload.label)
    return {
        "device_id": str(device.public_id),
        "token": token,
        "signing_key": device.signing_key.hex(),
        "officer": device.user.get_full_name() or device.user.username,
        "username": device.user.username,
    }


@router.get("/devices", response={200: list[DeviceOut], **errors(401, 403)})
@paginate(PageNumberPagination)
@requires("outreach.devices")
def devices_list(request: HttpRequest) -> Any:
    """Field devices of the officers in one's area (supervisors and administrators)."""
    actor = actor_of(request)
    actor.require(OUTREACH_DEVICES)
    return [_device_out(d) for d in selectors.devices_visible(actor=actor)]


@router.post("/devices/{device_pk}/revoke", response={200: DeviceOut, **errors(401, 403, 404, 409)})
@requires("outreach.devices")
def device_revoke(request: HttpRequest, device_pk: int) -> dict[str, Any]:
    actor = actor_of(request)
    actor.require(OUTREACH_DEVICES)
    device = in_scope(Device.objects.select_related("user"), pk=device_pk)
    device = services.device_revoke(actor=actor, device=device)
    return _device_out(device)


@router.get("/review", response={200: list[QuarantinedOut], **errors(401, 403)})
@paginate(PageNumberPagination)
@requires(OUTREACH_REVIEW)
def review_list(request: HttpRequest, pending: bool = True) -> Any:
    """Records revoked phones handed over, in one's area (pending ones unless `pending=false`)."""
    actor = actor_of(request)
    actor.require(OUTREACH_REVIEW)
    return [_quarantined_out(q) for q in selectors.quarantined_records(actor=actor, pending=pending)]


@router.post("/review/{record_pk}/accept", response={200: QuarantinedOut, **errors(401, 403, 404, 409)})
@requires(OUTREACH_REVIEW)
def review_accept(request: HttpRequest, record_pk: int) -> dict[str, Any]:
    """Apply a held record through the normal sync path (409 with the reason when it cannot be)."""
    held = review.quarantined_accept(actor=actor_of(request), record_id=record_pk)
    return _quarantined_out(held)


@router.post("/review/{record_pk}/reject", response={200: QuarantinedOut, **errors(401, 403, 404, 409)})
@requires(OUTREACH_REVIEW)
def review_reject(request: HttpRequest, record_pk: int, payload: RejectIn) -> dict[str, Any]:
    held = review.quarantined_reject(actor=actor_of(request), record_id=record_pk, reason=payload.reason)
    return _quarantined_out(held)


@router.get("/events", response={200: list[EventOut], **errors(401, 403)})
@paginate(PageNumberPagination)
@requires("outreach.view")
def events_list(request: HttpRequest) -> Any:
    actor = actor_of(request)
    actor.require(OUTREACH_VIEW)
    return [_event_out(e) for e in selectors.events_with_counts(actor=actor)]


@router.get("/results/teams", response={200: list[TeamResultOut], **errors(401, 403)})
@requires("outreach.stats")
def team_results(request: HttpRequest) -> list[dict[str, Any]]:
    """Served versus targeted per team, over the events in one's area."""
    actor = actor_of(request)
    actor.require("outreach.stats")
    return selectors.results_by_team(actor=actor)


# --- The field app (device token) --------------------------------------------------------------
@router.get("/device", auth=DEVICE_AUTH, response={200: DeviceStatusOut, **errors(401, 403)})
@requires("outreach.field")
def device_status(request: HttpRequest, queue: int | None = None) -> dict[str, Any]:
    """Who this phone belongs to, and the outreach days its officer can download. `queue`: how
    many records wait on the phone (kept for whoever considers revoking it)."""
    from django.utils import timezone

    device = _device(request)
    if queue is not None and queue >= 0:
        sync.queue_report(device=device, queue=queue)
    sync.check_device(device)
    actor = actor_of(request)
    if not actor.can(OUTREACH_FIELD):
        raise NotAllowed(_("You do not have permission for this action."))
    return {
        "device_id": str(device.public_id),
        "label": device.label,
        "officer": device.user.get_full_name() or device.user.username,
        "server_time": timezone.now(),
        "events": [_event_out(e) for e in selectors.events_for_officer(actor=actor)],
    }


@router.post("/device/wiped", auth=DEVICE_AUTH, response={200: dict[str, bool], **errors(401, 403, 409)})
@requires("outreach.field")
def device_wiped(request: HttpRequest) -> dict[str, bool]:
    """The app confirms it wiped its data after being told the device was revoked."""
    device = _device(request)
    if device.is_revoked:
        services.device_wipe_confirm(device=device)
    return {"ok": device.is_revoked}


@router.post(
    "/assignments",
    auth=DEVICE_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409)},
)
@requires("outreach.field")
def assignment_download(request: HttpRequest, payload: AssignmentIn) -> HttpResponse:
    """An event's residents, targets and reference lists for offline work (gzip JSON)."""
    device = _device(request)
    sync.check_device(device)
    actor = actor_of(request)
    event = in_scope(OutreachEvent.objects.all(), pk=payload.event_id)
    _assignment, body = services.assignment_issue(actor=actor, device=device, event=event)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Encoding"] = "gzip"
    response["Cache-Control"] = "no-store"
    return response


@router.post("/sync", auth=DEVICE_AUTH, response={200: SyncOut, **errors(401, 403, 404, 409, 410)})
@requires("outreach.field")
def sync_records(request: HttpRequest, payload: SyncIn) -> dict[str, Any]:
    """Upload a batch of captured records; every record gets its own answer. A revoked phone that
    has not wiped yet gets 200 with `revoked = true`: records signed before the revocation are
    `quarantined` for review, later ones rejected; then it confirms the wipe."""
    device = _device(request)
    records = [sync.RecordIn(r.id, r.kind, r.captured_at, r.body, r.mac) for r in payload.records]
    return sync.sync_batch(
        device=device,
        assignment_id=payload.assignment,
        sent_at=payload.sent_at,
        records=records,
        queue=payload.queue,
    )


@router.post("/uploads", auth=DEVICE_AUTH, response={200: UploadOut, **errors(401, 403, 409)})
@requires("outreach.field")
def upload_start(request: HttpRequest, payload: UploadIn) -> dict[str, Any]:
    """Open a resumable photo upload (or get the one already open: `received` says where to go on)."""
    upload = sync.upload_start(
        device=_device(request), upload_id=payload.id, size=payload.size, sha256=payload.sha256
    )
    return _upload_out(upload)


@router.get("/uploads/{upload_id}", auth=DEVICE_AUTH, response={200: UploadOut, **errors(401, 403, 404)})
@requires("outreach.field")
def upload_status(request: HttpRequest, upload_id: str) -> dict[str, Any]:
    return _upload_out(sync.upload_get(device=_device(request), upload_id=upload_id))


@router.put("/uploads/{upload_id}", auth=DEVICE_AUTH, response={200: UploadOut, **errors(401, 403, 404, 409)})
@requires("outreach.field")
def upload_chunk(
    request: HttpRequest,
    upload_id: str,
    offset: int,
    size: int | None = QueryParam(
        None,
        description="The photo's size in bytes, with `sha256`: an upload not started yet is started "
        "with this chunk (a photo that fits in one chunk goes in one request); one already started "
        "must have the same size and checksum (else 409 `id_reused`).",
    ),
    sha256: str | None = QueryParam(
        None, max_length=64, description="The whole photo's SHA-256 (hex), with `size`."
    ),
) -> dict[str, Any]:
    """Append the request body (raw bytes) at `offset`. A wrong offset answers 409 with the
    server's `details.received`; the last chunk triggers the checksum and image checks. An
    unknown upload is 404 unless `size` and `sha256` start it here (tus "creation with upload");
    the two-step path (`POST /uploads`, then chunks) still works."""
    upload = sync.upload_chunk(
        device=_device(request),
        upload_id=upload_id,
        offset=offset,
        data=request.body,
        size=size,
        sha256=sha256,
    )
    return _upload_out(upload)
