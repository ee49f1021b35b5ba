"""Reads: work queues (scoped), the public tracking view, document verification, statistics."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core import signing
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warga.audit.services import audit_read
from warga.core.errors import NotFound
from warga.core.scoping import ANONYMOUS, Actor, rescoped, scoped, unscoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit, UnitKind
from warga.org.selectors import units_of_area

from . import capabilities as caps
from .models import (
    ACTIVE_STATUSES,
    SIGNATURE_PENDING_STATUSES,
    STAGE_OF_STATUS,
    Application,
    ApplicationEvent,
    Batch,
    OfficeMode,
    OfficeRollout,
    PaperBatch,
    RequiredDocument,
    Service,
    Status,
)
from .services.workflow import ACTIONS, refusal

SIGNING_SALT = "warga.applications.document"


# --- Masking and wording ----------------------------------------------------------------------


def mask_name(name: str) -> str:
    """ "Budi Santoso" → "B*** S******": enough for the owner to recognise, no more."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in (name or "").split() if word)


def where_is(application: Application) -> str:
    status = application.status
    office = application.office.name
    if status in (Status.DRAFT, Status.SUBMITTED, Status.VERIFIED, Status.RETURNED_TO_KECAMATAN):
        return _("At %(office)s") % {"office": office}
    if status == Status.RETURNED_TO_APPLICANT:
        return _("Waiting for the applicant (see the reason)")
    if status in (Status.SENT, Status.IN_REVIEW, Status.APPROVED, Status.ISSUED):
        return _("At the Disdukcapil")
    if status == Status.SENT_TO_KECAMATAN:
        if application.ready_at:
            return _("Ready for collection at %(office)s") % {"office": office}
        return _("On its way to %(office)s") % {"office": office}
    return _("Finished")


def status_label(application: Application) -> str:
    if application.is_ready_for_collection:
        return _("Ready for collection")
    return str(application.get_status_display())


EVENT_LABELS = {
    "create": gettext_noop("Draft started at the counter"),
    "submit": gettext_noop("Application received"),
    "lodge": gettext_noop("Application received"),
    "resubmit": gettext_noop("Resubmitted after correction"),
    "sign": gettext_noop("Applicant's signature received"),
    "verify": gettext_noop("Verified at the kecamatan"),
    "return_to_applicant": gettext_noop("Returned to the applicant"),
    "send": gettext_noop("Sent to the Disdukcapil"),
    "claim": gettext_noop("Review started at the Disdukcapil"),
    "release": gettext_noop("Put back in the Disdukcapil queue"),
    "approve": gettext_noop("Approved"),
    "return_to_kecamatan": gettext_noop("Returned to the kecamatan for correction"),
    "reject": gettext_noop("Rejected"),
    "issue": gettext_noop("Document issued"),
    "dispatch": gettext_noop("Sent to the kecamatan"),
    "receive": gettext_noop("Ready for collection at the kecamatan"),
    "hand_over": gettext_noop("Handed over"),
    "close": gettext_noop("Closed"),
}


def event_label(action: str) -> str:
    return _(EVENT_LABELS.get(action, action))


# Reasons the applicant needs to read (what to correct, why it was refused).
PUBLIC_REASON_ACTIONS = ("return_to_applicant", "reject")


# --- Workflow actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferedAction:
    """An action of the workflow table this actor can take on a file now."""

    name: str
    label: str
    inputs: tuple[str, ...]  # what the request must carry: "reason", "handed_to"
    danger: bool  # sends the file back or ends it

    @property
    def reason_required(self) -> bool:
        return "reason" in self.inputs


def available_actions(application: Application, actor: Actor) -> list[OfferedAction]:
    """The actions `application_transition` would accept from `actor` on this file now (the
    same table and guards), in the table's order. Staff only: the applicant's own actions
    (online lodge and resubmission) are never offered here, nor anything on a file outside the
    actor's area. Missing scans do not hide an action: taking it says which ones are missing."""
    if not actor.is_authenticated:
        return []
    try:
        application = rescoped(application, actor)
    except NotFound:
        return []
    return [
        OfferedAction(name=a.name, label=str(a.label), inputs=a.inputs, danger=a.danger)
        for a in ACTIONS.values()
        if a.capability is not None and refusal(a, application, actor) is None
    ]


# --- Queues --------------------------------------------------------------------------------------


def actionable_statuses(actor: Actor) -> list[str]:
    statuses: list[str] = []
    if actor.can(caps.SUBMIT):
        statuses += [Status.DRAFT, Status.RETURNED_TO_APPLICANT]
    if actor.can(caps.VERIFY):
        statuses += [Status.SUBMITTED, Status.RETURNED_TO_KECAMATAN]
    if actor.can(caps.SEND):
        statuses += [Status.VERIFIED]
    if actor.can(caps.REVIEW):
        statuses += [Status.SENT, Status.IN_REVIEW]
    if actor.can(caps.ISSUE):
        statuses += [Status.APPROVED, Status.ISSUED]
    if actor.can(caps.HAND_OVER):
        statuses += [Status.SENT_TO_KECAMATAN, Status.HANDED_OVER]
    return list(dict.fromkeys(statuses))


def applications_visible(actor: Actor) -> QuerySet[Application]:
    return scoped(Application.objects.all(), actor)


def applications_queue(
    *,
    actor: Actor,
    status: str | None = None,
    service: str | None = None,
    office_id: int | None = None,
    overdue: bool = False,
    code: str | None = None,
    mine: bool = True,
    sandbox: bool | None = None,
    unsigned: bool = False,
    today: date | None = None,
) -> QuerySet[Application]:
    """A unit's queue, overdue files first, then by stage due date. `unsigned`: only the files
    still waiting for the applicant's signature."""
    today = today or timezone.localdate()
    qs = applications_visible(actor).select_related("service", "office")
    if code:
        qs = qs.filter(tracking_code=code)
    elif status:
        qs = qs.filter(status=status)
    elif mine:
        qs = qs.filter(status__in=actionable_statuses(actor) or ["-"])
        if actor.can(caps.REVIEW) and not actor.can(caps.OVERSEE):
            qs = qs.exclude(Q(status=Status.IN_REVIEW) & ~Q(assigned_to_id=actor.id))
    else:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if service:
        qs = qs.filter(service__code=service)
    if office_id:
        qs = qs.filter(office_id=office_id)
    if overdue:
        # Only files on their way have a stage due date; repeating the status condition here
        # would make PostgreSQL misjudge how many rows match and leave the queue index aside.
        qs = qs.filter(stage_due_on__lt=today)
    if sandbox is not None:
        qs = qs.filter(is_sandbox=sandbox)
    if unsigned:
        qs = filter_awaiting_signature(qs)
    # Overdue files first, then by stage due date: only files on their way have a stage due date
    # (it is cleared when a file leaves the active states), so due-date order puts the overdue
    # ones first by itself and the queue is read in index order (app_active_due_idx).
    return qs.annotate(
        is_overdue=Case(
            When(Q(stage_due_on__lt=today) & Q(status__in=ACTIVE_STATUSES), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by(F("stage_due_on").asc(nulls_last=True), "id")


def filter_awaiting_signature(qs: QuerySet[Application]) -> QuerySet[Application]:
    """The files of `qs` still on their way whose applicant has not signed the paper form yet."""
    return qs.filter(signed_at__isnull=True, status__in=SIGNATURE_PENDING_STATUSES)


def applications_awaiting_signature(
    *, actor: Actor, desa_code: str | None = None, include_sandbox: bool = False
) -> QuerySet[Application]:
    """Pending applications needing the applicant's signature, in the actor's area, oldest first;
    `desa_code` narrows them to applicants living in that desa."""
    qs = filter_awaiting_signature(applications_visible(actor))
    if not include_sandbox:
        qs = qs.filter(is_sandbox=False)
    if desa_code:
        qs = qs.filter(applicant__desa_id=desa_code)
    return qs.select_related("service", "office").order_by("submitted_at", "id")


def application_open(*, actor: Actor, application: Application) -> Application:
    """An application loaded within the actor's scope, shown to the officer in full (its
    detail page or API operation): recorded as a read."""
    audit_read(actor=actor, obj=application)
    return application


def application_history(application: Application) -> QuerySet[ApplicationEvent]:
    return application.events.select_related("actor", "actor_unit").order_by("at", "id")


def batches_to_receive(*, actor: Actor) -> QuerySet[Batch]:
    return scoped(Batch.objects.all(), actor).filter(
        direction=Batch.Direction.TO_KECAMATAN, received_at__isnull=True, office_id=actor.unit_id
    )


def overdue_for(*, actor: Actor, limit: int = 10) -> list[Application]:
    """The home-panel list: files past their stage target that the actor's unit should move."""
    today = timezone.localdate()
    qs = applications_visible(actor).filter(
        is_sandbox=False, status__in=ACTIVE_STATUSES, stage_due_on__lt=today
    )
    unit_kind = (
        Unit.objects.filter(pk=actor.unit_id).values_list("kind", flat=True).first()
        if actor.unit_id
        else None
    )
    if unit_kind == UnitKind.DISDUKCAPIL:
        qs = qs.filter(status__in=[s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] == "disdukcapil"])
    else:
        qs = qs.filter(
            office_id=actor.unit_id,
            status__in=[s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] != "disdukcapil"],
        )
    return list(qs.select_related("service", "office").order_by("stage_due_on", "id")[:limit])


# --- Public tracking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackedStep:
    label: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class TrackView:
    code: str
    service: str
    status: str
    status_code: str
    where: str
    masked_name: str
    expected_on: date | None
    submitted_at: datetime | None
    steps: list[TrackedStep]
    reason: str
    is_sandbox: bool
    # An online file returned to the applicant can be corrected and sent again from this page.
    can_resubmit: bool = False
    requirements: list[RequiredDocument] = field(default_factory=list)


@unscoped("public page: the holder of a tracking code sees its file")
def track_lookup(code: str) -> TrackView | None:
    """What anyone holding the code may see: no NIK, no phone, the name masked."""
    application = (
        Application.objects.select_related("service", "office")
        .filter(tracking_code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if application is None:
        return None
    steps = [
        TrackedStep(
            label=event_label(e.action),
            at=e.at,
            reason=e.reason if e.action in PUBLIC_REASON_ACTIONS else "",
        )
        for e in application.events.exclude(action="create").order_by("at", "id")
    ]
    reason = (
        application.return_reason
        if application.status in (Status.RETURNED_TO_APPLICANT, Status.REJECTED)
        else ""
    )
    can_resubmit = refusal(ACTIONS["resubmit_online"], application, ANONYMOUS) is None
    return TrackView(
        code=application.tracking_code,
        service=application.service.display_name,
        status=status_label(application),
        status_code=application.status,
        where=where_is(application),
        masked_name=mask_name(application.applicant_name),
        expected_on=application.due_on
        if application.status not in (Status.REJECTED, Status.CLOSED)
        else None,
        submitted_at=application.submitted_at,
        steps=steps,
        reason=reason,
        is_sandbox=application.is_sandbox,
        can_resubmit=can_resubmit,
        requirements=list(application.service.requirements.all()) if can_resubmit else [],
    )


def application_status_for_sms(*, tracking_code: str) -> str | None:
    """The reply to "CEK <code>": one short Indonesian line, no personal data."""
    code = "".join(ch for ch in (tracking_code or "").upper() if ch.isalnum())
    if not code:
        return None
    with translation.override("id"):
        view = track_lookup(code)
        if view is None:
            return None
        line = _("Application %(code)s (%(service)s): %(status)s. %(where)s.") % {
            "code": view.code,
            "service": view.service,
            "status": view.status,
            "where": view.where,
        }
        if view.reason:
            line += " " + _("Reason: %(reason)s.") % {"reason": " ".join(view.reason.split())[:120]}
        if view.expected_on and view.status_code not in (Status.HANDED_OVER, Status.CLOSED):
            line += " " + _("Expected: %(date)s.") % {"date": view.expected_on.strftime("%d-%m-%Y")}
        return line


# --- Document verification -----------------------------------------------------------------------


def document_token(number: str) -> str:
    """The QR token of a document number: an HMAC with SECRET_KEY, impossible to guess."""
    return signing.Signer(salt=SIGNING_SALT).signature(number)


@dataclass(frozen=True)
class VerifiedDocument:
    genuine: bool
    document_type: str = ""
    issued_on: date | None = None
    masked_name: str = ""
    training: bool = False


@unscoped("public page: a signed document number proves the document")
def document_verify(number: str, token: str) -> VerifiedDocument:
    number = (number or "").strip()[:40]
    token = (token or "").strip()[:100]
    if not number or not token:
        return VerifiedDocument(genuine=False)
    expected = document_token(number)
    if not constant_time_compare(expected, token):
        return VerifiedDocument(genuine=False)
    application = (
        Application.objects.select_related("service")
        .filter(document_number=number, document_issued_on__isnull=False)
        .exclude(status=Status.REJECTED)
        .first()
    )
    if application is None:
        return VerifiedDocument(genuine=False)
    label = ""
    from .models import DocumentType

    label = str(DocumentType(application.service.document_type).label)
    if application.is_sandbox:
        return VerifiedDocument(genuine=False, training=True, document_type=label)
    subject = application.applicant_name
    if application.service.effect == "birth":
        subject = application.data.get("child_name", subject)
    return VerifiedDocument(
        genuine=True,
        document_type=label,
        issued_on=application.document_issued_on,
        masked_name=mask_name(subject),
    )


# --- Statistics ----------------------------------------------------------------------------------


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 1)


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "median": round(statistics.median(values), 1) if values else None,
        "p90": _percentile(values, 0.9),
    }


STAGES = (
    ("kecamatan", "submitted_at", "sent_at"),
    ("disdukcapil", "sent_at", "issued_at"),
    ("return", "issued_at", "ready_at"),
    ("end_to_end", "submitted_at", "ready_at"),
)


def statistics_for(*, actor: Actor, start: date, end: date, service: str | None = None) -> dict[str, Any]:
    """Received, completed, overdue per kecamatan and service; turnaround per stage; manual vs online.

    Turnaround is in working days. Sandbox files never count.
    """
    today = timezone.localdate()
    base = applications_visible(actor).filter(is_sandbox=False)
    if service:
        base = base.filter(service__code=service)
    start_dt = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    end_dt = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()))
    received = base.filter(submitted_at__gte=start_dt, submitted_at__lt=end_dt)
    completed = base.filter(handed_over_at__gte=start_dt, handed_over_at__lt=end_dt)
    overdue = base.filter(status__in=ACTIVE_STATUSES, stage_due_on__lt=today)
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def bump(qs: QuerySet[Application], key: str) -> None:
        for item in qs.values("office__name", "service__name").annotate(n=Count("id")):
            row = rows.setdefault(
                (item["office__name"], item["service__name"]),
                {
                    "office": item["office__name"],
                    "service": item["service__name"],
                    "received": 0,
                    "completed": 0,
                    "overdue": 0,
                },
            )
            row[key] = item["n"]

    bump(received, "received")
    bump(completed, "completed")
    bump(overdue, "overdue")
    calendar = WorkCalendar()
    finished = base.filter(ready_at__gte=start_dt, ready_at__lt=end_dt).values(
        "office_id", "submitted_at", "sent_at", "issued_at", "ready_at"
    )
    durations: dict[str, list[float]] = {name: [] for name, _a, _b in STAGES}
    for milestones in finished.iterator():
        times: dict[str, Any] = dict(milestones)
        for name, a, b in STAGES:
            if times[a] and times[b]:
                durations[name].append(
                    calendar.between(timezone.localdate(times[a]), timezone.localdate(times[b]))
                )
    stages = {name: _summary(values) for name, values in durations.items()}
    paper = scoped(PaperBatch.objects.all(), actor).filter(returned_on__gte=start, returned_on__lte=end)
    if service:
        paper = paper.filter(service__code=service)
    paper_days: list[float] = []
    paper_files = 0
    for batch in paper:
        assert batch.returned_on is not None
        paper_days.extend([calendar.between(batch.sent_on, batch.returned_on)] * batch.files_count)
        paper_files += batch.files_count
    per_office: dict[str, dict[str, int]] = {}
    for row in rows.values():
        office = per_office.setdefault(row["office"], {"received": 0, "completed": 0, "overdue": 0})
        for key in ("received", "completed", "overdue"):
            office[key] += row[key]
    return {
        "rows": sorted(rows.values(), key=lambda r: (r["office"], r["service"])),
        "per_office": per_office,
        "stages": stages,
        "online": stages["end_to_end"],
        "manual": {**_summary(paper_days), "files": paper_files},
    }


def rollout_rows(*, actor: Actor) -> list[dict[str, Any]]:
    offices = units_of_area(actor=actor)
    modes = {r.unit_id: r for r in OfficeRollout.objects.filter(unit__in=offices).select_related("head")}
    result = []
    for office in offices:
        rollout = modes.get(office.pk)
        result.append(
            {
                "office": office,
                "mode": rollout.mode if rollout else OfficeMode.ONLINE,
                "mode_label": OfficeMode(rollout.mode if rollout else OfficeMode.ONLINE).label,
                "head": rollout.head if rollout else None,
            }
        )
    return result


def services_active() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).prefetch_related("requirements").order_by("order", "code")
