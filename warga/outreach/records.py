"""What each kind of field record does on the server: the same services the office pages call.

A handler gets a `RecordContext` (officer, device, assignment, parsed body, times) and returns
an `Outcome`, or raises a ServiceError that becomes the record's answer on the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.registry.models import Resident

from .models import RecordKind, Service, TargetKind
from .services import target_mark_served
from .sync import Outcome, RecordContext, photos_for_record, upload_bytes


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _validate(schema: type[_Body], ctx: RecordContext) -> Any:
    try:
        return schema.model_validate(ctx.body)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors()) or "body"
        raise InvalidInput(_("Invalid input: %(fields)s.") % {"fields": fields}, code="bad_record") from None


def _resident(ctx: RecordContext, resident_id: int) -> Resident:
    """The resident, if the officer may see them and they live where the assignment goes."""
    from warga.core.scoping import get_scoped

    try:
        resident = get_scoped(Resident.objects.all(), ctx.actor, pk=resident_id)
    except NotFound:
        raise NotFound(
            _("This resident is outside your area; the record was not accepted."), code="outside_area"
        ) from None
    if resident.desa_id != ctx.assignment.event.desa_id:
        raise NotFound(
            _("This resident does not live in the desa of this assignment; the record was not accepted."),
            code="outside_area",
        )
    return resident


def _require_service(ctx: RecordContext, service: str) -> None:
    if service not in ctx.assignment.event.services:
        raise InvalidInput(_("This outreach day does not offer this service."), code="service_not_offered")


# --- KTP-el recording --------------------------------------------------------------------------
class KtpRecordingBody(_Body):
    resident: int
    equipment: str = Field(default="", max_length=40)


def ktp_recording(ctx: RecordContext) -> Outcome:
    from warga.cards.services import ktp_recording_record

    body = _validate(KtpRecordingBody, ctx)
    _require_service(ctx, Service.KTP_RECORDING)
    resident = _resident(ctx, body.resident)
    event = ctx.assignment.event
    recording = ktp_recording_record(
        actor=ctx.actor,
        resident=resident,
        recorded_at=ctx.received_at,
        place_unit=None,
        device_set=body.equipment or event.team.name,
        outreach_event_id=event.pk,
        client_ref=str(ctx.client_id),
    )
    target_mark_served(
        event=event, resident_id=resident.pk, kind=TargetKind.KTP_RECORDING, by=ctx.device.user
    )
    return Outcome(recording._meta.label_lower, str(recording.pk), resident.full_name)


# --- Corrections of resident data ---------------------------------------------------------------
CORRECTABLE = [
    "birth_place",
    "religion",
    "marital_status",
    "occupation",
    "education",
    "blood_type",
    "father_name",
    "mother_name",
    "rw",
    "rt",
    "address",
]


class CorrectionBody(_Body):
    resident: int
    version: int
    changes: dict[str, str | int | None]
    reason: str = Field(min_length=3, max_length=300)


def correction(ctx: RecordContext) -> Outcome:
    from warga.registry.services import resident_correct

    body = _validate(CorrectionBody, ctx)
    unknown = sorted(set(body.changes) - set(CORRECTABLE))
    if not body.changes or unknown:
        raise InvalidInput(
            _("These fields cannot be corrected in the field: %(f)s.") % {"f": ", ".join(unknown) or "-"},
            code="bad_record",
        )
    resident = _resident(ctx, body.resident)
    try:
        resident_correct(
            actor=ctx.actor,
            resident=resident,
            changes=dict(body.changes),
            reason=body.reason,
            expected_version=body.version,
        )
    except Conflict as exc:
        resident.refresh_from_db()
        raise Conflict(
            _(
                "The register changed this resident after you downloaded the list. Check the values and resend."
            ),
            code="version_changed",
            details={
                "version": resident.version,
                "server": {f: getattr(resident, f) for f in body.changes},
                "reason": str(exc.message),
            },
        ) from None
    return Outcome(resident._meta.label_lower, str(resident.pk), resident.full_name)


# --- Citizen reports -----------------------------------------------------------------------------
REPORT_CATEGORIES = [
    ("sakit", gettext_lazy("Sickness")),
    ("kematian", gettext_lazy("Death")),
    ("listrik", gettext_lazy("Power outage")),
    ("bencana", gettext_lazy("Disaster or damage")),
    ("lainnya", gettext_lazy("Other")),
]


class ReportBody(_Body):
    text: str = Field(min_length=5, max_length=1000)
    category: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=20)


def report(ctx: RecordContext) -> Outcome:
    from warga.reports.models import ReportChannel
    from warga.reports.services import citizen_report_create

    body = _validate(ReportBody, ctx)
    if body.category and body.category not in {code for code, _label in REPORT_CATEGORIES}:
        raise InvalidInput(_("Unknown report category."), code="bad_record")
    created = citizen_report_create(
        actor=ctx.actor,
        text=body.text,
        channel=ReportChannel.COUNTER,  # heard in person by an officer, as at a counter
        phone=body.phone,
        desa=ctx.assignment.event.desa,
        category=body.category,
        client_ref=str(ctx.client_id),
    )
    return Outcome(created._meta.label_lower, str(created.pk), body.category)


# --- Applications with document photos -------------------------------------------------------------
class PhotoRef(_Body):
    upload: str = Field(max_length=36)
    requirement: str = Field(max_length=40)


class ApplicationBody(_Body):
    service: str = Field(max_length=40)
    applicant_nik: str = Field(min_length=16, max_length=16)
    data: dict[str, Any] = Field(default_factory=dict)
    photos: list[PhotoRef] = Field(default_factory=list)


def application(ctx: RecordContext) -> Outcome:
    from warga.applications.services import application_submit, document_attach

    body = _validate(ApplicationBody, ctx)
    _require_service(ctx, Service.APPLICATIONS)
    uploads = photos_for_record(ctx, [p.upload for p in body.photos])
    applicant = Resident.objects.filter(nik=body.applicant_nik).only("pk").first()
    if applicant is not None:
        _resident(ctx, applicant.pk)
    created = application_submit(
        actor=ctx.actor,
        service_code=body.service,
        applicant_nik=body.applicant_nik,
        data=body.data,
        channel="outreach",
        office=None,
        client_ref=str(ctx.client_id),
    )
    for ref, upload in zip(body.photos, uploads, strict=True):
        document_attach(
            actor=ctx.actor,
            application_id=created.pk,
            requirement=ref.requirement,
            content=upload_bytes(upload),
        )
    return Outcome(created._meta.label_lower, str(created.pk), created.tracking_code)


# --- The applicant's signature on a pending application ---------------------------------------------
class SignatureBody(_Body):
    application: str = Field(min_length=1, max_length=20)  # the tracking code
    resident: int


def signature(ctx: RecordContext) -> Outcome:
    """The applicant signed the paper form of one of their pending applications in front of the
    officer: record it (as witnessed in the field) and count the target as served."""
    from warga.applications.models import SIGNATURE_PENDING_STATUSES, Application, SignaturePlace
    from warga.applications.services import application_signature_record, tracking_code_normalize

    body = _validate(SignatureBody, ctx)
    _require_service(ctx, Service.APPLICATIONS)
    resident = _resident(ctx, body.resident)
    code = tracking_code_normalize(body.application)
    found = Application.objects.filter(tracking_code=code).first() if code else None
    if found is None or found.applicant_id != resident.pk:
        # The same answer whether the code exists or not: it reveals nothing about other files.
        raise InvalidInput(
            _("This resident has no application with this tracking code; the record was not accepted."),
            code="application_mismatch",
        )
    if found.signed_at is None and found.status not in SIGNATURE_PENDING_STATUSES:
        raise Conflict(
            _("Application %(code)s no longer waits for a signature: it is %(status)s.")
            % {"code": found.tracking_code, "status": found.get_status_display().lower()},
            code="application_not_pending",
            details={"status": found.status},
        )
    signed = application_signature_record(actor=ctx.actor, application=found, where=SignaturePlace.OUTREACH)
    target_mark_served(
        event=ctx.assignment.event,
        resident_id=resident.pk,
        kind=TargetKind.APPLICATION_SIGNATURE,
        by=ctx.device.user,
    )
    return Outcome(signed._meta.label_lower, str(signed.pk), signed.tracking_code)


HANDLERS: dict[str, Callable[[RecordContext], Outcome]] = {
    RecordKind.KTP_RECORDING: ktp_recording,
    RecordKind.CORRECTION: correction,
    RecordKind.REPORT: report,
    RecordKind.APPLICATION: application,
    RecordKind.SIGNATURE: signature,
}


def _form_fields(form_class: Any) -> list[dict[str, Any]]:
    """A Django form's fields as plain data the app can render offline."""
    from django import forms

    out = []
    for name, f in form_class.base_fields.items():
        if isinstance(f, forms.ChoiceField):
            options: Any = f.choices
            kind, choices = "choice", [[str(v), str(label)] for v, label in options if v != ""]
        elif isinstance(f, forms.DateField):
            kind, choices = "date", []
        elif isinstance(f, forms.IntegerField):
            kind, choices = "int", []
        else:
            kind, choices = "text", []
        out.append(
            {
                "name": name,
                "label": str(f.label or name),
                "type": kind,
                "required": f.required,
                "choices": choices,
            }
        )
    return out


def _application_services() -> list[dict[str, Any]]:
    from warga.applications.catalogue import service_form_class
    from warga.applications.models import Channel
    from warga.applications.models import Service as CatalogueService

    services = []
    for service in CatalogueService.objects.filter(is_active=True).prefetch_related("requirements"):
        if Channel.OUTREACH not in (service.channels or []):
            continue
        services.append(
            {
                "code": service.code,
                "name": service.display_name,
                "fields": _form_fields(service_form_class(service)),
                "documents": [
                    {"code": r.code, "label": r.display_label, "required": r.mandatory}
                    for r in service.requirements.all()
                ],
            }
        )
    return services


def reference_lists() -> dict[str, Any]:
    """Choices the field app needs offline: correctable fields, report categories, services."""
    from warga.registry import models as reg

    choices: dict[str, list[tuple[str, Any]]] = {
        "religion": reg.Religion.choices,
        "marital_status": reg.MaritalStatus.choices,
        "education": reg.Education.choices,
        "blood_type": reg.BloodType.choices,
    }
    fields = []
    for name in CORRECTABLE:
        f: Any = Resident._meta.get_field(name)
        fields.append(
            {
                "name": name,
                "label": str(f.verbose_name),
                "type": "int" if name in ("rw", "rt") else ("choice" if name in choices else "text"),
                "choices": [[v, str(label)] for v, label in choices.get(name, [])],
            }
        )
    return {
        "correction_fields": fields,
        "report_categories": [[code, str(label)] for code, label in REPORT_CATEGORIES],
        "services": _application_services(),
    }
