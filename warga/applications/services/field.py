"""Applications taken in the field, several at once (a batch of the field app)."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from warga.audit.services import audit_record_many
from warga.core.bulk import bulk_saved
from warga.core.errors import ServiceError
from warga.core.scoping import Actor, code_within, unscoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit
from warga.registry.identity import check_nik
from warga.registry.models import LifeStatus, Resident

from .. import capabilities as caps
from ..catalogue import clean_service_data
from ..effects import Subjects, effect_check, snapshot
from ..models import (
    OPEN_STATUSES,
    ApplicantRule,
    Application,
    ApplicationEvent,
    Attachment,
    Channel,
    Effect,
    OfficeMode,
    Service,
    Status,
)
from ..uploads import CheckedFile, check_file
from .common import _now, office_mode, tracking_code_new
from .submission import _resolve_office

# Services whose register check reads nothing more than the applicant (and their family): their
# files can be checked side by side. The others name more people and go one by one.
CHECKED_IN_HAND = frozenset({Effect.NONE, Effect.FAMILY_UPDATE, Effect.RESIDENT_CORRECT})


@dataclass(frozen=True)
class FieldApplication:
    """One application from the field app with its scans, as `application_submit_with_documents`
    gets it there (channel outreach, no phone number, the record's id as `client_ref`)."""

    service_code: str
    applicant_nik: str
    data: dict[str, Any]
    documents: Sequence[tuple[str, bytes]]
    client_ref: str


@dataclass
class _Plan:
    index: int
    item: FieldApplication
    nik: str
    service: Service
    applicant: Resident
    cleaned: dict[str, Any]
    subjects: Subjects
    office: Unit
    mode: str
    scans: list[tuple[str, CheckedFile]]

    @property
    def exclusive(self) -> bool:
        return not self.service.allow_several and self.mode != OfficeMode.TRAINING


@transaction.atomic
def applications_submit_field_many(
    *, actor: Actor, items: Sequence[FieldApplication]
) -> dict[int, Application]:
    """Take several field applications with their scans in a few statements (one SELECT each for
    earlier files, services, applicants, offices and open files; one INSERT each for the files,
    their events, their scans and the audit rows): what `application_submit_with_documents` does
    for each in the field, for the common case only.

    Returns {index in `items`: application} for those taken here. An item is left out, with
    nothing written for it, whenever `application_submit_with_documents` could answer anything
    but a new submitted file: an id already used, an unknown or closed service, a NIK that is
    malformed, unknown, not a living resident or named twice, data or a KK number the service
    refuses, no open kecamatan office or one that works on paper, a file outside the officer's
    area, an open file of the same service, a scan for an unknown or repeated checklist item or
    one that is not a document, a service that names other people. The caller passes those to
    `application_submit_with_documents` one by one, which gives the same answer it always gives.
    Another transaction's file taken meanwhile (the unique indexes) makes the INSERT fail: the
    caller rolls this back and takes every item one by one.

    Nothing is said by SMS: a field application carries no phone number."""
    if not items or actor.user is None or not actor.can(caps.SUBMIT_OUTREACH):
        return {}
    niks = [item.applicant_nik.strip() for item in items]
    refs = Counter(item.client_ref for item in items)
    pairs = Counter((item.service_code, nik) for item, nik in zip(items, niks, strict=True))
    with unscoped("field applications: applicants from the whole register, this officer's earlier files"):
        taken = set(
            Application.objects.filter(created_by=actor.user, client_ref__in=list(refs)).values_list(
                "client_ref", flat=True
            )
        )
        services = {
            s.code: s
            for s in Service.objects.filter(
                code__in={item.service_code for item in items}, is_active=True
            ).prefetch_related("requirements")
        }
        residents = {r.nik: r for r in Resident.objects.filter(nik__in=niks).select_related("family")}
        memo = _Memo()
        plans = []
        for index, (item, nik) in enumerate(zip(items, niks, strict=True)):
            if not item.client_ref or item.client_ref in taken or refs[item.client_ref] > 1:
                continue
            if pairs[(item.service_code, nik)] > 1:
                continue
            plan = _plan(actor, memo, index, item, nik, services.get(item.service_code), residents.get(nik))
            if plan is not None:
                plans.append(plan)
        plans = _without_open_files(plans)
    if not plans:
        return {}
    return _insert(actor, plans)


class _Memo:
    """Lookups shared by the items of one call: kecamatan codes of NIKs, offices, their modes."""

    def __init__(self) -> None:
        self.kecamatan: dict[str, str | None] = {}
        self.offices: dict[str, Unit | None] = {}
        self.modes: dict[int, str] = {}

    def kecamatan_lookup(self, plain6: str) -> str | None:
        from warga.regions.selectors import kecamatan_lookup

        if plain6 not in self.kecamatan:
            self.kecamatan[plain6] = kecamatan_lookup(plain6)
        return self.kecamatan[plain6]

    def office(self, actor: Actor, applicant: Resident, data: dict[str, Any]) -> Unit | None:
        """The kecamatan office `_resolve_office` gives a field application of this applicant."""
        key = ".".join(str(applicant.desa_id or "").split(".")[:3])
        if key not in self.offices:
            try:
                self.offices[key] = _resolve_office(
                    actor=actor, channel=Channel.OUTREACH, office=None, applicant=applicant, data=data
                )
            except ServiceError:
                self.offices[key] = None
        return self.offices[key]

    def mode(self, office: Unit) -> str:
        if office.pk not in self.modes:
            self.modes[office.pk] = office_mode(office)
        return self.modes[office.pk]


def _plan(
    actor: Actor,
    memo: _Memo,
    index: int,
    item: FieldApplication,
    nik: str,
    service: Service | None,
    applicant: Resident | None,
) -> _Plan | None:
    """The checks of `application_submit` and `document_attach` for one item; None when any of
    them could refuse it, or would need more of the database than is in hand."""
    if (
        service is None
        or Channel.OUTREACH not in (service.channels or [])
        or service.applicant_rule == ApplicantRule.NEWCOMER
        or service.effect not in CHECKED_IN_HAND
        or applicant is None
        or applicant.life_status != LifeStatus.ALIVE
    ):
        return None
    try:
        if check_nik(nik, kecamatan_lookup=memo.kecamatan_lookup).errors:
            return None
        cleaned = clean_service_data(service, item.data or {})
        family = None
        if service.applicant_rule == ApplicantRule.RESIDENT_WITH_FAMILY:
            family = applicant.family
            if family is None or family.kk_number != cleaned.get("applicant_kk"):
                return None
        subjects = effect_check(service, cleaned, Subjects(applicant=applicant, family=family))
        codes = {r.code for r in service.requirements.all()}
        requirements = [requirement for requirement, _content in item.documents]
        if len(set(requirements)) != len(requirements) or not set(requirements) <= codes:
            return None
        office = memo.office(actor, applicant, cleaned)
        if office is None:
            return None
        scans = [(requirement, check_file(content)) for requirement, content in item.documents]
    except ServiceError:
        return None
    mode = memo.mode(office)
    # The scans go to the new file only where the officer may see it (`document_attach`).
    if mode == OfficeMode.MANUAL or not code_within(office.area_id, actor.area_code):
        return None
    return _Plan(index, item, nik, service, applicant, cleaned, subjects, office, mode, scans)


def _without_open_files(plans: list[_Plan]) -> list[_Plan]:
    """Leave out the items whose applicant has an open file of the same service (one query)."""
    exclusive = [p for p in plans if p.exclusive]
    if not exclusive:
        return plans
    open_files = set(
        Application.objects.filter(
            is_exclusive=True,
            status__in=OPEN_STATUSES,
            service__in={p.service.pk for p in exclusive},
            applicant_nik__in={p.nik for p in exclusive},
        ).values_list("service_id", "applicant_nik")
    )
    return [p for p in plans if not (p.exclusive and (p.service.pk, p.nik) in open_files)]


def _insert(actor: Actor, plans: list[_Plan]) -> dict[int, Application]:
    """The rows `application_submit` (with `_enter_submitted`) and `document_attach` write, for
    all the plans at once. The scans are written to storage first, as `document_attach` does;
    a failed INSERT removes them again."""
    now = _now()
    today = timezone.localdate(now)
    calendar = WorkCalendar()
    codes: set[str] = set()
    applications = []
    for plan in plans:
        code = tracking_code_new()
        while code in codes:  # pragma: no cover - 25^10 codes
            code = tracking_code_new()
        codes.add(code)
        service = plan.service
        applications.append(
            Application(
                tracking_code=code,
                service=service,
                channel=Channel.OUTREACH,
                office=plan.office,
                kecamatan_id=plan.office.area_id,
                status=Status.SUBMITTED,
                is_sandbox=plan.mode == OfficeMode.TRAINING,
                applicant=plan.applicant,
                applicant_nik=plan.nik,
                is_exclusive=plan.exclusive,
                applicant_name=plan.applicant.full_name[:120],
                family=plan.subjects.family or plan.subjects.join_family,
                phone="",
                data=plan.cleaned,
                register_snapshot=snapshot(plan.subjects),
                client_ref=plan.item.client_ref,
                created_by=actor.user,
                # Taken in the field: the applicant signs the form in front of the officer.
                signed_at=now,
                signature_witness=actor.user,
                signature_place=Channel.OUTREACH,
                # The clocks `_enter_submitted` starts.
                stage_due_on=calendar.add(today, service.target_days_kecamatan),
                submitted_at=now,
                due_on=calendar.add(today, service.target_days_total),
            )
        )
    folder = f"applications/{timezone.localdate():%Y/%m}"
    stored: list[str] = []
    try:
        names = []
        for plan in plans:
            for _requirement, checked in plan.scans:
                name = f"{folder}/{secrets.token_urlsafe(24)}.{checked.extension}"
                names.append(default_storage.save(name, ContentFile(checked.content)))
                stored.append(names[-1])
        Application.objects.bulk_create(applications)
        events = ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=application,
                    action="submit",
                    from_status="",
                    to_status=Status.SUBMITTED,
                    actor=actor.user,
                    actor_unit_id=actor.unit_id,
                    at=_now(),
                    reason="",
                    batch=None,
                )
                for application in applications
            ]
        )
        files = iter(names)
        attachments = Attachment.objects.bulk_create(
            [
                Attachment(
                    application=application,
                    requirement=requirement,
                    file=next(files),
                    content_type=checked.content_type,
                    size=len(checked.content),
                    pages=checked.pages,
                    sha256=checked.sha256,
                    uploaded_by=actor.user,
                )
                for plan, application in zip(plans, applications, strict=True)
                for requirement, checked in plan.scans
            ]
        )
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    bulk_saved(Application, applications)
    bulk_saved(ApplicationEvent, events)
    bulk_saved(Attachment, attachments)
    entries: list[tuple[str, Any, dict[str, Any]]] = []
    scans = iter(attachments)
    for plan, application in zip(plans, applications, strict=True):
        # In the order `application_submit` and `document_attach` write them one by one.
        entries.append((f"{Resident._meta.label_lower}.application", plan.applicant, {}))
        entries.append(
            (
                "applications.application.submit",
                application,
                {
                    "service": plan.service.code,
                    "channel": Channel.OUTREACH,
                    "draft": False,
                    "sandbox": application.is_sandbox,
                },
            )
        )
        for requirement, checked in plan.scans:
            entries.append(
                (
                    "applications.attachment.add",
                    next(scans),
                    {"application": application.pk, "requirement": requirement, "pages": checked.pages},
                )
            )
    audit_record_many(actor=actor, entries=entries)
    return {plan.index: application for plan, application in zip(plans, applications, strict=True)}
