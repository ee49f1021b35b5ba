"""The cases API: list (scoped), one case, filing (officers), the actions and taking one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import InvalidInput
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import requires
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from . import capabilities as caps
from . import selectors
from .models import Case, CaseChannel
from .services import MAX_TEXT, case_file, case_transition

router = Router(tags=["reports"])
PREFIX = "/reports"
ANY_VIEW = (caps.VIEW, caps.OVERSEE, caps.RESPOND)
OFFICER_CHANNELS = (CaseChannel.COUNTER, CaseChannel.FIELD, CaseChannel.CALL112)


class ReportOut(Schema):
    id: int
    reference: str
    tracking_code: str
    kind: str
    category: str
    channel: str
    text: str
    desa_code: str | None
    status: str
    assigned_unit_id: int | None
    received_at: datetime
    due_on: date | None
    overdue: bool
    escalation_level: int

    @staticmethod
    def resolve_desa_code(obj: Case) -> str | None:
        return obj.desa_id

    @staticmethod
    def resolve_due_on(obj: Case) -> date | None:
        return obj.due_on()

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return obj.is_overdue()


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    actor_unit_id: int | None
    unit_id: int | None
    note: str


class ReporterOut(Schema):
    name: str
    phone: str


class CaseDetailOut(ReportOut):
    version: int
    anonymous: bool
    confidential: bool
    reporter: ReporterOut | None = Field(
        None, description="None when anonymous, or confidential and you are not the complaint handler"
    )
    routing_reason: str
    answer: str
    reason: str
    verify_due_on: date | None
    answer_due_on: date | None
    merged_into: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    photos: int
    rating: int | None
    events: list[EventOut]

    @staticmethod
    def resolve_reporter(obj: Any) -> dict[str, str] | None:
        return getattr(obj, "api_reporter", None)

    @staticmethod
    def resolve_merged_into(obj: Case) -> str | None:
        return obj.merged_into.tracking_code if obj.merged_into_id and obj.merged_into else None

    @staticmethod
    def resolve_photos(obj: Any) -> int:
        return int(getattr(obj, "api_photos", 0))

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(getattr(obj, "api_events", []))


class ActionOut(Schema):
    name: str
    label: str
    inputs: list[str]
    danger: bool


class CaseIn(Schema):
    kind: str = "laporan"
    category: str = Field("", max_length=40)
    desa_code: str = Field(..., max_length=20)
    text: str = Field(..., max_length=MAX_TEXT)
    channel: str = "counter"
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=20)
    anonymous: bool = False
    confidential: bool = False
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    client_ref: str = Field("", max_length=64, description="Repeat it when you retry: the case is filed once")


class TransitionIn(Schema):
    action: str = Field(..., max_length=20)
    note: str = Field("", max_length=MAX_TEXT)
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647)
    target_code: str = Field("", max_length=20)
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)


def _detail(case: Case, actor: Actor) -> Case:
    """The case with what its detail shows computed for this actor (the reporter only when
    `reporter_visible`)."""
    visible = selectors.reporter_visible(case, actor)
    case.api_reporter = {"name": case.reporter_name, "phone": case.reporter_phone} if visible else None  # type: ignore[attr-defined]
    case.api_photos = len(selectors.case_photos(case))  # type: ignore[attr-defined]
    case.api_events = list(selectors.case_events(case))  # type: ignore[attr-defined]
    return case


@router.get("/", response={200: list[ReportOut], **errors(401, 403)}, summary="Cases you may see")
@paginate(PageNumberPagination)
@requires(*ANY_VIEW)
def list_reports(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: str = "",
    q: str = "",
    kind: str = "",
    category: str = "",
    unit_id: int | None = None,
    desa: str = "",
    overdue: bool = False,
    mine: bool = False,
):
    """Filters as on the inbox: no `status` lists the open cases, `status=all` every case (closed
    ones included), a status that one; `mine` keeps the cases assigned to your unit. Overdue cases
    are those past their next due date (verification, or the unit's answer)."""
    filters = selectors.CaseFilters(
        status=status[:20],
        kind=kind[:20],
        category=category[:20],
        unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None,
        desa_code=desa[:20],
        overdue=overdue,
        query=q[:100],
        mine=mine,
    )
    return selectors.cases_list(actor=actor_of(request), filters=filters)


@router.get("/{int:case_id}", response={200: CaseDetailOut, **errors(401, 403, 404)}, summary="One case")
@requires(*ANY_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> Case:
    actor = actor_of(request)
    return _detail(selectors.case_open(actor=actor, pk=case_id), actor)


@router.post("/", response={201: CaseDetailOut, **errors(401, 403, 404, 409)}, summary="File a case")
@requires(caps.CREATE)
def case_create(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    """A case heard at a counter, in the field or on a 112 call. Repeat `client_ref` on retry."""
    actor = actor_of(request)
    if payload.channel not in OFFICER_CHANNELS:
        raise InvalidInput(_("Unknown channel."), code="report.channel")
    desa = Region.objects.filter(code=payload.desa_code, level=RegionLevel.DESA).first()
    if desa is None:
        raise InvalidInput(_("Choose the desa where it happened."), code="report.desa_required")
    case = case_file(
        actor=actor,
        text=payload.text,
        channel=payload.channel,
        kind=payload.kind,
        category=payload.category,
        desa=desa,
        name=payload.name,
        phone=payload.phone,
        anonymous=payload.anonymous,
        confidential=payload.confidential,
        latitude=payload.latitude,
        longitude=payload.longitude,
        client_ref=payload.client_ref,
    )
    return Status(201, _detail(case, actor))


@router.get(
    "/{int:case_id}/actions",
    response={200: list[ActionOut], **errors(401, 403, 404)},
    summary="The steps you can take on this case now",
)
@requires(*ANY_VIEW)
def case_actions(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    case = selectors.case_open(actor=actor, pk=case_id)
    return [
        {"name": a.name, "label": a.label, "inputs": list(a.inputs), "danger": a.danger}
        for a in selectors.available_actions(case, actor)
    ]


@router.post(
    "/{int:case_id}/transitions",
    response={200: CaseDetailOut, **errors(401, 403, 404, 409)},
    summary="Move the case one step",
)
@requires(caps.HANDLE, caps.RESPOND)
def case_transition_op(request: HttpRequest, case_id: int, payload: TransitionIn) -> Case:
    """Actions: accept, verify, assign, reassign, ask_info, merge, reject (complaint handler);
    acknowledge, answer, hand_back (the assigned unit); close (complaint handler). `GET …/actions`
    lists those you can take now; an impossible step answers 409 with the reason."""
    actor = actor_of(request)
    case = case_transition(
        actor=actor,
        case_id=case_id,
        action=payload.action,
        note=payload.note,
        unit_id=payload.unit_id,
        target_code=payload.target_code,
        expected_version=payload.expected_version,
    )
    return _detail(case, actor)
