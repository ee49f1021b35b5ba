"""Receiving an information request: from the public form, or entered by an officer (desk,
letter, e-mail). Checked whole first (one `InvalidInput` listing every problem), then stored in one
transaction with its number, its clock, its first event and the audit row; the requester's SMS
goes out after commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit, UnitKind

from .. import capabilities as caps
from ..models import (
    NOTICE_DAYS,
    AccessMode,
    CopyForm,
    DeliveryMode,
    InformationRequest,
    RequestChannel,
    RequesterKind,
    RequestEvent,
)
from ._common import CheckedFile, file_check, number_format, text_clean
from .notices import notify_received

# Units an information request can be addressed to: every OPD and kecamatan office, the
# Disdukcapil (desa offices answer through their kecamatan; external bodies are not PPID).
REQUEST_UNIT_KINDS = (UnitKind.OPD, UnitKind.KECAMATAN_OFFICE, UnitKind.DISDUKCAPIL)
OFFICER_CHANNELS = (RequestChannel.DESK, RequestChannel.LETTER, RequestChannel.EMAIL)


def main_unit() -> Unit | None:
    """The PPID utama's unit (Diskominfo by default: `PPID_MAIN_UNIT`)."""
    code = getattr(settings, "PPID_MAIN_UNIT", "diskominfo")
    return Unit.objects.filter(code=code, is_active=True).first()


def request_units() -> list[Unit]:
    return list(Unit.objects.filter(kind__in=REQUEST_UNIT_KINDS, is_active=True).order_by("kind", "name"))


@dataclass(frozen=True)
class RequestInput:
    """What a request form or the API gives."""

    requester_kind: str = RequesterKind.PERSON
    name: str = ""
    nik: str = ""
    legal_papers: bytes | None = None
    address: str = ""
    phone: str = ""
    email: str = ""
    information: str = ""
    purpose: str = ""
    access_mode: str = AccessMode.COPY
    copy_form: str = CopyForm.SOFT
    delivery: str = DeliveryMode.DOWNLOAD
    unit_id: int | None = None


def _nik(raw: str) -> str:
    """The registry's NIK structure check (the register itself is not consulted)."""
    from warga.registry.selectors import nik_check_public

    nik = "".join(str(raw or "").split())
    checked = nik_check_public(nik)
    if checked.check.errors:
        raise InvalidInput(
            _("The NIK is not valid: %(problem)s") % {"problem": checked.check.errors[0].message},
            code="ppid.nik_invalid",
            details=[{"field": "nik", "message": str(e.message)} for e in checked.check.errors],
        )
    return checked.check.nik


def _phone(raw: str) -> str:
    from warga.messaging.phones import normalize_msisdn

    text = str(raw or "").strip()
    return normalize_msisdn(text) if text else ""


def _email(raw: str) -> str:
    text = str(raw or "").strip()[:254]
    if text:
        validate_email(text)
    return text


def _collect(problems: list[dict[str, str]], at: str, check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one check; its refusal becomes a problem of the field `at` and the value is None."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as exc:
        details = exc.details if isinstance(exc.details, list) else []
        problems.extend({"field": at, "message": str(d.get("message", exc.message))} for d in details[:1])
        if not details:
            problems.append({"field": at, "message": str(exc.message)})
    except ValidationError as exc:
        problems.append({"field": at, "message": " ".join(str(m) for m in exc.messages)})
    return None


def _choice(value: str, choices: Any, field: str, problems: list[dict[str, str]]) -> str:
    if value not in choices.values:
        problems.append({"field": field, "message": _("Not one of the choices.")})
    return value


def _checked(data: RequestInput) -> tuple[dict[str, Any], CheckedFile | None]:
    problems: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    kind = _choice(data.requester_kind, RequesterKind, "requester_kind", problems)
    fields["requester_kind"] = kind
    fields["requester_name"] = _collect(problems, "name", text_clean, data.name, field="name", limit=160)
    papers = None
    if kind == RequesterKind.PERSON:
        fields["requester_nik"] = _collect(problems, "nik", _nik, data.nik)
    elif kind == RequesterKind.LEGAL_BODY:
        fields["requester_nik"] = ""
        if not data.legal_papers:
            problems.append(
                {
                    "field": "legal_papers",
                    "message": _("A legal body attaches its papers (deed, registration)."),
                }
            )
        else:
            papers = _collect(problems, "legal_papers", file_check, data.legal_papers, field="legal_papers")
    fields["address"] = _collect(problems, "address", text_clean, data.address, field="address", limit=300)
    fields["phone"] = _collect(problems, "phone", _phone, data.phone) or ""
    fields["email"] = _collect(problems, "email", _email, data.email) or ""
    if not (data.phone or "").strip() and not (data.email or "").strip():
        problems.append({"field": "phone", "message": _("Give a mobile number or an e-mail address.")})
    fields["information"] = _collect(
        problems, "information", text_clean, data.information, field="information"
    )
    fields["purpose"] = _collect(problems, "purpose", text_clean, data.purpose, field="purpose", limit=1000)
    fields["access_mode"] = _choice(data.access_mode, AccessMode, "access_mode", problems)
    fields["copy_form"] = _choice(data.copy_form, CopyForm, "copy_form", problems)
    fields["delivery"] = _choice(data.delivery, DeliveryMode, "delivery", problems)
    if data.delivery == DeliveryMode.EMAIL and not (data.email or "").strip():
        problems.append({"field": "email", "message": _("Delivery by e-mail needs an e-mail address.")})
    if problems:
        if (
            not any(p["field"] in ("name", "nik", "legal_papers") for p in problems)
            or fields["requester_name"]
        ):
            message = _("The request is not complete: %(problem)s") % {"problem": problems[0]["message"]}
        else:
            message = _(
                "A request needs the requester's identity: a name with a NIK, or a legal body's papers."
            )
        raise InvalidInput(message, code="ppid.request_invalid", details=problems)
    return fields, papers


def _receiving_unit(actor: Actor | None, unit_id: int | None) -> Unit:
    unit = None
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, kind__in=REQUEST_UNIT_KINDS, is_active=True).first()
        if unit is None:
            raise InvalidInput(
                _("Unknown unit."),
                code="ppid.unit",
                details=[{"field": "unit", "message": _("Unknown unit.")}],
            )
        if actor is not None and not actor.can(caps.MANAGE) and unit.pk != actor.unit_id:
            raise NotFound(_("Not found."))
    elif actor is not None and actor.unit_id:
        unit = actor.unit
    if unit is None:
        unit = main_unit()
    if unit is None:
        raise InvalidInput(_("No PPID unit is set up."), code="ppid.no_unit")
    return unit


def request_due(received_on: Any) -> Any:
    return WorkCalendar().add(received_on, NOTICE_DAYS)


def request_file(*, actor: Actor | None, channel: str, data: RequestInput) -> InformationRequest:
    """Register one information request. `actor` None is the public form (channel web); an officer
    (`ppid.register`) enters desk, letter and e-mail requests for their unit (the PPID utama for
    any unit). The notice is due 10 working days after the day of receipt."""
    from warga.regions.selectors import installation_region

    if actor is None:
        if channel != RequestChannel.WEB:
            raise InvalidInput(_("Unknown channel."), code="ppid.channel")
    else:
        actor.require(caps.REGISTER)
        if channel not in OFFICER_CHANNELS:
            raise InvalidInput(
                _("Unknown channel."),
                code="ppid.channel",
                details=[{"field": "channel", "message": _("Not one of the choices.")}],
            )
    fields, papers = _checked(data)
    unit = _receiving_unit(actor, data.unit_id)
    region = installation_region()
    if region is None:
        raise InvalidInput(_("The installation region is not loaded."), code="ppid.region")
    with transaction.atomic():
        return _store(actor=actor, channel=channel, unit=unit, region=region, papers=papers, fields=fields)


def _next_serial(year: int) -> int:
    with unscoped("registration numbers run across the whole installation"):
        last = InformationRequest.objects.filter(year=year).aggregate(n=Max("serial"))["n"]
    return (last or 0) + 1


def _store(
    *,
    actor: Actor | None,
    channel: str,
    unit: Unit,
    region: Any,
    papers: CheckedFile | None,
    fields: dict[str, Any],
) -> InformationRequest:
    now = timezone.now()
    today = timezone.localdate(now)
    request = InformationRequest(
        channel=channel,
        region=region,
        receiving_unit=unit,
        holding_unit=unit,
        received_at=now,
        received_on=today,
        due_on=request_due(today),
        updated_at=now,
        created_by=actor.user if actor is not None else None,
        year=today.year,
        **fields,
    )
    if papers is not None:
        request.legal_papers.save(
            f"ppid/{secrets.token_hex(16)}.{papers.extension}", ContentFile(papers.content), save=False
        )
        request.legal_papers_type = papers.content_type
    for _attempt in range(10):
        request.serial = _next_serial(today.year)
        request.number = number_format(today.year, request.serial)
        try:
            with transaction.atomic():
                request.save(force_insert=True)
            break
        except IntegrityError:
            request.pk = None
            continue
    else:  # pragma: no cover - ten concurrent registrations in a row
        raise InvalidInput(_("Please try again."), code="ppid.busy")
    RequestEvent.objects.create(
        request=request,
        action="file",
        to_status=request.status,
        actor=actor.user if actor is not None else None,
        actor_unit_id=actor.unit_id if actor is not None else None,
        unit=unit,
        at=now,
    )
    audit_record(
        actor=actor,
        action="ppid.request.file",
        obj=request,
        summary={"channel": channel, "unit": unit.pk, "kind": request.requester_kind},
    )
    notify_received(request)
    return request
