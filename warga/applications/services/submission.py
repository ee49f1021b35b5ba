"""Taking an application: at the counter, online or in the field, and correcting it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from warga.audit.services import audit_read, audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.org.models import Unit, UnitKind
from warga.registry.identity import check_nik
from warga.registry.models import Family, LifeStatus, Resident

from .. import capabilities as caps
from ..catalogue import clean_service_data
from ..effects import Subjects, effect_check, snapshot
from ..models import (
    OPEN_STATUSES,
    ApplicantRule,
    Application,
    Channel,
    OfficeMode,
    Service,
    Status,
)
from .common import _actor_office, _event, _now, _require_unit, _stale_message, office_mode, tracking_code_new
from .documents import document_attach
from .notices import _enter_submitted
from .transitions import application_lodge_online

# --- Submission --------------------------------------------------------------------------------


def _resolve_office(
    *, actor: Actor, channel: str, office: Unit | None, applicant: Resident | None, data: dict[str, Any]
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
    *, service: Service, applicant_nik: str, data: dict[str, Any]
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
    data: dict[str, Any],
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


@transaction.atomic
def application_update(
    *,
    actor: Actor,
    application_id: int,
    data: dict[str, Any] | None = None,
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


@transaction.atomic
def application_submit_with_documents(
    *,
    actor: Actor,
    service_code: str,
    applicant_nik: str,
    data: dict[str, Any],
    channel: str,
    documents: Sequence[tuple[str, bytes]],
    office: Unit | None = None,
    client_ref: str = "",
    phone: str = "",
) -> Application:
    """Take an application together with its scans, all or nothing.

    Online the applicant's draft gets the scans and is then lodged through the workflow (which
    refuses it while a mandatory scan is missing); an error names the checklist item. In the field
    the file is submitted and the photos attached to it: missing scans can still be added at the
    kecamatan before verification.
    """
    online = channel == Channel.ONLINE
    application = application_submit(
        actor=actor,
        service_code=service_code,
        applicant_nik=applicant_nik,
        data=data,
        channel=channel,
        office=office,
        client_ref=client_ref,
        phone=phone,
        draft=online,
    )
    labels = {r.code: r.display_label for r in application.service.requirements.all()} if online else {}
    for requirement, content in documents:
        try:
            document_attach(
                actor=actor,
                application_id=application.pk,
                requirement=requirement,
                content=content,
                public_code=application.tracking_code if online else None,
            )
        except ServiceError as exc:
            if not online:
                raise
            raise type(exc)(
                f"{labels.get(requirement, requirement)}: {exc}", code=exc.code, details=exc.details
            ) from exc
    return application_lodge_online(application_id=application.pk) if online else application
