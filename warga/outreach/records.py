"""What each kind of field record does on the server: the same services the office pages call.

A handler gets a `RecordContext` (officer, device, assignment, parsed body, times) and returns
an `Outcome`, or raises a ServiceError that becomes the record's answer on the phone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.registry.models import Resident

from .models import PhotoUpload, RecordKind, Service, TargetKind
from .services import target_mark_served, targets_mark_served_many
from .sync import AlreadyDone, Outcome, RecordContext, photos_for_record, upload_bytes


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _validate(schema: type[_Body], ctx: RecordContext) -> Any:
    try:
        return schema.model_validate(ctx.body)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors()) or "body"
        raise InvalidInput(_("Invalid input: %(fields)s.") % {"fields": fields}, code="bad_record") from None


def _resident(ctx: RecordContext, resident_id: int) -> Resident:
    """The resident a record is about, as the register has them now.

    A record is a fact about a person: a resident the assignment listed who moved away after the
    download is still the person the officer met. The record applies to them where they live now
    (the officer acts for that one resident there) and the office of that desa is told. Only what
    cannot be true is refused: a resident the assignment never listed, or one who died before the
    record was made."""
    from dataclasses import replace

    from warga.core.scoping import get_scoped
    from warga.registry.models import LifeStatus

    event = ctx.assignment.event
    listed = ctx.assignment.resident_ids
    resident = Resident.objects.filter(pk=resident_id).select_related("desa").first()
    if resident is None or (resident_id not in listed if listed else resident.desa_id != event.desa_id):
        raise NotFound(
            _("This resident was not on the list of this assignment; the record was not accepted."),
            code="not_in_assignment",
        )
    made_on = timezone.localtime(ctx.captured_at or ctx.received_at).date()
    if resident.life_status == LifeStatus.DEAD and resident.died_on and resident.died_on < made_on:
        raise InvalidInput(
            _("The register records that this resident died on %(date)s, before this record was made.")
            % {"date": date_format(resident.died_on, "j F Y")},
            code="died_before",
        )
    if resident.desa_id != event.desa_id:
        if not ctx.actor.covers(resident.desa_id):
            ctx.actor = replace(ctx.actor, area_code=resident.desa_id)
        ctx.moved = (resident, event.desa)
    return get_scoped(Resident.objects.all(), ctx.actor, pk=resident_id)


def _moved_note(ctx: RecordContext, resident: Resident) -> str:
    """Said with the acceptance. It does not name the new desa: the officer may not see that area."""
    if ctx.moved is None:
        return ""
    return _(
        "Accepted. This resident has moved since the list was downloaded; the record was applied "
        "where they live now and that office was told."
    )


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
    _close_if_recorded(ctx, resident)
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
    return Outcome(
        recording._meta.label_lower, str(recording.pk), resident.full_name, _moved_note(ctx, resident)
    )


def ktp_recordings_many(contexts: dict[int, RecordContext]) -> dict[int, Outcome]:
    """KTP-el recording records of one batch applied together (a few statements for the whole
    batch instead of a dozen per record): {key: outcome} for those applied here.

    Taken here are only records that `ktp_recording` would accept as they are: a valid body, the
    service offered, a resident on the assignment's list who still lives in the event's desa and
    has no card row yet (see `ktp_recordings_record_many`). Every other record is left for
    `ktp_recording`, one by one, which answers as it always does (moved, closed, refused)."""
    from warga.cards.services.recording import FirstRecording, ktp_recordings_record_many

    if not contexts:
        return {}
    first = next(iter(contexts.values()))
    assignment, actor = first.assignment, first.actor
    event = assignment.event
    if Service.KTP_RECORDING not in event.services:
        return {}
    listed = set(assignment.resident_ids or [])
    bodies: dict[int, KtpRecordingBody] = {}
    for key, ctx in contexts.items():
        try:
            bodies[key] = _validate(KtpRecordingBody, ctx)
        except InvalidInput:
            continue
    found = {
        pk: (desa_id, name)
        for pk, desa_id, name in Resident.objects.filter(
            pk__in=[b.resident for b in bodies.values()]
        ).values_list("pk", "desa_id", "full_name")
    }
    keys, items = [], []
    for key, body in bodies.items():
        desa_id, _name = found.get(body.resident, (None, ""))
        if desa_id != event.desa_id or (listed and body.resident not in listed):
            continue  # not found, moved away or not on the list: one by one
        ctx = contexts[key]
        keys.append(key)
        items.append(
            FirstRecording(
                resident_id=body.resident,
                recorded_at=ctx.received_at,
                device_set=body.equipment or event.team.name,
                client_ref=str(ctx.client_id),
            )
        )
    recorded = ktp_recordings_record_many(actor=actor, items=items, outreach_event_id=event.pk)
    if not recorded:
        return {}
    targets_mark_served_many(
        event=event,
        resident_ids=[items[n].resident_id for n in recorded],
        kind=TargetKind.KTP_RECORDING,
        by=first.device.user,
    )
    return {
        keys[n]: Outcome(recording._meta.label_lower, str(recording.pk), found[items[n].resident_id][1], "")
        for n, recording in recorded.items()
    }


def _close_if_recorded(ctx: RecordContext, resident: Resident) -> None:
    """A resident recorded elsewhere since the download: the field recording has nothing left to
    do, and the officer is told where, when and by whom (never offered a resend)."""
    from warga.cards.models import TRANSITIONS, UNRECORDED, KtpCard, KtpStatus, RecordingEvent

    if RecordingEvent.objects.filter(client_ref=str(ctx.client_id)).exists():
        return  # this very record, applied before: the service answers it idempotently
    card = KtpCard.objects.filter(resident=resident).first()
    status = card.status if card else UNRECORDED
    if KtpStatus.RECORDED in TRANSITIONS.get(status, frozenset()):
        return
    last = RecordingEvent.objects.filter(resident=resident).select_related("place_unit", "officer").first()
    if last is not None:
        if last.place_unit is not None:
            place = last.place_unit.name
        elif last.outreach_event_id:
            place = _("an outreach day")
        else:
            place = last.get_place_kind_display()
        who = last.officer.get_full_name() or last.officer.username
        message = _("Already recorded at %(place)s on %(when)s by %(who)s. Nothing more to do.") % {
            "place": place,
            "when": date_format(timezone.localtime(last.recorded_at), "j F Y H:i"),
            "who": who,
        }
        details = {"recorded_at": last.recorded_at.isoformat(), "place": place, "by": who}
    else:
        assert card is not None
        message = _(
            "The KTP-el of this resident is already “%(status)s” since %(when)s. Nothing more to do."
        ) % {
            "status": card.get_status_display(),
            "when": date_format(timezone.localtime(card.status_at), "j F Y"),
        }
        details = {"status": card.status}
    raise AlreadyDone(message, code="already_recorded", details=details)


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
            _changed_since_download(resident),
            code="version_changed",
            details={
                "version": resident.version,
                "server": {f: getattr(resident, f) for f in body.changes},
                "server_display": {f: _display(resident, f) for f in body.changes},
                "labels": {f: _label(f) for f in body.changes},
                "reason": str(exc.message),
            },
        ) from None
    return Outcome(
        resident._meta.label_lower, str(resident.pk), resident.full_name, _moved_note(ctx, resident)
    )


def _label(name: str) -> str:
    """A correctable field's name as the officer reads it (never the internal key)."""
    f: Any = Resident._meta.get_field(name)
    return str(capfirst(str(f.verbose_name)))


def _display(resident: Resident, name: str) -> str:
    value = getattr(resident, name)
    getter = getattr(resident, f"get_{name}_display", None)
    if callable(getter) and value not in (None, ""):
        return str(getter())
    return "" if value is None else str(value)


def _changed_since_download(resident: Resident) -> str:
    """Say who changed the resident, and when, since the phone downloaded the list."""
    from warga.registry.models import ResidentChange

    last = ResidentChange.objects.filter(resident=resident).select_related("actor").first()
    if last is None or last.actor is None:
        return _(
            "The register changed this resident after you downloaded the list. Check the values and resend."
        )
    return _(
        "This resident's data was changed at the office on %(when)s by %(who)s, after you downloaded "
        "the list. Check the values below and send again if yours is still right."
    ) % {
        "when": date_format(timezone.localtime(last.at), "j F Y H:i"),
        "who": last.actor.get_full_name() or last.actor.username,
    }


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
    from warga.reports.models import CaseChannel
    from warga.reports.services import case_file

    body = _validate(ReportBody, ctx)
    if body.category and body.category not in {code for code, _label in REPORT_CATEGORIES}:
        raise InvalidInput(_("Unknown report category."), code="bad_record")
    created = case_file(
        actor=ctx.actor,
        text=body.text,
        channel=CaseChannel.FIELD,  # heard in person by an officer in the field
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
    from warga.applications.services import application_submit_with_documents

    body = _validate(ApplicationBody, ctx)
    _require_service(ctx, Service.APPLICATIONS)
    uploads = photos_for_record(ctx, [p.upload for p in body.photos])
    applicant = Resident.objects.filter(nik=body.applicant_nik).only("pk").first()
    moved_applicant = None
    if applicant is not None:
        moved_applicant = _resident(ctx, applicant.pk)
    created = application_submit_with_documents(
        actor=ctx.actor,
        service_code=body.service,
        applicant_nik=body.applicant_nik,
        data=body.data,
        channel="outreach",
        documents=[
            (ref.requirement, upload_bytes(upload)) for ref, upload in zip(body.photos, uploads, strict=True)
        ],
        client_ref=str(ctx.client_id),
    )
    note = _moved_note(ctx, moved_applicant) if moved_applicant is not None else ""
    return Outcome(created._meta.label_lower, str(created.pk), created.tracking_code, note)


def applications_many(
    contexts: dict[int, RecordContext], named: Collection[int]
) -> dict[int, tuple[Outcome, list[PhotoUpload]]]:
    """Application records of one batch taken together (a few statements for all of them instead
    of some thirty each): {key: (outcome, the photos it used)} for those applied.

    Taken here are only records that `application` would accept as they are: a valid body, the
    service offered, every photo complete and unused, an applicant who is in the officer's area,
    on the assignment's list, still lives in the event's desa, is alive and is named by no other
    record of the batch (`named`: residents that corrections, signatures or recordings name), and
    a file `applications_submit_field_many` can take. Every other record is left for
    `application`, one by one, which answers as it always does (retry, moved, refused)."""
    from warga.applications.services import FieldApplication, applications_submit_field_many
    from warga.core.scoping import scoped
    from warga.registry.models import LifeStatus

    from .models import PhotoChunk, UploadStatus

    if not contexts:
        return {}
    first = next(iter(contexts.values()))
    assignment, actor, device = first.assignment, first.actor, first.device
    event = assignment.event
    if Service.APPLICATIONS not in event.services:
        return {}
    bodies: dict[int, tuple[ApplicationBody, list[uuid.UUID]]] = {}
    for key, ctx in contexts.items():
        try:
            body = _validate(ApplicationBody, ctx)
            keys = [uuid.UUID(ref.upload) for ref in body.photos]
        except (InvalidInput, ValueError):
            continue
        if len(keys) <= 10:
            bodies[key] = (body, keys)
    wanted = [k for _body, keys in bodies.values() for k in keys]
    uploads = {u.client_id: u for u in PhotoUpload.objects.filter(device=device, client_id__in=wanted)}
    ready = {
        k
        for k, u in uploads.items()
        if u.status == UploadStatus.COMPLETE and u.used_by_id is None and u.device_id == device.pk
    }
    found = {
        nik: (pk, desa_id, life)
        for nik, pk, desa_id, life in scoped(
            Resident.objects.filter(nik__in=[b.applicant_nik for b, _keys in bodies.values()]), actor
        ).values_list("nik", "pk", "desa_id", "life_status")
    }
    listed = set(assignment.resident_ids or [])
    chosen: list[tuple[int, ApplicationBody, list[PhotoUpload]]] = []
    for key, (body, keys) in bodies.items():
        pk, desa_id, life = found.get(body.applicant_nik, (None, None, None))
        if (
            pk is None  # not in the register, or outside the officer's area
            or desa_id != event.desa_id  # moved away: applied where they live now, one by one
            or (listed and pk not in listed)
            or life != LifeStatus.ALIVE
            or pk in named
            or not set(keys) <= ready
        ):
            continue
        chosen.append((key, body, [uploads[k] for k in keys]))
    if not chosen:
        return {}
    data: dict[int, list[bytes]] = {}
    for upload_id, chunk in (
        PhotoChunk.objects.filter(upload__in=[u.pk for _k, _b, used in chosen for u in used])
        .order_by("upload_id", "offset")
        .values_list("upload_id", "data")
    ):
        data.setdefault(upload_id, []).append(bytes(chunk))
    items = [
        FieldApplication(
            service_code=body.service,
            applicant_nik=body.applicant_nik,
            data=body.data,
            documents=[
                (ref.requirement, b"".join(data.get(u.pk, [])))
                for ref, u in zip(body.photos, used, strict=True)
            ],
            client_ref=str(contexts[key].client_id),
        )
        for key, body, used in chosen
    ]
    taken = applications_submit_field_many(actor=actor, items=items)
    return {
        chosen[n][0]: (
            Outcome(created._meta.label_lower, str(created.pk), created.tracking_code, ""),
            chosen[n][2],
        )
        for n, created in taken.items()
    }


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
    if found.signed_at is not None:
        # Signed meanwhile (at the office or by another team): nothing left to collect.
        witness = found.signature_witness
        raise AlreadyDone(
            _(
                "Application %(code)s was already signed on %(when)s (%(place)s) before %(who)s. Nothing more to do."
            )
            % {
                "code": found.tracking_code,
                "when": date_format(timezone.localtime(found.signed_at), "j F Y H:i"),
                "place": found.get_signature_place_display() or "-",
                "who": (witness.get_full_name() or witness.username) if witness else "-",
            },
            code="already_signed",
        )
    if found.status not in SIGNATURE_PENDING_STATUSES:
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
    return Outcome(signed._meta.label_lower, str(signed.pk), signed.tracking_code, _moved_note(ctx, resident))


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
