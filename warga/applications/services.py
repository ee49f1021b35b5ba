"""Writes for civil-registration applications: submit, attach scans, move a file through the
workflow, batches, catalogue, rollout, paper batches and overdue notices.

Every transition is one conditional UPDATE (`WHERE status = … AND version = …`), so two
officers can never both move the same file; a Disdukcapil verifier takes a file with
`WHERE assigned_to IS NULL`. Approval applies the registry change in the same transaction.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.audit.services import audit_read, audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from warga.core.scoping import ANONYMOUS, Actor, get_scoped, unscoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit, UnitKind
from warga.registry.identity import check_nik
from warga.registry.models import Family, LifeStatus, Resident

from . import capabilities as caps
from .catalogue import clean_service_data, schema_errors
from .effects import Subjects, effect_apply, effect_check, effect_describe, effect_recheck, snapshot
from .models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    STAGE_OF_STATUS,
    ApplicantRule,
    Application,
    ApplicationEvent,
    Attachment,
    Batch,
    Channel,
    DocumentCounter,
    DocumentType,
    OfficeMode,
    OfficeRollout,
    OverdueNotice,
    PaperBatch,
    RequiredDocument,
    Service,
    SignaturePlace,
    Status,
)
from .uploads import check_file

TRACKING_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B
TRACKING_LENGTH = 10

# --- Small helpers ---------------------------------------------------------------------------


def tracking_code_new() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def tracking_code_normalize(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:20]


def office_mode(office: Unit) -> str:
    with unscoped("office mode: how any office works is organisation data"):
        rollout = OfficeRollout.objects.filter(unit=office).only("mode").first()
    return rollout.mode if rollout else OfficeMode.ONLINE


def _actor_unit_kind(actor: Actor) -> str | None:
    if not actor.unit_id:
        return None
    return Unit.objects.filter(pk=actor.unit_id).values_list("kind", flat=True).first()


def _actor_office(actor: Actor) -> Unit | None:
    if actor.unit_id is None:
        return None
    return Unit.objects.filter(pk=actor.unit_id, kind=UnitKind.KECAMATAN_OFFICE).first()


def _now() -> datetime:
    return timezone.now()


def _sms(application: Application, text: str) -> None:
    """Notify the applicant (never from the training sandbox, never without a number)."""
    from warga.messaging.services import sms_send

    if application.is_sandbox or not application.phone:
        return
    sms_send(to=application.phone, text=text, purpose="notice")


def _indonesian(func: Any, *args: Any) -> str:
    with translation.override("id"):
        return str(func(*args))


def _trim(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Submission --------------------------------------------------------------------------------


def _resolve_office(
    *, actor: Actor, channel: str, office: Unit | None, applicant: Resident | None, data: dict
) -> Unit:
    if channel == Channel.COUNTER:
        actor.require(caps.SUBMIT)
        unit = _actor_office(actor)
        if unit is None:
            raise NotAllowed(_("Only a kecamatan office takes applications at the counter."))
        if office is not None and office.pk != unit.pk:
            raise NotAllowed(_("At the counter you can only take applications for your own office."))
        return unit
    if channel == Channel.OUTREACH:
        actor.require(caps.SUBMIT_OUTREACH)
    elif channel != Channel.ONLINE:
        raise InvalidInput(_("Unknown channel."), code="applications.channel_unknown")
    if office is None:
        desa_code = applicant.desa_id if applicant else data.get("desa")
        kec_code = ".".join(str(desa_code or "").split(".")[:3])
        office = Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area_id=kec_code, is_active=True).first()
        if office is None:
            raise InvalidInput(
                _("Choose the kecamatan office that will handle the application."),
                code="applications.office_missing",
            )
    if office.kind != UnitKind.KECAMATAN_OFFICE or not office.is_active:
        raise InvalidInput(
            _("Applications are handled by kecamatan offices only."), code="applications.office_invalid"
        )
    return office


def _check_applicant(
    *, service: Service, applicant_nik: str, data: dict
) -> tuple[Resident | None, Family | None]:
    from warga.regions.selectors import kecamatan_lookup

    nik = (applicant_nik or "").strip()
    result = check_nik(nik, kecamatan_lookup=kecamatan_lookup)
    if result.errors:
        raise InvalidInput(
            _("The applicant's NIK is not valid: %(problem)s") % {"problem": result.errors[0].message},
            code="applications.nik_invalid",
            details=[{"field": "applicant_nik", "message": e.message} for e in result.errors],
        )
    with unscoped("applicant by NIK: a file may be lodged at any office of the kabupaten"):
        resident = Resident.objects.filter(nik=nik).select_related("family").first()
    if service.applicant_rule == ApplicantRule.NEWCOMER:
        if resident is not None and resident.life_status == LifeStatus.ALIVE:
            raise InvalidInput(
                _(
                    "This NIK is already registered as a resident here; a moving-in application is not needed."
                ),
                code="applications.already_resident",
            )
        return None, None
    if resident is None:
        raise InvalidInput(
            _(
                "The applicant's NIK is not in the register. Please check the number or visit the kecamatan office."
            ),
            code="applications.nik_unknown",
            details=[{"field": "applicant_nik", "message": _("Not in the register.")}],
        )
    if resident.life_status == LifeStatus.DEAD:
        raise InvalidInput(
            _("The register records the applicant as deceased; the application cannot be made in this name."),
            code="applications.applicant_dead",
        )
    if resident.life_status != LifeStatus.ALIVE:
        raise InvalidInput(
            _("The register records the applicant as moved out of this kabupaten."),
            code="applications.applicant_moved",
        )
    family = None
    if service.applicant_rule == ApplicantRule.RESIDENT_WITH_FAMILY:
        family = resident.family
        if family is None or family.kk_number != data.get("applicant_kk"):
            raise InvalidInput(
                _("The KK number does not match the applicant's family card in the register."),
                code="applications.kk_mismatch",
                details=[{"field": "applicant_kk", "message": _("Does not match the register.")}],
            )
    return resident, family


def _service_for(service_code: str, channel: str) -> Service:
    service = Service.objects.filter(code=service_code, is_active=True).first()
    if service is None:
        raise InvalidInput(_("Unknown or inactive service."), code="applications.service_unknown")
    if channel not in (service.channels or []):
        raise InvalidInput(
            _("This service cannot be requested through this channel."),
            code="applications.channel_not_allowed",
        )
    return service


def _open_application(service: Service, applicant_nik: str) -> Application | None:
    """The person's open application of this service that blocks a new one (the index's rows)."""
    with unscoped("one open application per person and service, at any office"):
        return (
            Application.objects.filter(
                service=service, applicant_nik=applicant_nik, is_exclusive=True, status__in=OPEN_STATUSES
            )
            .order_by("id")
            .first()
        )


def _already_open(actor: Actor, existing: Application) -> Conflict:
    """409 naming the open application for officers; the public is told only that one exists
    (a tracking code would let anyone who knows a NIK follow that person's file)."""
    if actor.user is None:
        return Conflict(
            _(
                "An application for this service in this name is already under way. Follow it with the "
                "tracking code sent by SMS, or ask at the kecamatan office."
            ),
            code="applications.already_open",
            details=[{"field": "applicant_nik", "message": _("Already has an open application.")}],
        )
    message = _(
        "This person already has an open application for %(service)s: %(code)s (%(status)s). "
        "Continue with that one instead of starting another."
    ) % {
        "service": existing.service.display_name,
        "code": existing.tracking_code,
        "status": existing.get_status_display().lower(),
    }
    return Conflict(
        message,
        code="applications.already_open",
        details=[
            {
                "field": "applicant_nik",
                "message": _("Already has an open application: %(code)s.") % {"code": existing.tracking_code},
                "application_id": existing.pk,
                "tracking_code": existing.tracking_code,
                "status": existing.status,
                "url": f"/api/v1/applications/{existing.pk}",
                "page": reverse("applications:detail", args=[existing.pk]),
            }
        ],
    )


@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    service_code: str,
    applicant_nik: str,
    data: dict,
    channel: str,
    office: Unit | None = None,
    client_ref: str = "",
    phone: str = "",
    draft: bool = False,
) -> Application:
    """Take an application. `draft=True` keeps it at the scan station until `lodge`.

    The applicant is looked up in the whole register (a resident may apply at any kecamatan
    office); officers' reads are audit-logged.
    """
    if client_ref and actor.user is not None:
        existing = Application.objects.filter(created_by=actor.user, client_ref=client_ref).first()
        if existing is not None:
            return existing
    service = _service_for(service_code, channel)
    cleaned = clean_service_data(service, data or {})
    applicant, family = _check_applicant(service=service, applicant_nik=applicant_nik, data=cleaned)
    office = _resolve_office(actor=actor, channel=channel, office=office, applicant=applicant, data=cleaned)
    mode = office_mode(office)
    if mode == OfficeMode.MANUAL:
        raise InvalidInput(
            _("%(office)s still works on paper: please apply at the office.") % {"office": office.name},
            code="applications.office_manual",
        )
    if mode == OfficeMode.TRAINING and channel == Channel.ONLINE:
        raise InvalidInput(
            _("%(office)s does not take online applications yet: please apply at the office.")
            % {"office": office.name},
            code="applications.office_training",
        )
    subjects = effect_check(service, cleaned, Subjects(applicant=applicant, family=family))
    if phone:
        from warga.messaging.phones import normalize_msisdn

        phone = normalize_msisdn(phone)
    name = applicant.full_name if applicant else str(cleaned.get("full_name", ""))
    nik = applicant_nik.strip()
    # One open application of a service per person, unless the service allows several. Checked
    # here for a clear answer, and by the partial unique index for concurrent submissions.
    exclusive = not service.allow_several and mode != OfficeMode.TRAINING
    if exclusive and (existing := _open_application(service, nik)) is not None:
        raise _already_open(actor, existing)
    now = _now()
    status = Status.DRAFT if draft else Status.SUBMITTED
    # At the counter and in the field the applicant signs the form in front of the officer.
    witnessed = channel in (Channel.COUNTER, Channel.OUTREACH)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    tracking_code=tracking_code_new(),
                    service=service,
                    channel=channel,
                    office=office,
                    kecamatan_id=office.area_id,
                    status=status,
                    is_sandbox=mode == OfficeMode.TRAINING,
                    applicant=applicant,
                    applicant_nik=nik,
                    is_exclusive=exclusive,
                    applicant_name=name[:120],
                    family=family or subjects.join_family,
                    phone=phone,
                    data=cleaned,
                    register_snapshot=snapshot(subjects),
                    client_ref=client_ref if actor.user else "",
                    created_by=actor.user,
                    signed_at=now if witnessed else None,
                    signature_witness=actor.user if witnessed else None,
                    signature_place=channel if witnessed else "",
                )
            break
        except IntegrityError:
            if (
                client_ref
                and actor.user
                and Application.objects.filter(created_by=actor.user, client_ref=client_ref).exists()
            ):
                return Application.objects.get(created_by=actor.user, client_ref=client_ref)
            if exclusive and (existing := _open_application(service, nik)) is not None:
                raise _already_open(actor, existing) from None
            continue
    else:  # pragma: no cover - 25^10 codes
        raise Conflict(_("Could not issue a tracking code; please try again."))
    _event(application, actor=actor, action="create" if draft else "submit", from_status="", to_status=status)
    if not draft:
        _enter_submitted(application, now=now, first=True)
    if applicant is not None and actor.user is not None:
        audit_read(actor=actor, obj=applicant, purpose="application")
    audit_record(
        actor=actor,
        action="applications.application.submit",
        obj=application,
        summary={
            "service": service.code,
            "channel": channel,
            "draft": draft,
            "sandbox": application.is_sandbox,
        },
    )
    return application


def _enter_submitted(application: Application, *, now: datetime, first: bool) -> None:
    """Start the clocks and tell the applicant the file was received."""
    calendar = WorkCalendar()
    today = timezone.localdate(now)
    service = application.service
    updates: dict[str, Any] = {"stage_due_on": calendar.add(today, service.target_days_kecamatan)}
    if first or application.submitted_at is None:
        updates["submitted_at"] = now
        updates["due_on"] = calendar.add(today, service.target_days_total)
    else:
        last_return = (
            application.events.filter(to_status=Status.RETURNED_TO_APPLICANT)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        used = calendar.between(
            timezone.localdate(application.submitted_at), timezone.localdate(last_return or now)
        )
        updates["due_on"] = calendar.add(today, max(1, service.target_days_total - used))
    Application.objects.filter(pk=application.pk).update(**updates)
    for key, value in updates.items():
        setattr(application, key, value)
    _sms(
        application,
        _indonesian(
            lambda: (
                _(
                    "Your application %(code)s (%(service)s) was received at %(office)s. Expected ready: %(date)s. Services are free of charge."
                )
                % {
                    "code": application.tracking_code,
                    "service": service.name,
                    "office": application.office.name,
                    "date": application.due_on.strftime("%d-%m-%Y") if application.due_on else "-",
                }
            )
        ),
    )


@transaction.atomic
def application_update(
    *,
    actor: Actor,
    application_id: int,
    data: dict | None = None,
    phone: str | None = None,
    expected_version: int,
) -> Application:
    """Correct an application's data at the kecamatan (optimistic locking on `version`)."""
    actor.require(caps.SUBMIT)
    application = get_scoped(
        Application.objects.select_related("service", "office"), actor, pk=application_id
    )
    _require_unit(actor, application, "kecamatan")
    editable = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED_TO_APPLICANT, Status.RETURNED_TO_KECAMATAN)
    if application.status not in editable:
        raise Conflict(
            _("The application cannot be edited while it is %(status)s.")
            % {"status": application.get_status_display().lower()},
            code="applications.not_editable",
        )
    if expected_version != application.version:
        raise Conflict(_stale_message(), code="applications.stale")
    updates: dict[str, Any] = {}
    if data is not None:
        merged = {**application.data, **data}
        cleaned = clean_service_data(application.service, merged)
        subjects = effect_check(
            application.service, cleaned, Subjects(applicant=application.applicant, family=application.family)
        )
        updates["data"] = cleaned
        updates["register_snapshot"] = snapshot(subjects)
    if phone is not None:
        from warga.messaging.phones import normalize_msisdn

        updates["phone"] = normalize_msisdn(phone) if phone else ""
    rows = Application.objects.filter(pk=application.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=_now(), **updates
    )
    if rows != 1:
        raise Conflict(_stale_message(), code="applications.stale")
    application.refresh_from_db()
    audit_record(
        actor=actor,
        action="applications.application.update",
        obj=application,
        summary={"fields": sorted(updates)},
    )
    return application


# --- The applicant's signature ------------------------------------------------------------------


def _signature_capability(where: str) -> str:
    if where == SignaturePlace.COUNTER:
        return caps.SUBMIT
    if where == SignaturePlace.OUTREACH:
        return caps.SUBMIT_OUTREACH
    raise InvalidInput(
        _("Say where the signature was collected: at the counter or in the field."),
        code="applications.signature_place_invalid",
    )


def _signature_refusal(application: Application) -> Conflict:
    if application.signed_at is not None:
        return Conflict(
            _("The applicant has already signed this application (%(date)s).")
            % {"date": timezone.localtime(application.signed_at).strftime("%d-%m-%Y %H:%M")},
            code="applications.already_signed",
        )
    return Conflict(
        _("The application is %(status)s; a signature can no longer be recorded.")
        % {"status": application.get_status_display().lower()},
        code="applications.signature_closed",
        details={"status": application.status},
    )


@transaction.atomic
def application_signature_record(*, actor: Actor, application: Application, where: str) -> Application:
    """Record that the applicant signed the paper form in front of the acting officer.

    At the counter (`where="counter"`) the officer of the handling office records it; in the field
    (`where="outreach"`) an outreach officer does. A file already signed or finished is refused
    (409); the write is one conditional UPDATE, so two officers recording at once sign it once.
    """
    actor.require(_signature_capability(where))
    application = get_scoped(
        Application.objects.select_related("service", "office"), actor, pk=application.pk
    )
    if where == SignaturePlace.COUNTER:
        _require_unit(actor, application, "kecamatan")
    if application.signed_at is not None or application.status in FINISHED_STATUSES:
        raise _signature_refusal(application)
    now = _now()
    rows = (
        Application.objects.filter(pk=application.pk, signed_at__isnull=True)
        .exclude(status__in=FINISHED_STATUSES)
        .update(signed_at=now, signature_witness=actor.user, signature_place=where, updated_at=now)
    )
    if rows != 1:
        application.refresh_from_db()
        raise _signature_refusal(application)
    application.refresh_from_db()
    _event(
        application,
        actor=actor,
        action="sign",
        from_status=application.status,
        to_status=application.status,
        at=now,
    )
    audit_record(
        actor=actor,
        action="applications.application.sign",
        obj=application,
        summary={"where": where, "status": application.status},
    )
    return application


# --- Documents ---------------------------------------------------------------------------------


@transaction.atomic
def document_attach(
    *,
    actor: Actor,
    application_id: int,
    requirement: str,
    content: bytes,
    public_code: str | None = None,
) -> Attachment:
    """Check a scan by content and store it under a random name for one checklist item.

    Officers attach to files of their office while the file is at the kecamatan; the online
    form attaches (with the tracking code it was just given) while the file is a draft.
    """
    if public_code is not None:
        application = (
            Application.objects.select_related("service")
            .filter(tracking_code=public_code, pk=application_id)
            .first()
        )
        if application is None or application.status != Status.DRAFT or application.channel != Channel.ONLINE:
            raise NotFound(_("Not found."))
    else:
        if not (actor.can(caps.SUBMIT) or actor.can(caps.SUBMIT_OUTREACH)):
            actor.require(caps.SUBMIT)
        application = get_scoped(Application.objects.select_related("service"), actor, pk=application_id)
        if actor.can(caps.SUBMIT) and actor.unit_id == application.office_id:
            pass
        elif not (application.channel == Channel.OUTREACH and application.created_by_id == actor.id):
            raise NotAllowed(_("Only the office handling this application can attach documents."))
        allowed = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED_TO_APPLICANT, Status.RETURNED_TO_KECAMATAN)
        if application.status not in allowed:
            raise Conflict(
                _("Documents cannot be added while the application is %(status)s.")
                % {"status": application.get_status_display().lower()},
                code="applications.not_editable",
            )
    return _store_attachment(application=application, requirement=requirement, content=content, actor=actor)


def _store_attachment(
    *, application: Application, requirement: str, content: bytes, actor: Actor
) -> Attachment:
    """Check a scan by content, store it under a random name and make it the current one for
    its checklist item (the previous one is kept, marked replaced)."""
    codes = set(application.service.requirements.values_list("code", flat=True))
    if requirement not in codes:
        raise InvalidInput(
            _("Unknown checklist item for this service."), code="applications.requirement_unknown"
        )
    checked = check_file(content)
    name = f"applications/{timezone.localdate():%Y/%m}/{secrets.token_urlsafe(24)}.{checked.extension}"
    stored = default_storage.save(name, ContentFile(checked.content))
    try:
        with transaction.atomic():
            Attachment.objects.filter(
                application=application, requirement=requirement, replaced_at__isnull=True
            ).update(replaced_at=_now())
            attachment = Attachment.objects.create(
                application=application,
                requirement=requirement,
                file=stored,
                content_type=checked.content_type,
                size=len(checked.content),
                pages=checked.pages,
                sha256=checked.sha256,
                uploaded_by=actor.user,
            )
    except Exception:
        default_storage.delete(stored)
        raise
    audit_record(
        actor=actor,
        action="applications.attachment.add",
        obj=attachment,
        summary={"application": application.pk, "requirement": requirement, "pages": checked.pages},
    )
    return attachment


def missing_documents(application: Application) -> list[RequiredDocument]:
    present = set(
        application.attachments.filter(replaced_at__isnull=True).values_list("requirement", flat=True)
    )
    return [r for r in application.service.requirements.all() if r.mandatory and r.code not in present]


def _require_documents(application: Application) -> None:
    missing = missing_documents(application)
    if missing:
        raise InvalidInput(
            _("Mandatory documents are missing: %(docs)s.")
            % {"docs": ", ".join(r.display_label for r in missing)},
            code="applications.documents_missing",
            details=[{"field": r.code, "message": _("Missing.")} for r in missing],
        )


@transaction.atomic
def application_lodge_online(*, application_id: int) -> Application:
    """The public form's last step: the draft it just built, with its scans, is submitted."""
    application = (
        Application.objects.select_related("service", "office").select_for_update().get(pk=application_id)
    )
    if application.channel != Channel.ONLINE or application.status != Status.DRAFT:
        raise Conflict(_stale_message(), code="applications.stale")
    _require_documents(application)
    Application.objects.filter(pk=application.pk).update(
        status=Status.SUBMITTED, version=F("version") + 1, updated_at=_now()
    )
    application.refresh_from_db()
    _event(
        application, actor=ANONYMOUS, action="submit", from_status=Status.DRAFT, to_status=Status.SUBMITTED
    )
    audit_record(
        actor=ANONYMOUS,
        action="applications.application.lodge",
        obj=application,
        summary={"channel": "online"},
    )
    _enter_submitted(application, now=_now(), first=True)
    return application


@transaction.atomic
def application_resubmit_online(
    *, tracking_code: str, applicant_nik: str, documents: dict[str, bytes], note: str = ""
) -> Application:
    """An online applicant whose file came back ("returned to the applicant") sends the corrected
    scans and resubmits, from the tracking page. The tracking code (sent to the applicant's phone)
    and the applicant's NIK must both match; the history keeps the return and the resubmission,
    and replaced scans are kept, marked replaced. All or nothing."""
    code = tracking_code_normalize(tracking_code)
    application = (
        Application.objects.select_related("service", "office")
        .select_for_update()
        .filter(tracking_code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if application is None or application.channel != Channel.ONLINE:
        raise NotFound(_("Not found."))
    given = "".join(ch for ch in (applicant_nik or "") if ch.isdigit())
    if not hmac.compare_digest(given.encode(), (application.applicant_nik or "").encode()):
        raise NotAllowed(
            _("The NIK does not match this application's applicant."), code="applications.nik_mismatch"
        )
    if application.status != Status.RETURNED_TO_APPLICANT:
        raise Conflict(
            _("This application is %(status)s: there is nothing to send again.")
            % {"status": application.get_status_display().lower()},
            code="applications.not_returned",
        )
    note = _trim(" ".join((note or "").split()))
    if not documents and not note:
        raise InvalidInput(
            _("Attach the corrected documents or explain what you corrected."),
            code="applications.resubmit_empty",
        )
    labels = {r.code: r.display_label for r in application.service.requirements.all()}
    for requirement, content in documents.items():
        try:
            _store_attachment(
                application=application, requirement=requirement, content=content, actor=ANONYMOUS
            )
        except ServiceError as exc:
            raise type(exc)(
                f"{labels.get(requirement, requirement)}: {exc}", code=exc.code, details=exc.details
            ) from exc
    _require_documents(application)
    now = _now()
    Application.objects.filter(pk=application.pk).update(
        status=Status.SUBMITTED, version=F("version") + 1, updated_at=now
    )
    application.refresh_from_db()
    _event(
        application,
        actor=ANONYMOUS,
        action="resubmit",
        from_status=Status.RETURNED_TO_APPLICANT,
        to_status=Status.SUBMITTED,
        reason=note,
    )
    audit_record(
        actor=ANONYMOUS,
        action="applications.application.resubmit",
        obj=application,
        summary={"channel": "online", "documents": sorted(documents)},
    )
    _enter_submitted(application, now=now, first=False)
    return application


# --- Workflow ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str
    capability: str
    side: str  # "kecamatan": the application's office; "disdukcapil": a Disdukcapil unit
    label: Any
    reason_required: bool = False
    also: str | None = None  # a second capability that allows the step (the head releasing a claim)

    def allowed(self, actor: Actor) -> bool:
        return actor.can(self.capability) or bool(self.also and actor.can(self.also))


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("lodge", (Status.DRAFT,), Status.SUBMITTED, caps.SUBMIT, "kecamatan", gettext_lazy("submit")),
        Action(
            "verify",
            (Status.SUBMITTED, Status.RETURNED_TO_KECAMATAN),
            Status.VERIFIED,
            caps.VERIFY,
            "kecamatan",
            gettext_lazy("verify"),
        ),
        Action(
            "return_to_applicant",
            (Status.SUBMITTED, Status.VERIFIED, Status.RETURNED_TO_KECAMATAN),
            Status.RETURNED_TO_APPLICANT,
            caps.VERIFY,
            "kecamatan",
            gettext_lazy("return to the applicant"),
            reason_required=True,
        ),
        Action(
            "resubmit",
            (Status.RETURNED_TO_APPLICANT,),
            Status.SUBMITTED,
            caps.SUBMIT,
            "kecamatan",
            gettext_lazy("resubmit"),
        ),
        Action(
            "send",
            (Status.VERIFIED,),
            Status.SENT,
            caps.SEND,
            "kecamatan",
            gettext_lazy("send to the Disdukcapil"),
        ),
        Action(
            "claim",
            (Status.SENT,),
            Status.IN_REVIEW,
            caps.REVIEW,
            "disdukcapil",
            gettext_lazy("take for review"),
        ),
        Action(
            "release",
            (Status.IN_REVIEW,),
            Status.SENT,
            caps.REVIEW,
            "disdukcapil",
            gettext_lazy("release"),
            also=caps.OVERSEE,
        ),
        Action(
            "approve",
            (Status.IN_REVIEW,),
            Status.APPROVED,
            caps.REVIEW,
            "disdukcapil",
            gettext_lazy("approve"),
        ),
        Action(
            "return_to_kecamatan",
            (Status.IN_REVIEW,),
            Status.RETURNED_TO_KECAMATAN,
            caps.REVIEW,
            "disdukcapil",
            gettext_lazy("return to the kecamatan"),
            reason_required=True,
        ),
        Action(
            "reject",
            (Status.IN_REVIEW,),
            Status.REJECTED,
            caps.REVIEW,
            "disdukcapil",
            gettext_lazy("reject"),
            reason_required=True,
        ),
        Action(
            "issue",
            (Status.APPROVED,),
            Status.ISSUED,
            caps.ISSUE,
            "disdukcapil",
            gettext_lazy("issue the document"),
        ),
        Action(
            "dispatch",
            (Status.ISSUED,),
            Status.SENT_TO_KECAMATAN,
            caps.ISSUE,
            "disdukcapil",
            gettext_lazy("send to the kecamatan"),
        ),
        Action(
            "receive",
            (Status.SENT_TO_KECAMATAN,),
            Status.SENT_TO_KECAMATAN,
            caps.HAND_OVER,
            "kecamatan",
            gettext_lazy("receive at the kecamatan"),
        ),
        Action(
            "hand_over",
            (Status.SENT_TO_KECAMATAN,),
            Status.HANDED_OVER,
            caps.HAND_OVER,
            "kecamatan",
            gettext_lazy("hand over"),
        ),
        Action(
            "close", (Status.HANDED_OVER,), Status.CLOSED, caps.HAND_OVER, "kecamatan", gettext_lazy("close")
        ),
    ]
}


def _stale_message() -> str:
    return _("Someone else changed this application in the meantime. Reload it and try again.")


def _require_unit(actor: Actor, application: Application, side: str) -> None:
    if side == "kecamatan":
        if actor.unit_id != application.office_id:
            raise NotAllowed(_("Only the kecamatan office handling this application can do this."))
    elif _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL:
        raise NotAllowed(_("Only the Disdukcapil can do this."))


def _impossible(application: Application, action: Action) -> Conflict:
    status = application.get_status_display()
    if action.name == "claim" and application.status == Status.IN_REVIEW:
        return Conflict(
            _("Another verifier has just taken this file for review."),
            code="applications.already_claimed",
            details={"status": application.status},
        )
    if action.name == "approve" and application.status in (
        Status.APPROVED,
        Status.ISSUED,
        Status.SENT_TO_KECAMATAN,
        Status.HANDED_OVER,
        Status.CLOSED,
    ):
        message = _("This application is already approved; it cannot be approved again.")
    else:
        message = _("Cannot %(action)s: the application is now “%(status)s”.") % {
            "action": action.label,
            "status": status,
        }
    return Conflict(
        message, code="applications.transition_impossible", details={"status": application.status}
    )


def _event(
    application: Application,
    *,
    actor: Actor,
    action: str,
    from_status: str,
    to_status: str,
    reason: str = "",
    batch: Batch | None = None,
    at: datetime | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        at=at or _now(),
        reason=reason,
        batch=batch,
    )


def _next_document_number(application: Application, day: date) -> str:
    prefixes: dict[str, str] = {
        DocumentType.KTP_EL: "KTP",
        DocumentType.KK: "KK",
        DocumentType.AKTA_KELAHIRAN: "AL",
        DocumentType.AKTA_KEMATIAN: "AM",
        DocumentType.SURAT_PINDAH: "SKPWNI",
    }
    doc_type = application.service.document_type
    counter, _created = DocumentCounter.objects.get_or_create(document_type=doc_type, year=day.year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    region = application.kecamatan_id.replace(".", "")[:4]
    number = f"{region}-{prefixes.get(doc_type, 'DOC')}-{day:%Y%m%d}-{counter.last:05d}"
    return f"LATIHAN-{number}" if application.is_sandbox else number


@transaction.atomic
def application_transition(
    *,
    actor: Actor,
    application_id: int,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
    handed_to: str = "",
    proof: str = "",
    batch: Batch | None = None,
) -> Application:
    """Move one file one step. Impossible steps raise Conflict (409) with the reason."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidInput(_("Unknown action."), code="applications.action_unknown")
    if not spec.allowed(actor):
        actor.require(spec.capability)
    application = get_scoped(
        Application.objects.select_related("service", "office"), actor, pk=application_id
    )
    _require_unit(actor, application, spec.side)
    if application.status not in spec.sources:
        raise _impossible(application, spec)
    if expected_version is not None and expected_version != application.version:
        raise Conflict(_stale_message(), code="applications.stale")
    reason = (reason or "").strip()
    if spec.reason_required and not reason:
        raise InvalidInput(
            _("Give the reason, so that the next person knows what to correct."),
            code="applications.reason_required",
            details=[{"field": "reason", "message": _("Required.")}],
        )
    now = _now()
    today = timezone.localdate(now)
    service = application.service
    updates: dict[str, Any] = {}
    condition: dict[str, Any] = {}
    if spec.name in ("lodge", "verify", "resubmit"):
        _require_documents(application)
    if spec.name == "claim":
        condition["assigned_to__isnull"] = True
        updates["assigned_to"] = actor.user
    elif spec.name in ("approve", "return_to_kecamatan", "reject"):
        if application.assigned_to_id != actor.id:
            raise Conflict(
                _("Another verifier is reviewing this file. Only the verifier who took it can decide."),
                code="applications.assigned_elsewhere",
            )
        updates["assigned_to"] = None
        updates["decided_at"] = now
    elif spec.name == "release":
        if application.assigned_to_id != actor.id and not actor.can(caps.OVERSEE):
            raise Conflict(
                _("Another verifier is reviewing this file. Only the verifier who took it can decide."),
                code="applications.assigned_elsewhere",
            )
        updates["assigned_to"] = None
    elif spec.name == "verify":
        updates["verified_at"] = now
        updates["return_reason"] = ""
    elif spec.name == "send":
        updates["sent_at"] = now
        updates["batch"] = batch
    elif spec.name == "issue":
        updates["document_number"] = _next_document_number(application, today)
        updates["document_issued_on"] = today
        updates["issued_at"] = now
    elif spec.name == "dispatch":
        updates["batch"] = batch
    elif spec.name == "receive":
        if application.ready_at is not None:
            raise Conflict(
                _("This document has already been received at the kecamatan."),
                code="applications.already_received",
            )
        condition["ready_at__isnull"] = True
        updates["ready_at"] = now
    elif spec.name == "hand_over":
        if application.ready_at is None:
            raise Conflict(
                _("The document has not been received at the kecamatan yet."),
                code="applications.not_received",
            )
        handed_to = (handed_to or "").strip()
        if not handed_to:
            raise InvalidInput(
                _("Say to whom the document was handed over."),
                code="applications.handed_to_required",
                details=[{"field": "handed_to", "message": _("Required.")}],
            )
        updates.update(
            handed_to=handed_to[:120], handover_proof=(proof or "").strip()[:200], handed_over_at=now
        )
    if spec.name in ("return_to_applicant", "return_to_kecamatan", "reject"):
        updates["return_reason"] = reason
    new_stage = STAGE_OF_STATUS.get(spec.target)
    if new_stage is None:
        updates["stage_due_on"] = None
    elif new_stage != application.stage:
        days = {
            "kecamatan": service.target_days_kecamatan,
            "disdukcapil": service.target_days_disdukcapil,
            "return": service.target_days_return,
        }[new_stage]
        updates["stage_due_on"] = WorkCalendar().add(today, days)
    rows = Application.objects.filter(
        pk=application.pk, status=application.status, version=application.version, **condition
    ).update(status=spec.target, version=F("version") + 1, updated_at=now, **updates)
    if rows != 1:
        current_status = (
            Application.objects.filter(pk=application.pk).values_list("status", flat=True).first()
        )
        if spec.name == "claim" and current_status == Status.IN_REVIEW:
            raise Conflict(
                _("Another verifier has just taken this file for review."),
                code="applications.already_claimed",
            )
        raise Conflict(_stale_message(), code="applications.stale")
    from_status = application.status
    application.refresh_from_db()
    if spec.name == "approve":
        _apply_effect(actor=actor, application=application)
    _event(
        application,
        actor=actor,
        action=spec.name,
        from_status=from_status,
        to_status=spec.target,
        reason=reason,
        batch=batch,
    )
    audit_record(
        actor=actor,
        action=f"applications.application.{spec.name}",
        obj=application,
        summary={"from": from_status, "to": spec.target, "version": application.version},
    )
    _notify(application, spec.name)
    return application


def _apply_effect(*, actor: Actor, application: Application) -> None:
    if application.is_sandbox:
        result = {"simulated": True, "description": effect_describe(application)}
    else:
        subjects = effect_recheck(application)
        result = effect_apply(actor=actor, application=application, subjects=subjects)
    Application.objects.filter(pk=application.pk).update(effect_result=result)
    application.effect_result = result


def _notify(application: Application, action: str) -> None:
    code = application.tracking_code
    service = application.service.name
    if action in ("lodge", "resubmit"):
        _enter_submitted(application, now=_now(), first=action == "lodge")
    elif action == "return_to_applicant":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Application %(code)s (%(service)s) needs correction: %(reason)s. Please contact %(office)s."
                    )
                    % {
                        "code": code,
                        "service": service,
                        "reason": _trim(application.return_reason, 200),
                        "office": application.office.name,
                    }
                )
            ),
        )
    elif action == "approve":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _("Application %(code)s (%(service)s) was approved. The document is being issued.")
                    % {"code": code, "service": service}
                )
            ),
        )
    elif action == "reject":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Application %(code)s (%(service)s) was rejected: %(reason)s. Please contact %(office)s."
                    )
                    % {
                        "code": code,
                        "service": service,
                        "reason": _trim(application.return_reason, 200),
                        "office": application.office.name,
                    }
                )
            ),
        )
    elif action == "receive":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Your document for application %(code)s (%(service)s) is ready for collection at %(office)s. Free of charge."
                    )
                    % {"code": code, "service": service, "office": application.office.name}
                )
            ),
        )


# --- Bulk actions --------------------------------------------------------------------------------


@transaction.atomic
def batch_send_verified(*, actor: Actor) -> Batch | None:
    """Send all verified files of the actor's office to the Disdukcapil as one batch."""
    actor.require(caps.SEND)
    office = _actor_office(actor)
    if office is None:
        raise NotAllowed(_("Only a kecamatan office sends files to the Disdukcapil."))
    ids = list(
        Application.objects.filter(office=office, status=Status.VERIFIED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return None
    assert actor.user is not None
    batch = Batch.objects.create(
        direction=Batch.Direction.TO_DISDUKCAPIL,
        office=office,
        kecamatan_id=office.area_id,
        created_by=actor.user,
    )
    for pk in ids:
        application_transition(actor=actor, application_id=pk, action="send", batch=batch)
    Batch.objects.filter(pk=batch.pk).update(size=len(ids))
    batch.size = len(ids)
    audit_record(actor=actor, action="applications.batch.send", obj=batch, summary={"size": len(ids)})
    return batch


@transaction.atomic
def batch_dispatch_issued(*, actor: Actor) -> list[Batch]:
    """Send every issued document back to its kecamatan, one batch per office."""
    actor.require(caps.ISSUE)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL:
        raise NotAllowed(_("Only the Disdukcapil can do this."))
    by_office: dict[int, list[int]] = {}
    for pk, office_id in (
        Application.objects.filter(status=Status.ISSUED)
        .order_by("office_id", "id")
        .values_list("id", "office_id")
    ):
        by_office.setdefault(office_id, []).append(pk)
    batches = []
    assert actor.user is not None
    for office_id, ids in by_office.items():
        office = Unit.objects.get(pk=office_id)
        batch = Batch.objects.create(
            direction=Batch.Direction.TO_KECAMATAN,
            office=office,
            kecamatan_id=office.area_id,
            created_by=actor.user,
            size=len(ids),
        )
        for pk in ids:
            application_transition(actor=actor, application_id=pk, action="dispatch", batch=batch)
        audit_record(actor=actor, action="applications.batch.dispatch", obj=batch, summary={"size": len(ids)})
        batches.append(batch)
    return batches


@transaction.atomic
def batch_receive(*, actor: Actor, batch_id: int) -> Batch:
    """The kecamatan confirms a batch of issued documents arrived: all become ready for collection."""
    actor.require(caps.HAND_OVER)
    batch = get_scoped(Batch.objects.select_for_update(), actor, pk=batch_id)
    if batch.direction != Batch.Direction.TO_KECAMATAN or batch.office_id != actor.unit_id:
        raise NotAllowed(_("Only the kecamatan office the batch was sent to can receive it."))
    if batch.received_at is not None:
        raise Conflict(_("This batch has already been received."), code="applications.batch_received")
    ids = list(
        Application.objects.filter(
            batch=batch, status=Status.SENT_TO_KECAMATAN, ready_at__isnull=True
        ).values_list("id", flat=True)
    )
    for pk in ids:
        application_transition(actor=actor, application_id=pk, action="receive", batch=batch)
    batch.received_at = _now()
    batch.received_by = actor.user
    batch.save(update_fields=["received_at", "received_by"])
    audit_record(actor=actor, action="applications.batch.receive", obj=batch, summary={"size": len(ids)})
    return batch


# --- Catalogue, rollout, paper batches -------------------------------------------------------------

SERVICE_EDITABLE = (
    "allow_several",
    "name",
    "name_en",
    "description",
    "form_schema",
    "channels",
    "target_days_kecamatan",
    "target_days_disdukcapil",
    "target_days_return",
    "target_days_total",
    "is_active",
    "order",
)


@transaction.atomic
def service_update(
    *, actor: Actor, code: str, changes: dict[str, Any], requirements: list[dict] | None = None
) -> Service:
    """The administrator edits a service: fields, checklist (code, label, mandatory), targets."""
    actor.require(caps.CATALOGUE)
    service = Service.objects.select_for_update().filter(code=code).first()
    if service is None:
        raise NotFound(_("Not found."))
    unknown = set(changes) - set(SERVICE_EDITABLE)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "form_schema" in changes:
        problems = schema_errors(changes["form_schema"])
        if problems:
            raise InvalidInput(" ".join(problems), code="applications.schema_invalid", details=problems)
    if "channels" in changes:
        channels = changes["channels"]
        if not isinstance(channels, list) or not set(channels) <= set(Channel.values):
            raise InvalidInput(_("Channels must be chosen from: %(c)s.") % {"c": ", ".join(Channel.values)})
    for key in (
        "target_days_kecamatan",
        "target_days_disdukcapil",
        "target_days_return",
        "target_days_total",
    ):
        value = changes.get(key, getattr(service, key))
        if not isinstance(value, int) or not 1 <= value <= 60:
            raise InvalidInput(
                _("Target times are whole working days from 1 to 60."), code="applications.target_invalid"
            )
    for key, value in changes.items():
        setattr(service, key, value)
    stage_sum = service.target_days_kecamatan + service.target_days_disdukcapil + service.target_days_return
    if service.target_days_total < stage_sum:
        raise InvalidInput(
            _("The end-to-end target (%(total)d) is shorter than the stages together (%(sum)d).")
            % {"total": service.target_days_total, "sum": stage_sum},
            code="applications.target_invalid",
        )
    service.save()
    if requirements is not None:
        seen = set()
        for i, item in enumerate(requirements, start=1):
            code_ = str(item.get("code", "")).strip()
            if not code_ or not str(item.get("label", "")).strip() or code_ in seen:
                raise InvalidInput(
                    _("Each checklist item needs a unique code and a label."),
                    code="applications.requirement_invalid",
                )
            seen.add(code_)
            RequiredDocument.objects.update_or_create(
                service=service,
                code=code_,
                defaults={
                    "label": str(item["label"]).strip()[:160],
                    "label_en": str(item.get("label_en", "")).strip()[:160],
                    "mandatory": bool(item.get("mandatory", True)),
                    "order": i * 10,
                },
            )
        service.requirements.exclude(code__in=seen).delete()
    audit_record(
        actor=actor,
        action="applications.service.update",
        obj=service,
        summary={"fields": sorted(changes), "requirements": requirements is not None},
    )
    return service


@transaction.atomic
def rollout_set(*, actor: Actor, office_id: int, mode: str, head_id: int | None = None) -> OfficeRollout:
    actor.require(caps.ROLLOUT)
    office = get_scoped(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE), actor, pk=office_id)
    if mode not in OfficeMode.values:
        raise InvalidInput(_("Choose online, training or manual."), code="applications.mode_invalid")
    if head_id is not None and not office.staff.filter(pk=head_id, is_active=True).exists():
        raise InvalidInput(
            _("The head must be an active staff member of this office."), code="applications.head_invalid"
        )
    rollout, _created = OfficeRollout.objects.get_or_create(unit=office)
    old = rollout.mode
    rollout.mode = mode
    rollout.head_id = head_id
    rollout.updated_by = actor.user
    rollout.save()
    audit_record(
        actor=actor, action="applications.rollout.set", obj=rollout, summary={"from": old, "to": mode}
    )
    return rollout


def _paper_office(actor: Actor, office_id: int | None) -> Unit:
    if office_id is None:
        office = _actor_office(actor)
        if office is None:
            raise InvalidInput(_("Choose the kecamatan office."), code="applications.office_missing")
        return office
    return get_scoped(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE), actor, pk=office_id)


def _check_paper_dates(batch: PaperBatch) -> None:
    today = timezone.localdate()
    dates = [d for d in (batch.sent_on, batch.received_on, batch.returned_on) if d]
    if any(d > today for d in dates):
        raise InvalidInput(_("Dates cannot be in the future."), code="applications.date_in_future")
    if batch.received_on and batch.received_on < batch.sent_on:
        raise InvalidInput(_("A batch cannot arrive before it was sent."), code="applications.dates_order")
    if batch.returned_on and batch.returned_on < (batch.received_on or batch.sent_on):
        raise InvalidInput(_("A batch cannot come back before it arrived."), code="applications.dates_order")
    if batch.files_count < 1 or (
        batch.returned_count is not None and batch.returned_count > batch.files_count
    ):
        raise InvalidInput(
            _("The number of files must be at least 1 and no fewer than the documents returned."),
            code="applications.count_invalid",
        )


@transaction.atomic
def paper_batch_record(
    *,
    actor: Actor,
    files_count: int,
    sent_on: date,
    office_id: int | None = None,
    service_code: str | None = None,
    note: str = "",
) -> PaperBatch:
    """A manual office records a bundle of paper files sent to the Disdukcapil."""
    actor.require(caps.PAPER)
    office = _paper_office(actor, office_id)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL and actor.unit_id != office.pk:
        raise NotAllowed(
            _("Only the kecamatan office itself or the Disdukcapil can record its paper batches.")
        )
    if office_mode(office) != OfficeMode.MANUAL:
        raise InvalidInput(
            _("%(office)s works online; its files are counted automatically.") % {"office": office.name},
            code="applications.office_not_manual",
        )
    service = None
    if service_code:
        service = Service.objects.filter(code=service_code).first()
        if service is None:
            raise InvalidInput(_("Unknown or inactive service."), code="applications.service_unknown")
    batch = PaperBatch(
        office=office,
        kecamatan_id=office.area_id,
        service=service,
        files_count=files_count,
        sent_on=sent_on,
        note=note[:200],
        created_by=actor.user,
    )
    _check_paper_dates(batch)
    batch.save()
    audit_record(
        actor=actor, action="applications.paper_batch.record", obj=batch, summary={"files": files_count}
    )
    return batch


@transaction.atomic
def paper_batch_update(
    *,
    actor: Actor,
    batch_id: int,
    expected_version: int,
    received_on: date | None = None,
    returned_on: date | None = None,
    returned_count: int | None = None,
) -> PaperBatch:
    actor.require(caps.PAPER)
    batch = get_scoped(PaperBatch.objects.select_for_update(), actor, pk=batch_id)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL and actor.unit_id != batch.office_id:
        raise NotAllowed(
            _("Only the kecamatan office itself or the Disdukcapil can record its paper batches.")
        )
    if batch.version != expected_version:
        raise Conflict(_stale_message(), code="applications.stale")
    if received_on is not None:
        batch.received_on = received_on
    if returned_on is not None:
        batch.returned_on = returned_on
    if returned_count is not None:
        batch.returned_count = returned_count
    _check_paper_dates(batch)
    batch.version += 1
    batch.save()
    audit_record(
        actor=actor, action="applications.paper_batch.update", obj=batch, summary={"version": batch.version}
    )
    return batch


# --- Overdue notices -------------------------------------------------------------------------------


def _overdue_heads(unit: Unit) -> list[str]:
    from warga.accounts.models import User

    phones = []
    rollout = OfficeRollout.objects.filter(unit=unit).select_related("head").first()
    if rollout and rollout.head and rollout.head.is_active and rollout.head.phone:
        phones.append(rollout.head.phone)
    for user in User.objects.filter(unit=unit, is_active=True).exclude(phone=""):
        if Actor.for_user(user).can(caps.OVERSEE) and user.phone not in phones:
            phones.append(user.phone)
    return phones


@transaction.atomic
def applications_notify_overdue(*, today: date | None = None) -> int:
    """Tell each unit's head, once a day, how many of its files are past their stage target.

    Only on working days: nobody is texted about the queue on a holiday or a cuti bersama day."""
    today = today or timezone.localdate()
    if not WorkCalendar().is_working_day(today):
        return 0
    base = Application.objects.filter(is_sandbox=False, status__in=ACTIVE_STATUSES, stage_due_on__lt=today)
    counts: dict[int, int] = {}
    kec_statuses = [s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] in ("kecamatan", "return")]
    for office_id in base.filter(status__in=kec_statuses).values_list("office_id", flat=True):
        counts[office_id] = counts.get(office_id, 0) + 1
    disdukcapil = Unit.objects.filter(kind=UnitKind.DISDUKCAPIL, is_active=True).first()
    if disdukcapil is not None:
        n = base.filter(
            status__in=[s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] == "disdukcapil"]
        ).count()
        if n:
            counts[disdukcapil.pk] = n
    notified = 0
    for unit in Unit.objects.filter(pk__in=counts):
        _notice, created = OverdueNotice.objects.get_or_create(
            unit=unit, day=today, defaults={"count": counts[unit.pk]}
        )
        if not created:
            continue
        from warga.messaging.services import sms_send

        text = _indonesian(
            lambda unit=unit: (
                _(
                    "Warga: %(n)d application files at %(unit)s are past their target date. Please check the work queue."
                )
                % {"n": counts[unit.pk], "unit": unit.name}
            )
        )
        for phone in _overdue_heads(unit):
            try:
                sms_send(to=phone, text=text, purpose="notice")
            except InvalidInput:
                continue  # a badly typed staff phone must not stop the other notices
        notified += 1
    return notified
