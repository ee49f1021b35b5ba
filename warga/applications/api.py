"""The applications API: the same services and scoping as the pages.

Mounted at the API root (PREFIX = "") so that the public `/track/{code}` and
`/verify/{number}` sit beside `/applications/…`.
"""

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import Throttled
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.audit.services import audit_record
from warga.core.api_schema import errors
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.scoping import Actor, in_scope
from warga.org.models import Unit

from . import capabilities as caps
from . import selectors, services
from .models import Application, Attachment, Batch, PaperBatch, Service
from .pdf import document_pdf, receipt_pdf
from .ratelimit import rate_limited
from .uploads import read_limited

PREFIX = ""
router = Router(tags=["applications"])


# --- Schemas --------------------------------------------------------------------------------


class RequirementOut(Schema):
    code: str
    label: str
    mandatory: bool


class ServiceOut(Schema):
    code: str
    name: str
    category: str
    channels: list[str]
    applicant: str
    effect: str
    document_type: str
    form_fields: list[dict[str, Any]]
    requirements: list[RequirementOut]
    target_days: dict[str, int]
    fee: int = 0
    # False: a second open application of this service for the same NIK is refused (409).
    allow_several: bool = False


class Ref(Schema):
    id: int
    name: str


class ApplicationOut(Schema):
    id: int
    tracking_code: str
    service: str
    service_name: str
    channel: str
    office: Ref
    status: str
    status_label: str
    ready_for_collection: bool
    is_sandbox: bool
    applicant_name: str
    version: int
    assigned_to: str | None
    stage_due_on: date | None
    due_on: date | None
    overdue: bool
    document_number: str | None
    submitted_at: datetime | None
    signed_at: datetime | None
    needs_signature: bool


class EventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str | None
    unit: str | None
    at: datetime
    reason: str


class AttachmentOut(Schema):
    id: int
    requirement: str
    content_type: str
    size: int
    pages: int
    uploaded_at: datetime
    url: str


class ChecklistItemOut(Schema):
    code: str
    label: str
    mandatory: bool
    attached: bool


class ApplicationDetailOut(ApplicationOut):
    applicant_nik: str
    phone: str
    data: dict[str, Any]
    return_reason: str
    effect_result: dict[str, Any]
    handed_to: str
    signature_place: str
    signature_witness: str | None
    events: list[EventOut]
    attachments: list[AttachmentOut]
    checklist: list[ChecklistItemOut]


class SubmitIn(Schema):
    service_code: str
    applicant_nik: str
    data: dict[str, Any] = {}
    channel: str = "counter"
    office_id: int | None = None
    phone: str = ""
    client_ref: str = ""
    draft: bool = False


class UpdateIn(Schema):
    expected_version: int
    data: dict[str, Any] | None = None
    phone: str | None = None


class ActionOut(Schema):
    name: str
    label: str
    inputs: list[str]
    reason_required: bool
    danger: bool


class TransitionIn(Schema):
    action: str
    reason: str = ""
    expected_version: int | None = None
    handed_to: str = ""
    proof: str = ""


class SignatureIn(Schema):
    where: Literal["counter", "outreach"] = "counter"


class BatchOut(Schema):
    id: int
    direction: str
    office: Ref
    size: int
    created_at: datetime
    received_at: datetime | None


class TrackStepOut(Schema):
    label: str
    at: datetime
    reason: str


class TrackOut(Schema):
    code: str
    service: str
    status: str
    status_code: str
    where: str
    name: str
    expected_on: date | None
    steps: list[TrackStepOut]
    reason: str
    training: bool


class VerifyOut(Schema):
    genuine: bool
    document_type: str
    issued_on: date | None
    name: str
    training: bool


class OfficeOut(Schema):
    id: int
    name: str
    mode: str
    head: str | None


class OfficeIn(Schema):
    mode: str
    head_id: int | None = None


class PaperBatchIn(Schema):
    files_count: int
    sent_on: date
    office_id: int | None = None
    service_code: str | None = None
    note: str = ""


class PaperBatchUpdateIn(Schema):
    expected_version: int
    received_on: date | None = None
    returned_on: date | None = None
    returned_count: int | None = None


class PaperBatchOut(Schema):
    id: int
    office: Ref
    service: str | None
    files_count: int
    sent_on: date
    received_on: date | None
    returned_on: date | None
    returned_count: int | None
    version: int


class ServiceUpdateIn(Schema):
    changes: dict[str, Any] = {}
    requirements: list[dict[str, Any]] | None = None


class StatsOut(Schema):
    start: date
    end: date
    rows: list[dict[str, Any]]
    stages: dict[str, dict[str, Any]]
    online: dict[str, Any]
    manual: dict[str, Any]


# --- Converters -----------------------------------------------------------------------------


def service_out(service: Service) -> ServiceOut:
    from .catalogue import service_form_class

    form = service_form_class(service)()
    fields = [
        {"name": name, "label": str(f.label), "required": f.required, "type": type(f).__name__}
        for name, f in form.fields.items()
    ]
    return ServiceOut(
        code=service.code,
        name=service.display_name,
        category=service.category,
        channels=list(service.channels),
        applicant=service.applicant_rule,
        effect=service.effect,
        document_type=service.document_type,
        allow_several=service.allow_several,
        form_fields=fields,
        requirements=[
            RequirementOut(code=r.code, label=r.display_label, mandatory=r.mandatory)
            for r in service.requirements.all()
        ],
        target_days={
            "kecamatan": service.target_days_kecamatan,
            "disdukcapil": service.target_days_disdukcapil,
            "return": service.target_days_return,
            "total": service.target_days_total,
        },
    )


def application_out(app: Application, *, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    from .models import ACTIVE_STATUSES

    return {
        "id": app.pk,
        "tracking_code": app.tracking_code,
        "service": app.service.code,
        "service_name": app.service.display_name,
        "channel": app.channel,
        "office": {"id": app.office_id, "name": app.office.name},
        "status": app.status,
        "status_label": selectors.status_label(app),
        "ready_for_collection": app.is_ready_for_collection,
        "is_sandbox": app.is_sandbox,
        "applicant_name": app.applicant_name,
        "version": app.version,
        "assigned_to": app.assigned_to.username if app.assigned_to_id and app.assigned_to else None,
        "stage_due_on": app.stage_due_on,
        "due_on": app.due_on,
        "overdue": bool(app.stage_due_on and app.stage_due_on < today and app.status in ACTIVE_STATUSES),
        "document_number": app.document_number,
        "submitted_at": app.submitted_at,
        "signed_at": app.signed_at,
        "needs_signature": app.needs_signature,
    }


def _attachment_url(app: Application, att: Attachment) -> str:
    return f"/api/v1/applications/{app.pk}/attachments/{att.pk}"


def application_detail_out(app: Application) -> dict[str, Any]:
    current = [a for a in app.attachments.all() if a.replaced_at is None]  # one read
    present = {a.requirement for a in current}
    return {
        **application_out(app),
        "applicant_nik": app.applicant_nik,
        "phone": app.phone,
        "data": app.data,
        "return_reason": app.return_reason,
        "effect_result": app.effect_result,
        "handed_to": app.handed_to,
        "signature_place": app.signature_place,
        "signature_witness": app.signature_witness.username
        if app.signature_witness_id and app.signature_witness
        else None,
        "events": [
            {
                "action": e.action,
                "label": selectors.event_label(e.action),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.get_full_name() or e.actor.username if e.actor else None,
                "unit": e.actor_unit.name if e.actor_unit else None,
                "at": e.at,
                "reason": e.reason,
            }
            for e in selectors.application_history(app)
        ],
        "attachments": [
            {
                "id": a.pk,
                "requirement": a.requirement,
                "content_type": a.content_type,
                "size": a.size,
                "pages": a.pages,
                "uploaded_at": a.uploaded_at,
                "url": _attachment_url(app, a),
            }
            for a in current
        ],
        "checklist": [
            {
                "code": r.code,
                "label": r.display_label,
                "mandatory": r.mandatory,
                "attached": r.code in present,
            }
            for r in app.service.requirements.all()
        ],
    }


def _load(actor: Actor, application_id: int) -> Application:
    actor.require(caps.VIEW)
    return in_scope(
        Application.objects.select_related("service", "office", "assigned_to", "signature_witness"),
        pk=application_id,
    )


# --- Catalogue --------------------------------------------------------------------------------


@router.get(
    "/applications/services",
    auth=None,
    response={200: list[ServiceOut], **errors()},
    summary="The service catalogue",
)
@paginate(PageNumberPagination, page_size=50)
@public
def service_list(request: HttpRequest) -> list[ServiceOut]:
    """Public: every active service with its form fields, checklist and targets. All free of charge."""
    return [service_out(s) for s in selectors.services_active()]


@router.patch(
    "/applications/services/{code}",
    response={200: ServiceOut, **errors(401, 403, 404)},
    summary="Edit a service (administrator)",
)
@requires("applications.catalogue")
def service_edit(request: HttpRequest, code: str, payload: ServiceUpdateIn) -> ServiceOut:
    service = services.service_update(
        actor=actor_of(request), code=code, changes=payload.changes, requirements=payload.requirements
    )
    return service_out(service)


# --- Applications -----------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: ApplicationDetailOut, **errors(401, 403, 404, 409)},
    summary="Submit an application",
)
@requires("applications.submit", "applications.submit_outreach")
def application_create(request: HttpRequest, payload: SubmitIn) -> Status[dict[str, Any]]:
    """Counter (office = your unit) or outreach (office = the applicant's kecamatan unless given).
    Attach scans with `POST /applications/{id}/documents/{requirement}`; a draft is then lodged
    with the `lodge` transition."""
    actor = actor_of(request)
    office = None
    if payload.office_id is not None:
        office = Unit.objects.filter(pk=payload.office_id).first()
        if office is None:
            raise InvalidInput(_("Unknown office."), code="applications.office_invalid")
    if payload.channel == "online":
        raise InvalidInput(
            _("Online applications are made on the public form."), code="applications.channel_not_allowed"
        )
    app = services.application_submit(
        actor=actor,
        service_code=payload.service_code,
        applicant_nik=payload.applicant_nik,
        data=payload.data,
        channel=payload.channel,
        office=office,
        client_ref=payload.client_ref,
        phone=payload.phone,
        draft=payload.draft,
    )
    return Status(201, application_detail_out(_load_fresh(app.pk)))


def _load_fresh(pk: int) -> Application:
    return Application.objects.select_related("service", "office", "assigned_to", "signature_witness").get(
        pk=pk
    )


@router.get("/applications", response={200: list[ApplicationOut], **errors(401, 403)}, summary="Work queue")
@paginate(PageNumberPagination, page_size=50)
@requires("applications.view")
def application_list(
    request: HttpRequest,
    status: str | None = None,
    service: str | None = None,
    office_id: int | None = None,
    overdue: bool = False,
    code: str | None = None,
    mine: bool = True,
    unsigned: bool = False,
) -> list[dict[str, Any]]:
    """Your unit's queue (mine=true: files waiting for what you may do), overdue first.
    unsigned=true: only files still waiting for the applicant's signature."""
    actor = actor_of(request)
    actor.require(caps.VIEW)
    qs = selectors.applications_queue(
        actor=actor,
        status=status,
        service=service,
        office_id=office_id,
        overdue=overdue,
        code=services.tracking_code_normalize(code) if code else None,
        mine=mine,
        unsigned=unsigned,
    ).select_related("assigned_to")
    today = timezone.localdate()
    return _LazyOut(qs, today)  # type: ignore[return-value]


class _LazyOut:
    """Lets the paginator slice the queryset before rows are converted."""

    def __init__(self, qs: Any, today: date):
        self.qs, self.today = qs, today

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: Any) -> Any:
        rows = self.qs[item]
        if isinstance(item, slice):
            return [application_out(a, today=self.today) for a in rows]
        return application_out(rows, today=self.today)


@router.get(
    "/applications/{int:application_id}",
    response={200: ApplicationDetailOut, **errors(401, 403, 404)},
    summary="One application with its history, checklist and scans",
)
@requires("applications.view")
def application_detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    app = selectors.application_open(actor=actor, application=_load(actor, application_id))
    return application_detail_out(app)


@router.get(
    "/applications/{int:application_id}/actions",
    response={200: list[ActionOut], **errors(401, 403, 404)},
    summary="The steps you can take on this file now",
)
@requires("applications.view")
def application_actions(request: HttpRequest, application_id: int) -> list[dict[str, Any]]:
    """The actions `POST …/transitions` accepts from you on this file in its current state
    (`sign_at_counter`: record the signature, also done by `POST …/signature`), from the same
    rules; `inputs` says what the step needs (`reason`, `handed_to`). Missing mandatory scans do not remove an
    action: taking it answers which ones are missing."""
    actor = actor_of(request)
    return [
        {
            "name": a.name,
            "label": a.label,
            "inputs": list(a.inputs),
            "reason_required": a.reason_required,
            "danger": a.danger,
        }
        for a in selectors.available_actions(_load(actor, application_id), actor)
    ]


@router.patch(
    "/applications/{int:application_id}",
    response={200: ApplicationDetailOut, **errors(401, 403, 404, 409)},
    summary="Correct an application (optimistic locking)",
)
@requires("applications.submit")
def application_edit(request: HttpRequest, application_id: int, payload: UpdateIn) -> dict[str, Any]:
    app = services.application_update(
        actor=actor_of(request),
        application_id=application_id,
        data=payload.data,
        phone=payload.phone,
        expected_version=payload.expected_version,
    )
    return application_detail_out(_load_fresh(app.pk))


@router.post(
    "/applications/{int:application_id}/transitions",
    response={200: ApplicationOut, **errors(401, 403, 404, 409)},
    summary="Move the file one step",
)
@requires(
    "applications.verify",
    "applications.send",
    "applications.review",
    "applications.issue",
    "applications.hand_over",
    "applications.oversee",
    "applications.submit",
)
def application_transition(
    request: HttpRequest, application_id: int, payload: TransitionIn
) -> dict[str, Any]:
    """Actions: lodge, verify, return_to_applicant, resubmit, send, claim, release, approve,
    return_to_kecamatan, reject, issue, dispatch, receive, hand_over, close, sign_at_counter;
    `GET …/actions` lists those you can take now. An impossible step answers 409
    with the reason."""
    app = services.application_transition(
        actor=actor_of(request),
        application_id=application_id,
        action=payload.action,
        reason=payload.reason,
        expected_version=payload.expected_version,
        handed_to=payload.handed_to,
        proof=payload.proof,
    )
    return application_out(app)  # as committed, with the relations the answer shows


@router.post(
    "/applications/{int:application_id}/signature",
    response={200: ApplicationOut, **errors(401, 403, 404, 409)},
    summary="Record the applicant's signature on the paper form",
)
@requires("applications.submit", "applications.submit_outreach")
def application_signature(request: HttpRequest, application_id: int, payload: SignatureIn) -> dict[str, Any]:
    """The applicant signed the form in front of you: at the counter of the handling office
    (`where = counter`) or in the field (`where = outreach`, outreach officers). A file already
    signed or finished answers 409."""
    actor = actor_of(request)
    app = in_scope(Application.objects.all(), pk=application_id)
    app = services.application_signature_record(actor=actor, application=app, where=payload.where)
    return application_out(app)


@router.post(
    "/applications/{int:application_id}/documents/{requirement}",
    response={201: AttachmentOut, **errors(401, 403, 404, 409, 413)},
    summary="Attach a scan (raw body: PDF, JPEG or PNG)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
@requires("applications.submit", "applications.submit_outreach")
def document_upload(request: HttpRequest, application_id: int, requirement: str) -> Status[dict[str, Any]]:
    """The file is the request body. Its type is checked from its content; at most
    UPLOAD_MAX_BYTES (a larger Content-Length is refused before the body is read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        declared = None
    content = read_limited(request, declared_size=declared)  # type: ignore[arg-type]
    att = services.document_attach(
        actor=actor_of(request), application_id=application_id, requirement=requirement, content=content
    )
    app = att.application
    return Status(
        201,
        {
            "id": att.pk,
            "requirement": att.requirement,
            "content_type": att.content_type,
            "size": att.size,
            "pages": att.pages,
            "uploaded_at": att.uploaded_at,
            "url": _attachment_url(app, att),
        },
    )


def attachment_response(actor: Actor, application_id: int, attachment_id: int) -> FileResponse:
    """Serve a scan to a role that handles the file; every view is audit-logged."""
    actor.require(caps.DOCUMENTS)
    app = in_scope(Application.objects.all(), pk=application_id)
    att = Attachment.objects.filter(application=app, pk=attachment_id).first()
    if att is None:
        raise NotFound(_("Not found."))
    audit_record(
        actor=actor,
        action="applications.attachment.view",
        obj=att,
        summary={"application": app.pk, "requirement": att.requirement},
    )
    extension = "pdf" if att.content_type == "application/pdf" else "jpg"
    response = FileResponse(
        default_storage.open(str(att.file.name), "rb"),
        content_type=att.content_type,
        as_attachment=False,
        filename=f"{app.tracking_code}-{att.requirement}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/applications/{int:application_id}/attachments/{int:attachment_id}",
    response={200: None, **errors(401, 403, 404)},
    summary="Open a scan (audit-logged)",
)
@requires("applications.documents")
def document_download(request: HttpRequest, application_id: int, attachment_id: int) -> FileResponse:
    return attachment_response(actor_of(request), application_id, attachment_id)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def receipt_response(actor: Actor, application_id: int) -> HttpResponse:
    app = _load(actor, application_id)
    audit_record(actor=actor, action="applications.application.receipt", obj=app)
    return _pdf(receipt_pdf(app), f"tanda-terima-{app.tracking_code}.pdf")


def document_response(actor: Actor, application_id: int) -> HttpResponse:
    if not (actor.can(caps.ISSUE) or actor.can(caps.HAND_OVER)):
        actor.require(caps.ISSUE)
    app = in_scope(Application.objects.select_related("service", "office"), pk=application_id)
    if not app.document_number:
        raise Conflict(_("The document has not been issued yet."), code="applications.not_issued")
    audit_record(actor=actor, action="applications.application.print", obj=app)
    return _pdf(document_pdf(app), f"{app.document_number}.pdf")


@router.get(
    "/applications/{int:application_id}/receipt.pdf",
    response={200: None, **errors(401, 403, 404)},
    summary="Receipt (tanda terima) with a tracking QR code",
)
@requires("applications.view")
def receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    return receipt_response(actor_of(request), application_id)


@router.get(
    "/applications/{int:application_id}/document.pdf",
    response={200: None, **errors(401, 403, 404, 409)},
    summary="Issued document print layout with a verification QR code",
)
@requires("applications.issue", "applications.hand_over")
def document_print(request: HttpRequest, application_id: int) -> HttpResponse:
    return document_response(actor_of(request), application_id)


# --- Batches ----------------------------------------------------------------------------------


def batch_out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "direction": batch.direction,
        "office": {"id": batch.office_id, "name": batch.office.name},
        "size": batch.size,
        "created_at": batch.created_at,
        "received_at": batch.received_at,
    }


@router.post(
    "/applications/batches/send",
    response={200: BatchOut | None, **errors(401, 403, 409)},
    summary="Send all verified files of your office to the Disdukcapil",
)
@requires("applications.send")
def batch_send(request: HttpRequest) -> dict[str, Any] | None:
    batch = services.batch_send_verified(actor=actor_of(request))
    return batch_out(batch) if batch else None


@router.post(
    "/applications/batches/dispatch",
    response={200: list[BatchOut], **errors(401, 403, 409)},
    summary="Send all issued documents back to their kecamatan",
)
@requires("applications.issue")
def batch_dispatch(request: HttpRequest) -> list[dict[str, Any]]:
    return [batch_out(b) for b in services.batch_dispatch_issued(actor=actor_of(request))]


@router.get(
    "/applications/batches", response={200: list[BatchOut], **errors(401, 403)}, summary="Batches to receive"
)
@paginate(PageNumberPagination, page_size=50)
@requires("applications.hand_over")
def batch_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    actor.require(caps.HAND_OVER)
    return [batch_out(b) for b in selectors.batches_to_receive(actor=actor).select_related("office")]


@router.post(
    "/applications/batches/{int:batch_id}/receive",
    response={200: BatchOut, **errors(401, 403, 404, 409)},
    summary="Receive a batch of issued documents at the kecamatan",
)
@requires("applications.hand_over")
def batch_receive(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    return batch_out(services.batch_receive(actor=actor_of(request), batch_id=batch_id))


# --- Rollout, paper batches, statistics --------------------------------------------------------


@router.get(
    "/applications/offices", response={200: list[OfficeOut], **errors(401, 403)}, summary="Rollout per office"
)
@paginate(PageNumberPagination, page_size=100)
@requires("applications.rollout", "applications.stats")
def office_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    if not (actor.can(caps.ROLLOUT) or actor.can(caps.STATS)):
        actor.require(caps.ROLLOUT)
    return [
        {
            "id": r["office"].pk,
            "name": r["office"].name,
            "mode": r["mode"],
            "head": r["head"].username if r["head"] else None,
        }
        for r in selectors.rollout_rows(actor=actor)
    ]


@router.put(
    "/applications/offices/{int:office_id}",
    response={200: OfficeOut, **errors(401, 403, 404)},
    summary="Set an office online, in training or manual",
)
@requires("applications.rollout")
def office_set(request: HttpRequest, office_id: int, payload: OfficeIn) -> dict[str, Any]:
    rollout = services.rollout_set(
        actor=actor_of(request), office_id=office_id, mode=payload.mode, head_id=payload.head_id
    )
    return {
        "id": rollout.unit_id,
        "name": rollout.unit.name,
        "mode": rollout.mode,
        "head": rollout.head.username if rollout.head else None,
    }


def paper_out(batch: PaperBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "office": {"id": batch.office_id, "name": batch.office.name},
        "service": batch.service.code if batch.service else None,
        "files_count": batch.files_count,
        "sent_on": batch.sent_on,
        "received_on": batch.received_on,
        "returned_on": batch.returned_on,
        "returned_count": batch.returned_count,
        "version": batch.version,
    }


@router.get(
    "/applications/paper-batches",
    response={200: list[PaperBatchOut], **errors(401, 403)},
    summary="Paper batches",
)
@paginate(PageNumberPagination, page_size=50)
@requires("applications.paper")
def paper_list(request: HttpRequest) -> list[dict[str, Any]]:

    actor = actor_of(request)
    actor.require(caps.PAPER)
    return [paper_out(b) for b in PaperBatch.objects.select_related("office", "service")]


@router.post(
    "/applications/paper-batches",
    response={201: PaperBatchOut, **errors(401, 403, 404, 409)},
    summary="Record a paper batch of a manual office",
)
@requires("applications.paper")
def paper_create(request: HttpRequest, payload: PaperBatchIn) -> Status[dict[str, Any]]:
    batch = services.paper_batch_record(
        actor=actor_of(request),
        files_count=payload.files_count,
        sent_on=payload.sent_on,
        office_id=payload.office_id,
        service_code=payload.service_code,
        note=payload.note,
    )
    return Status(201, paper_out(batch))


@router.patch(
    "/applications/paper-batches/{int:batch_id}",
    response={200: PaperBatchOut, **errors(401, 403, 404, 409)},
    summary="Record when a paper batch arrived or came back",
)
@requires("applications.paper")
def paper_update(request: HttpRequest, batch_id: int, payload: PaperBatchUpdateIn) -> dict[str, Any]:
    batch = services.paper_batch_update(
        actor=actor_of(request),
        batch_id=batch_id,
        expected_version=payload.expected_version,
        received_on=payload.received_on,
        returned_on=payload.returned_on,
        returned_count=payload.returned_count,
    )
    return paper_out(batch)


@router.get(
    "/applications/stats", response={200: StatsOut, **errors(401, 403)}, summary="Statistics and turnaround"
)
@requires("applications.stats")
def stats(
    request: HttpRequest, start: date | None = None, end: date | None = None, service: str | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    actor.require(caps.STATS)
    end = end or timezone.localdate()
    start = start or end - timedelta(days=30)
    if start > end:
        raise InvalidInput(_("The start date is after the end date."), code="applications.period_invalid")
    result = selectors.statistics_for(actor=actor, start=start, end=end, service=service)
    return {"start": start, "end": end, **{k: result[k] for k in ("rows", "stages", "online", "manual")}}


# --- Public: tracking and verification ---------------------------------------------------------


@router.get(
    "/track/{code}", auth=None, response={200: TrackOut, **errors(404, 429)}, summary="Track an application"
)
@public
def track(request: HttpRequest, code: str) -> dict[str, Any]:
    """Public. Status, history, where the file is, expected date; the name masked. Rate limited per IP."""
    if rate_limited(request, "track"):
        raise Throttled(wait=600)
    view = selectors.track_lookup(services.tracking_code_normalize(code))
    if view is None:
        raise NotFound(_("No application has this tracking code."), code="applications.track_unknown")
    return {
        "code": view.code,
        "service": view.service,
        "status": view.status,
        "status_code": view.status_code,
        "where": view.where,
        "name": view.masked_name,
        "expected_on": view.expected_on,
        "steps": [{"label": s.label, "at": s.at, "reason": s.reason} for s in view.steps],
        "reason": view.reason,
        "training": view.is_sandbox,
    }


@router.get(
    "/verify/{number}",
    auth=None,
    response={200: VerifyOut, **errors(429)},
    summary="Verify an issued document",
)
@public
def verify(request: HttpRequest, number: str, token: str = "") -> dict[str, Any]:
    """Public. `genuine` is true only for a real issued document whose token matches."""
    if rate_limited(request, "verify"):
        raise Throttled(wait=600)
    result = selectors.document_verify(number, token)
    return {
        "genuine": result.genuine,
        "document_type": result.document_type if result.genuine or result.training else "",
        "issued_on": result.issued_on,
        "name": result.masked_name,
        "training": result.training,
    }
