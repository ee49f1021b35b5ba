"""Objections (keberatan, UU 14/2008 art. 35–36) and disputes at the Komisi Informasi (art. 37).

The requester files an objection on the public page, proving the request by its registration
number and the phone or e-mail given with it, within 30 working days of the ground (the written
notice; for no answer, the day the notice was due). The atasan PPID answers within 30 working
days; a dispute brought to the Komisi Informasi within 14 working days after that answer (or after
the day it was due) is recorded with its outcome.
"""

from __future__ import annotations

import hmac
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.core.workdays import WorkCalendar

from .. import capabilities as caps
from ..models import (
    DISPUTE_DAYS,
    OBJECTION_ANSWER_DAYS,
    OBJECTION_DAYS,
    DisputeOutcome,
    InformationCategory,
    InformationRequest,
    Objection,
    ObjectionGround,
    ObjectionStatus,
    PublicInformation,
    RequestEvent,
)
from ._common import invalid, number_normalize, text_clean
from .notices import notify_objection
from .registers import periodic_published_on


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def requester_request(number: str, contact: str) -> InformationRequest:
    """The request of this number when `contact` is the phone or e-mail given with it; NotFound
    otherwise (the answer tells nothing about whether the number exists)."""
    from warga.messaging.phones import normalize_msisdn

    contact = str(contact or "").strip()[:254]
    try:
        phone = normalize_msisdn(contact) if contact and "@" not in contact else ""
    except InvalidInput:
        phone = ""
    email = contact.lower() if "@" in contact else ""
    with unscoped("public page: the requester proves a request by its number and their contact"):
        request = InformationRequest.objects.filter(number=number_normalize(number)).first()
    if request is None or not (_same(phone, request.phone) or _same(email, request.email.lower())):
        raise NotFound(
            _("No request matches this number and phone number or e-mail."), code="ppid.requester_mismatch"
        )
    return request


def objection_window(request: InformationRequest) -> tuple[date, date]:
    """(the ground's date, the last day to object): the notice's date, or — with no notice — the
    day it was due."""
    ground_on = request.decided_on or request.due_on
    return ground_on, WorkCalendar().add(ground_on, OBJECTION_DAYS)


def periodic_concerned(
    information_id: int | None, topic: str, today: date
) -> tuple[PublicInformation | None, str]:
    """Ground b (art. 35(1)(b)): the periodic entry of the DIP the objection is about, or the
    topic when the register has none. An entry that is in fact published — in the register with
    a document published within the last six months (art. 9(4)) — refuses the ground."""
    if information_id:
        with unscoped("the Daftar Informasi Publik is public"):
            entry = PublicInformation.objects.filter(
                pk=information_id, category=InformationCategory.BERKALA
            ).first()
        if entry is None:
            raise invalid(
                "information",
                _("Choose a periodic (berkala) entry of the Daftar Informasi Publik."),
                "ppid.objection_information",
            )
        published = periodic_published_on(entry, today)
        if published is not None:
            raise invalid(
                "information",
                _(
                    "“%(title)s” is published in the Daftar Informasi Publik (its latest document is of "
                    "%(date)s, within the six months the law allows): this ground does not apply. Download "
                    "it from the register, or choose another ground."
                )
                % {"title": entry.title, "date": published.isoformat()},
                "ppid.objection_published",
            )
        return entry, ""
    topic = text_clean(topic, field="topic", limit=300, required=False)
    if not topic:
        raise invalid(
            "information",
            _(
                "Choose the periodic information concerned from the Daftar Informasi Publik, or name its topic."
            ),
            "ppid.objection_information",
        )
    return None, topic


@transaction.atomic
def objection_file(
    *,
    number: str,
    contact: str,
    ground: str,
    reason: str,
    today: date | None = None,
    information_id: int | None = None,
    topic: str = "",
) -> Objection:
    """`information_id` / `topic`: for ground b (periodic information not published), the DIP
    entry concerned or the topic; ignored for the other grounds."""
    today = today or timezone.localdate()
    if ground not in ObjectionGround.values:
        raise invalid("ground", _("Choose the ground of the objection."), "ppid.objection_ground")
    reason = text_clean(reason, field="reason", limit=2000)
    information, topic = (
        periodic_concerned(information_id, topic, today)
        if ground == ObjectionGround.NOT_PUBLISHED
        else (None, "")
    )
    request = requester_request(number, contact)
    ground_on, last_day = objection_window(request)
    if request.decided_on is None and today <= ground_on:
        raise Conflict(
            _(
                "The written notice is due by %(date)s; an objection for no answer can be filed after that day."
            )
            % {"date": ground_on.isoformat()},
            code="ppid.objection_early",
        )
    if today > last_day:
        raise invalid(
            "number",
            _("The time to object ended on %(date)s (30 working days after %(ground)s).")
            % {"date": last_day.isoformat(), "ground": ground_on.isoformat()},
            "ppid.objection_late",
        )
    with unscoped("public objection: one open objection per request"):
        if Objection.objects.filter(request=request, status=ObjectionStatus.FILED).exists():
            raise Conflict(
                _("An objection on this request is already waiting for its answer."),
                code="ppid.objection_open",
            )
    now = timezone.now()
    objection = Objection.objects.create(
        request=request,
        ground=ground,
        reason=reason,
        information=information,
        topic=topic,
        filed_at=now,
        filed_on=today,
        due_on=WorkCalendar().add(today, OBJECTION_ANSWER_DAYS),
    )
    RequestEvent.objects.create(
        request=request,
        action="object",
        from_status=request.status,
        to_status=request.status,
        at=now,
        note=objection.get_ground_display(),
    )
    audit_record(actor=None, action="ppid.objection.file", obj=objection, summary={"ground": ground})
    notify_objection(objection)
    return objection


def _locked(actor: Actor, objection_id: int) -> Objection:
    actor.require(caps.DECIDE_OBJECTIONS)
    return get_scoped(Objection.objects.select_for_update().select_related("request"), actor, pk=objection_id)


@transaction.atomic
def objection_decide(*, actor: Actor, objection_id: int, upheld: bool, answer: str) -> Objection:
    """The atasan PPID's written answer: upheld (the information is to be given) or dismissed."""
    objection = _locked(actor, objection_id)
    if objection.status != ObjectionStatus.FILED:
        raise Conflict(_("This objection was already answered."), code="ppid.objection_answered")
    answer = text_clean(answer, field="answer", limit=4000)
    now = timezone.now()
    status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    Objection.objects.filter(pk=objection.pk).update(
        status=status,
        answer=answer,
        decided_at=now,
        decided_on=timezone.localdate(now),
        decided_by=actor.user,
        version=F("version") + 1,
    )
    objection.refresh_from_db()
    RequestEvent.objects.create(
        request=objection.request,
        action="objection_answer",
        from_status=objection.request.status,
        to_status=objection.request.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        at=now,
        note=objection.get_status_display(),
    )
    audit_record(actor=actor, action="ppid.objection.decide", obj=objection, summary={"status": status})
    notify_objection(objection)
    return objection


def dispute_window(objection: Objection) -> date:
    """The last day to bring the dispute to the Komisi Informasi."""
    start = objection.decided_on or objection.due_on
    return WorkCalendar().add(start, DISPUTE_DAYS)


@transaction.atomic
def dispute_record(
    *,
    actor: Actor,
    objection_id: int,
    filed_on: date,
    reference: str,
    outcome: str = DisputeOutcome.PENDING,
    decided_on: date | None = None,
    note: str = "",
) -> Objection:
    """Record (or update) the dispute at the Komisi Informasi: when it was filed (within 14
    working days after the atasan's answer, or after the day it was due), its register number,
    and its outcome once known."""
    objection = _locked(actor, objection_id)
    if objection.status == ObjectionStatus.FILED and filed_on <= objection.due_on:
        raise Conflict(
            _("A dispute follows the atasan PPID's answer (or the day it was due, %(date)s).")
            % {"date": objection.due_on.isoformat()},
            code="ppid.dispute_early",
        )
    last_day = dispute_window(objection)
    if filed_on > last_day:
        raise invalid(
            "filed_on",
            _("A dispute had to be filed by %(date)s (14 working days).") % {"date": last_day.isoformat()},
            "ppid.dispute_late",
        )
    if filed_on > timezone.localdate():
        raise invalid("filed_on", _("The date is in the future."), "ppid.dispute_future")
    if outcome not in DisputeOutcome.values:
        raise invalid("outcome", _("Not one of the choices."), "ppid.dispute_outcome")
    if outcome != DisputeOutcome.PENDING and decided_on is None:
        raise invalid("decided_on", _("Give the date of the outcome."), "ppid.dispute_date")
    Objection.objects.filter(pk=objection.pk).update(
        dispute_filed_on=filed_on,
        dispute_reference=text_clean(reference, field="reference", limit=80, required=False),
        dispute_outcome=outcome,
        dispute_decided_on=decided_on if outcome != DisputeOutcome.PENDING else None,
        dispute_note=text_clean(note, field="note", limit=2000, required=False),
        version=F("version") + 1,
    )
    objection.refresh_from_db()
    RequestEvent.objects.create(
        request=objection.request,
        action="dispute",
        from_status=objection.request.status,
        to_status=objection.request.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        note=objection.get_dispute_outcome_display(),
    )
    audit_record(actor=actor, action="ppid.objection.dispute", obj=objection, summary={"outcome": outcome})
    return objection
