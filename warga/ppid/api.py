"""The information-requests API: the public form and tracking (no login), and the officers'
list, detail, desk entry, actions and objections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import Throttled
from ninja.pagination import paginate
from ninja.responses import Status

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import NotFound
from warga.core.middleware import client_ip
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import Actor

from . import capabilities as caps
from . import selectors
from .models import InformationRequest, Objection, RequestChannel
from .services import (
    Decision,
    RequestInput,
    objection_decide,
    objection_file,
    request_file,
    request_transition,
)

router = Router(tags=["information requests"])
PREFIX = "/information-requests"


def _limited(request: HttpRequest, bucket: str) -> bool:
    defaults = {"file": (5, 3600), "track": (20, 600), "object": (5, 3600)}
    limit, window = getattr(settings, "PPID_RATE_LIMITS", {}).get(bucket, defaults[bucket])
    return over_limit(f"ppid:rl:{bucket}:{client_ip(request) or 'unknown'}", limit=limit, window=window)


class RequestIn(Schema):
    requester_kind: str = Field("person", max_length=12)
    name: str = Field(..., max_length=160)
    nik: str = Field("", max_length=20)
    address: str = Field(..., max_length=300)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    information: str = Field(..., max_length=4000)
    purpose: str = Field(..., max_length=1000)
    access_mode: str = Field("copy", max_length=8)
    copy_form: str = Field("soft", max_length=8)
    delivery: str = Field("download", max_length=10)
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647)


class DeskRequestIn(RequestIn):
    channel: str = Field("desk", max_length=8, description="desk, letter or email")


class FiledOut(Schema):
    number: str
    received_on: date
    due_on: date


class TrackIn(Schema):
    number: str = Field(..., max_length=30)


class PublicStatusOut(Schema):
    number: str
    status: str
    status_code: str
    received_on: date
    due_on: date
    extended: bool
    held_by: str
    received_by: str
    outcome: str
    outcome_code: str
    exemption_ground: str
    other_body: str
    decided_on: date | None
    copy_cost: int
    objection: str


class RequestOut(Schema):
    id: int
    number: str
    channel: str
    status: str
    receiving_unit_id: int
    holding_unit_id: int
    received_on: date
    due_on: date
    extended: bool
    overdue: bool
    escalation_level: int
    outcome: str

    @staticmethod
    def resolve_overdue(obj: InformationRequest) -> bool:
        return obj.is_overdue()


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    actor_unit_id: int | None
    unit_id: int | None
    note: str


class RequestDetailOut(RequestOut):
    version: int
    requester_kind: str
    requester_name: str
    requester_nik: str
    address: str
    phone: str
    email: str
    information: str
    purpose: str
    access_mode: str
    copy_form: str
    delivery: str
    extension_reason: str
    exemption_ground: str
    consequence_test: str
    other_body: str
    decision_note: str
    copy_cost: int
    decided_on: date | None
    documents: int
    events: list[EventOut]

    @staticmethod
    def resolve_documents(obj: InformationRequest) -> int:
        return obj.documents.count()

    @staticmethod
    def resolve_events(obj: InformationRequest) -> list[Any]:
        return list(selectors.request_events(obj))


class ActionOut(Schema):
    name: str
    label: str
    inputs: list[str]
    danger: bool


class TransitionIn(Schema):
    action: str = Field(..., max_length=20)
    note: str = Field("", max_length=4000)
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647)
    outcome: str = Field("", max_length=16)
    exemption_ground: str = Field("", max_length=1)
    consequence_test: str = Field("", max_length=200)
    other_body: str = Field("", max_length=200)
    copy_cost: int = Field(0, ge=0, le=100_000_000)
    exemption_entry_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="an entry of the exempted-information register"
    )
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)


class ObjectionIn(Schema):
    number: str = Field(..., max_length=30)
    contact: str = Field(..., max_length=254, description="the phone or e-mail given with the request")
    ground: str = Field(..., max_length=16)
    reason: str = Field(..., max_length=2000)
    information_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="ground not_published: the periodic DIP entry concerned"
    )
    topic: str = Field("", max_length=300, description="ground not_published: the topic, without an entry")


class ObjectionOut(Schema):
    id: int
    number: str
    ground: str
    status: str
    filed_on: date
    due_on: date
    dispute_outcome: str

    @staticmethod
    def resolve_number(obj: Objection) -> str:
        return obj.request.number


class ObjectionDecisionIn(Schema):
    upheld: bool
    answer: str = Field(..., max_length=4000)


def _input(payload: RequestIn) -> RequestInput:
    return RequestInput(
        requester_kind=payload.requester_kind,
        name=payload.name,
        nik=payload.nik,
        address=payload.address,
        phone=payload.phone,
        email=payload.email,
        information=payload.information,
        purpose=payload.purpose,
        access_mode=payload.access_mode,
        copy_form=payload.copy_form,
        delivery=payload.delivery,
        unit_id=payload.unit_id,
    )


@router.post(
    "/",
    auth=None,
    response={201: FiledOut, **errors(409, 429)},
    summary="Request public information (public)",
)
@public
def request_create(request: HttpRequest, payload: RequestIn) -> Status[InformationRequest]:
    """The public form as an API: a person with name and NIK (a legal body uses the web form, which
    takes its papers). Answers the registration number and the due date of the written notice."""
    if _limited(request, "file"):
        raise Throttled(wait=3600)
    return Status(201, request_file(actor=None, channel=RequestChannel.WEB, data=_input(payload)))


@router.post(
    "/track",
    auth=None,
    response={200: PublicStatusOut, **errors(404, 409, 429)},
    summary="A request's status by its number (public)",
)
@public
def request_track(request: HttpRequest, payload: TrackIn) -> Any:
    """The number goes in the body; the answer carries no personal data."""
    if _limited(request, "track"):
        raise Throttled(wait=600)
    status = selectors.request_public_status(payload.number)
    if status is None:
        raise NotFound("Not found.")
    return status


@router.post(
    "/objections",
    auth=None,
    response={201: ObjectionOut, **errors(404, 409, 429)},
    summary="File an objection (public)",
)
@public
def objection_create(request: HttpRequest, payload: ObjectionIn) -> Status[Objection]:
    if _limited(request, "object"):
        raise Throttled(wait=3600)
    objection = objection_file(
        number=payload.number,
        contact=payload.contact,
        ground=payload.ground,
        reason=payload.reason,
        information_id=payload.information_id,
        topic=payload.topic,
    )
    return Status(201, objection)


@router.get("/", response={200: list[RequestOut], **errors(401, 403)}, summary="Requests you may see")
@paginate(PageNumberPagination)
@requires(caps.VIEW)
def request_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: str = "",
    overdue: bool = False,
    unit_id: int | None = None,
    number: str = "",
):
    filters = selectors.RequestFilters(
        status=status[:12],
        overdue=overdue,
        unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None,
        number=number[:30],
    )
    return selectors.requests_list(actor=actor_of(request), filters=filters)


@router.post(
    "/desk",
    response={201: RequestDetailOut, **errors(401, 403, 404, 409)},
    summary="Enter a desk, letter or e-mail request",
)
@requires(caps.REGISTER)
def request_desk(request: HttpRequest, payload: DeskRequestIn) -> Status[InformationRequest]:
    actor = actor_of(request)
    return Status(201, request_file(actor=actor, channel=payload.channel, data=_input(payload)))


@router.get(
    "/{int:request_id}", response={200: RequestDetailOut, **errors(401, 403, 404)}, summary="One request"
)
@requires(caps.VIEW)
def request_detail(request: HttpRequest, request_id: int) -> InformationRequest:
    return selectors.request_open(actor=actor_of(request), pk=request_id)


@router.get(
    "/{int:request_id}/actions",
    response={200: list[ActionOut], **errors(401, 403, 404)},
    summary="The steps you can take on this request now",
)
@requires(caps.VIEW)
def request_actions(request: HttpRequest, request_id: int) -> list[dict[str, Any]]:
    actor: Actor = actor_of(request)
    info = selectors.request_open(actor=actor, pk=request_id)
    return [
        {"name": a.name, "label": a.label, "inputs": list(a.inputs), "danger": a.danger}
        for a in selectors.available_actions(info, actor)
    ]


@router.post(
    "/{int:request_id}/transitions",
    response={200: RequestDetailOut, **errors(401, 403, 404, 409)},
    summary="Take one step on the request",
)
@requires(caps.HANDLE)
def request_transition_op(request: HttpRequest, request_id: int, payload: TransitionIn) -> InformationRequest:
    """Actions: assign (PPID utama), forward, extend (once, with a reason), decide (the written
    notice: outcome, exemption ground and consequence test when refused, the other body when held
    elsewhere, copying cost), deliver. `GET …/actions` lists those you can take now."""
    return request_transition(
        actor=actor_of(request),
        request_id=request_id,
        action=payload.action,
        note=payload.note,
        unit_id=payload.unit_id,
        decision=Decision(
            outcome=payload.outcome,
            exemption_ground=payload.exemption_ground,
            consequence_test=payload.consequence_test,
            other_body=payload.other_body,
            copy_cost=payload.copy_cost,
            exemption_entry_id=payload.exemption_entry_id,
        ),
        expected_version=payload.expected_version,
    )


@router.get("/objections", response={200: list[ObjectionOut], **errors(401, 403)}, summary="Objections")
@paginate(PageNumberPagination)
@requires(caps.OBJECTIONS)
def objection_list(request: HttpRequest, status: str = ""):  # type: ignore[no-untyped-def]
    return selectors.objections_list(actor=actor_of(request), status=status[:10])


@router.post(
    "/objections/{int:objection_id}/decision",
    response={200: ObjectionOut, **errors(401, 403, 404, 409)},
    summary="The atasan PPID's answer to an objection",
)
@requires(caps.DECIDE_OBJECTIONS)
def objection_decision(request: HttpRequest, objection_id: int, payload: ObjectionDecisionIn) -> Objection:
    return objection_decide(
        actor=actor_of(request), objection_id=objection_id, upheld=payload.upheld, answer=payload.answer
    )


# The registers' operations, on this router (kept in their own module).
from . import register_api  # noqa: E402, F401
