"""Reads of information requests and objections.

Who sees which request: the PPID utama (`ppid.manage`) and the atasan (`ppid.objections`) every
request of the installation; a PPID pembantu the requests its unit holds now. Opening a request
shows the requester's identity: `request_open` records the read. Public answers (tracking, SMS)
carry no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext

from warga.audit.services import audit_read
from warga.core.errors import NotFound
from warga.core.pagination import bounded_count
from warga.core.scoping import Actor, get_scoped, scoped, unscoped

from . import capabilities as caps
from .models import (
    GIVING,
    OPEN_STATUSES,
    AnswerDocument,
    InformationRequest,
    Objection,
    ObjectionStatus,
    RequestEvent,
    RequestStatus,
)
from .services._common import number_normalize
from .services.documents import download_token
from .services.objections import dispute_window, objection_window
from .services.workflow import ACTIONS, Step, refusal, sees_all, visible


def requests_visible(actor: Actor) -> QuerySet[InformationRequest]:
    actor.require(caps.VIEW)
    return visible(InformationRequest.objects.select_related("holding_unit", "receiving_unit"), actor)


@dataclass(frozen=True)
class RequestFilters:
    status: str = ""
    unit_id: int | None = None
    overdue: bool = False
    number: str = ""
    mine: bool = False  # only what the actor's unit holds


def requests_list(*, actor: Actor, filters: RequestFilters | None = None) -> QuerySet[InformationRequest]:
    """Escalated first, then the open ones ("received" sorts after "delivered" and "answered":
    the status descending), then the nearest due date, then the newest."""
    f = filters or RequestFilters()
    qs = requests_visible(actor)
    if f.mine:
        qs = qs.filter(holding_unit_id=actor.unit_id) if actor.unit_id else qs.none()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.unit_id:
        qs = qs.filter(holding_unit_id=f.unit_id)
    if f.overdue:
        qs = qs.filter(status=RequestStatus.RECEIVED, due_on__lt=timezone.localdate())
    if f.number:
        qs = qs.filter(number=number_normalize(f.number))
    return qs.order_by("-escalation_level", "-status", "due_on", "-id")


CLOSED_COUNT_CAP = 1000
"""A closed status is counted up to this many requests: closed requests only accumulate (every
notice of every year), the open ones are few and are counted exactly."""
CLOSED_COUNTED = (RequestStatus.ANSWERED,)
"""The closed statuses the list shows a (capped) count of."""


@dataclass(frozen=True)
class RequestCounts:
    """The list's counts. The open requests by status and the overdue ones are exact; a closed
    status is counted up to `CLOSED_COUNT_CAP` (`capped` names those with more)."""

    by_status: dict[str, int]
    overdue: int
    capped: frozenset[str]

    @property
    def shown(self) -> dict[str, str]:
        """Each status's count as the page shows it ("1.000+" when capped)."""
        return {
            status: formats.number_format(n, force_grouping=True) + ("+" if status in self.capped else "")
            for status, n in self.by_status.items()
        }


def request_counts(*, actor: Actor, mine: bool = False) -> RequestCounts:
    """The open requests by status with the overdue ones in one pass over the open requests
    alone (their range of the index `ppid_status_counts`, which holds the scope's columns: an
    index-only scan), and each of `CLOSED_COUNTED` up to `CLOSED_COUNT_CAP` (a COUNT over a
    LIMITed subquery: the database stops at the cap)."""
    qs = requests_list(actor=actor, filters=RequestFilters(mine=mine)).order_by()
    late = Q(due_on__lt=timezone.localdate())
    rows = (
        qs.filter(status__in=OPEN_STATUSES)
        .values("status")
        # Columns of the index only (never the id): the count reads the index alone.
        .annotate(n=Count("*"), late=Count("due_on", filter=late))
    )
    by_status = {str(status): 0 for status in OPEN_STATUSES}
    overdue = 0
    for row in rows:
        by_status[row["status"]] = row["n"]
        overdue += row["late"]
    capped = set()
    for status in CLOSED_COUNTED:
        by_status[status], more = bounded_count(qs.filter(status=status), CLOSED_COUNT_CAP)
        if more:
            capped.add(str(status))
    return RequestCounts(by_status=by_status, overdue=overdue, capped=frozenset(capped))


def request_open(*, actor: Actor, pk: int) -> InformationRequest:
    """One request for its page or the API; the read is audited (it shows the requester)."""
    request = get_scoped(requests_visible(actor), actor, pk=pk)
    audit_read(actor=actor, obj=request, purpose="view")
    return request


def request_events(request: InformationRequest) -> QuerySet[RequestEvent]:
    return request.events.select_related("actor", "actor_unit", "unit")


def request_documents(request: InformationRequest) -> list[AnswerDocument]:
    return list(request.documents.all())


def document_open(*, actor: Actor, request_id: int, document_id: int) -> AnswerDocument:
    request = get_scoped(requests_visible(actor), actor, pk=request_id)
    document = AnswerDocument.objects.filter(request=request, pk=document_id).first()
    if document is None:
        raise NotFound(gettext("Not found."))
    audit_read(actor=actor, obj=document, purpose="open")
    return document


def legal_papers_open(*, actor: Actor, request_id: int) -> InformationRequest:
    request = get_scoped(requests_visible(actor), actor, pk=request_id)
    if not request.legal_papers:
        raise NotFound(gettext("Not found."))
    audit_read(actor=actor, obj=request, purpose="legal_papers")
    return request


@dataclass(frozen=True)
class OfferedAction:
    name: str
    label: str
    inputs: tuple[str, ...]
    danger: bool


def available_actions(request: InformationRequest, actor: Actor) -> list[OfferedAction]:
    """The actions `request_transition` would accept from `actor` now (same table, same guards)."""
    if not actor.is_authenticated:
        return []
    step = Step(actor=actor, request=request, now=timezone.now())
    return [
        OfferedAction(a.name, str(a.label), a.inputs, a.danger)
        for a in ACTIONS.values()
        if refusal(a, step) is None
    ]


def can_attach(request: InformationRequest, actor: Actor) -> bool:
    return (
        actor.can(caps.HANDLE)
        and request.status != RequestStatus.DELIVERED
        and (actor.can(caps.MANAGE) or actor.unit_id == request.holding_unit_id)
    )


@dataclass(frozen=True)
class PublicStatus:
    """What anyone with the number sees: no name, no NIK, no contact, no text of the request."""

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


@unscoped("public tracking: a request found by its registration number")
def request_public_status(number: str) -> PublicStatus | None:
    request = (
        InformationRequest.objects.select_related("holding_unit", "receiving_unit")
        .filter(number=number_normalize(number))
        .first()
    )
    if request is None:
        return None
    objection = request.objections.order_by("-filed_at").first()
    return PublicStatus(
        number=request.number,
        status=request.get_status_display(),
        status_code=request.status,
        received_on=request.received_on,
        due_on=request.due_on,
        extended=request.extended,
        held_by=request.holding_unit.name,
        received_by=request.receiving_unit.name,
        outcome=request.get_outcome_display() if request.outcome else "",
        outcome_code=request.outcome,
        exemption_ground=request.get_exemption_ground_display() if request.exemption_ground else "",
        other_body=request.other_body,
        decided_on=request.decided_on,
        copy_cost=request.copy_cost,
        objection=objection.get_status_display() if objection else "",
    )


@dataclass(frozen=True)
class RequesterView:
    """What the requester sees after proving the request (number + their phone or e-mail): the
    download links of a granted answer and whether an objection can still be filed."""

    links: list[tuple[str, str]]
    objection_until: date
    can_object: bool


def requester_view(request: InformationRequest) -> RequesterView:
    from django.urls import reverse

    links = []
    if request.outcome in GIVING:
        with unscoped("the requester proved the request: its answer documents"):
            documents = list(AnswerDocument.objects.filter(request=request).order_by("pk"))
        links = [(d.name, reverse("ppid:download", args=[download_token(d)])) for d in documents]
    ground_on, until = objection_window(request)
    today = timezone.localdate()
    with unscoped("the requester proved the request: its open objection"):
        open_objection = Objection.objects.filter(request=request, status=ObjectionStatus.FILED).exists()
    can_object = (
        (request.decided_on is not None or today > ground_on) and today <= until and not open_objection
    )
    return RequesterView(links=links, objection_until=until, can_object=can_object)


@unscoped("SMS keyword: a request's status by its registration number")
def request_status_for_sms(number: str) -> str | None:
    """INFO <number>: the status, who holds it and the date, without any personal data."""
    status = request_public_status(number)
    if status is None:
        return None
    if status.outcome:
        return gettext("%(number)s: %(status)s — %(outcome)s (%(date)s).") % {
            "number": status.number,
            "status": status.status,
            "outcome": status.outcome,
            "date": status.decided_on.strftime("%d-%m-%Y") if status.decided_on else "",
        }
    return gettext("%(number)s: %(status)s, held by %(unit)s; the notice is due by %(date)s.") % {
        "number": status.number,
        "status": status.status,
        "unit": status.held_by,
        "date": status.due_on.strftime("%d-%m-%Y"),
    }


def objections_list(*, actor: Actor, status: str = "") -> QuerySet[Objection]:
    actor.require(caps.OBJECTIONS)
    qs = scoped(Objection.objects.select_related("request", "request__holding_unit"), actor)
    if status:
        qs = qs.filter(status=status)
    # The filed ones (waiting for a decision) first; objections are few, a sort costs nothing.
    waiting_first = Case(When(status=ObjectionStatus.FILED, then=Value(0)), default=Value(1))
    return qs.order_by(waiting_first, "due_on", "-id")


def objection_open(*, actor: Actor, pk: int) -> Objection:
    actor.require(caps.OBJECTIONS)
    objection = get_scoped(Objection.objects.select_related("request", "decided_by"), actor, pk=pk)
    audit_read(actor=actor, obj=objection.request, purpose="objection")
    return objection


def objection_dispute_until(objection: Objection) -> date:
    return dispute_window(objection)


def is_manager(actor: Actor) -> bool:
    return sees_all(actor)
