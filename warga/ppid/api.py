"""The information-requests API: the public form and tracking (no login), and the officers'
list, detail, desk entry, actions and objections; the registers under `/registers/…` (public
reads, officers' writes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import Throttled
from ninja.pagination import paginate
from ninja.responses import Status

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import NotFound
from warga.core.middleware import client_ip
from warga.core.pagination import BoundedPageNumberPagination, PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import Actor, unscoped

from . import capabilities as caps
from . import register_selectors as rs
from . import selectors
from .models import ExemptInformation, InformationRequest, Objection, PublicInformation, RequestChannel
from .services import (
    Decision,
    ExemptionInput,
    InformationInput,
    RequestInput,
    exemption_save,
    exemption_withdraw,
    information_save,
    information_withdraw,
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
@paginate(BoundedPageNumberPagination)
@requires(caps.VIEW)
def request_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: str = "",
    overdue: bool = False,
    unit_id: int | None = None,
    number: str = "",
):
    """In the list's order (escalated, then by status and due day). The list holds every request
    of the years: `count` stops at the end of the page asked for or at 1,000, whichever is
    further, and `count_capped` says there are more."""
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


# --- The registers: the Daftar Informasi Publik and the exempted information -----------------------
# Anybody reads what is in each register now; officers with `ppid.registers` create, correct and
# withdraw entries (the PPID utama any unit's, a pembantu its unit's).


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("ppid:dip_document", args=[obj.pk])


class InformationOut(Schema):
    id: int
    category: str
    unit_id: int
    unit: str
    title: str
    summary: str
    format: str
    retention: str
    period: str
    published_on: date
    withdrawn_at: datetime | None
    withdrawn_reason: str
    version: int
    documents: list[DocumentOut]

    @staticmethod
    def resolve_unit(obj: PublicInformation) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_documents(obj: PublicInformation) -> list[Any]:
        return list(obj.documents.all())


class ExemptionOut(Schema):
    id: int
    ground: str
    unit_id: int
    unit: str
    title: str
    test_reference: str
    tested_on: date
    consequence: str
    period: str
    exempt_until: date | None
    withdrawn_at: datetime | None
    withdrawn_reason: str
    version: int

    @staticmethod
    def resolve_unit(obj: ExemptInformation) -> str:
        return obj.unit.name


class InformationIn(Schema):
    category: str = Field(..., max_length=12, description="berkala, serta_merta or setiap_saat")
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647, description="default: your unit")
    title: str = Field(..., max_length=300)
    summary: str = Field(..., max_length=4000)
    format: str = Field("soft", max_length=8, description="soft, hard or both")
    retention: str = Field(..., max_length=100)
    period: str = Field(..., max_length=100)
    published_on: date
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)

    def to_input(self) -> InformationInput:
        return InformationInput(
            category=self.category,
            unit_id=self.unit_id,
            title=self.title,
            summary=self.summary,
            format=self.format,
            retention=self.retention,
            period=self.period,
            published_on=self.published_on,
        )


class ExemptionIn(Schema):
    ground: str = Field(..., max_length=1, description="art. 17 letter, a–j")
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647, description="default: your unit")
    title: str = Field(..., max_length=300)
    test_reference: str = Field(..., max_length=200)
    tested_on: date
    consequence: str = Field(..., max_length=4000)
    period: str = Field(..., max_length=100)
    exempt_until: date | None = None
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)

    def to_input(self) -> ExemptionInput:
        return ExemptionInput(
            ground=self.ground,
            unit_id=self.unit_id,
            title=self.title,
            test_reference=self.test_reference,
            tested_on=self.tested_on,
            consequence=self.consequence,
            period=self.period,
            exempt_until=self.exempt_until,
        )


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=2000)


def _filters(kind: str, unit_id: int | None, q: str) -> rs.RegisterFilters:
    return rs.RegisterFilters(
        kind=kind[:12], unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None, text=q[:100]
    )


@router.get(
    "/registers/dip",
    auth=None,
    response={200: list[InformationOut], **errors()},
    summary="The Daftar Informasi Publik (public)",
)
@public
@paginate(PageNumberPagination)
def dip_list(request: HttpRequest, category: str = "", unit_id: int | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    """Entries in the register now, filtered by category (berkala, serta_merta, setiap_saat), unit
    and text, with their documents' download addresses."""
    with unscoped("public register: anybody may read it"):
        return list(rs.information_public(_filters(category, unit_id, q))[:5000])


@router.get(
    "/registers/dip/{int:entry_id}",
    auth=None,
    response={200: InformationOut, **errors(404)},
    summary="One entry of the Daftar Informasi Publik (public)",
)
@public
def dip_detail(request: HttpRequest, entry_id: int) -> PublicInformation:
    with unscoped("public register: anybody may read it"):
        entry = rs.information_public(rs.RegisterFilters()).filter(pk=entry_id).first()
        if entry is None:
            raise NotFound("Not found.")
        list(entry.documents.all())
    return entry


@router.post(
    "/registers/dip",
    response={201: InformationOut, **errors(401, 403, 404, 409)},
    summary="Add an entry to the Daftar Informasi Publik",
)
@requires(caps.REGISTERS)
def dip_create(request: HttpRequest, payload: InformationIn) -> Status[PublicInformation]:
    return Status(201, information_save(actor=actor_of(request), data=payload.to_input()))


@router.put(
    "/registers/dip/{int:entry_id}",
    response={200: InformationOut, **errors(401, 403, 404, 409)},
    summary="Correct an entry of the Daftar Informasi Publik",
)
@requires(caps.REGISTERS)
def dip_update(request: HttpRequest, entry_id: int, payload: InformationIn) -> PublicInformation:
    return information_save(
        actor=actor_of(request),
        data=payload.to_input(),
        entry_id=entry_id,
        expected_version=payload.expected_version,
    )


@router.post(
    "/registers/dip/{int:entry_id}/withdraw",
    response={200: InformationOut, **errors(401, 403, 404, 409)},
    summary="Withdraw an entry from the Daftar Informasi Publik (kept, with the reason)",
)
@requires(caps.REGISTERS)
def dip_withdraw(request: HttpRequest, entry_id: int, payload: WithdrawIn) -> PublicInformation:
    return information_withdraw(actor=actor_of(request), entry_id=entry_id, reason=payload.reason)


@router.get(
    "/registers/exempt",
    auth=None,
    response={200: list[ExemptionOut], **errors()},
    summary="The register of exempted information (public)",
)
@public
@paginate(PageNumberPagination)
def exempt_list(request: HttpRequest, ground: str = "", unit_id: int | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    """Entries in force, filtered by art. 17 ground (a–j), unit and text: what a refusal may cite."""
    with unscoped("public register: anybody may read it"):
        return list(rs.exemptions_public(_filters(ground, unit_id, q))[:5000])


@router.get(
    "/registers/exempt/{int:exempt_id}",
    auth=None,
    response={200: ExemptionOut, **errors(404)},
    summary="One entry of the register of exempted information (public)",
)
@public
def exempt_detail(request: HttpRequest, exempt_id: int) -> ExemptInformation:
    with unscoped("public register: anybody may read it"):
        entry = rs.exemptions_public(rs.RegisterFilters()).filter(pk=exempt_id).first()
    if entry is None:
        raise NotFound("Not found.")
    return entry


@router.post(
    "/registers/exempt",
    response={201: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Add an entry to the register of exempted information",
)
@requires(caps.REGISTERS)
def exempt_create(request: HttpRequest, payload: ExemptionIn) -> Status[ExemptInformation]:
    return Status(201, exemption_save(actor=actor_of(request), data=payload.to_input()))


@router.put(
    "/registers/exempt/{int:exempt_id}",
    response={200: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Correct an entry of the register of exempted information",
)
@requires(caps.REGISTERS)
def exempt_update(request: HttpRequest, exempt_id: int, payload: ExemptionIn) -> ExemptInformation:
    return exemption_save(
        actor=actor_of(request),
        data=payload.to_input(),
        entry_id=exempt_id,
        expected_version=payload.expected_version,
    )


@router.post(
    "/registers/exempt/{int:exempt_id}/withdraw",
    response={200: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Withdraw an entry from the register of exempted information (kept, with the reason)",
)
@requires(caps.REGISTERS)
def exempt_withdraw(request: HttpRequest, exempt_id: int, payload: WithdrawIn) -> ExemptInformation:
    return exemption_withdraw(actor=actor_of(request), entry_id=exempt_id, reason=payload.reason)
