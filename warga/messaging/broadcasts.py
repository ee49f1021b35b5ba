"""Broadcasts (government → residents of an area and segment) and residents' invitations
(hajat → their RT, RW or desa). Both become outbox rows in bulk: one INSERT … SELECT per chunk
of phone ids, so a million recipients take seconds and constant memory, never a Python loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Length, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor, get_scoped
from warga.core.tasks import enqueue_on_commit

from .audience import RecipientList, audience, recipient_list, segment_filters
from .encoding import sms_encoding
from .models import (
    PRIORITY,
    Broadcast,
    BroadcastKind,
    BroadcastStatus,
    Invitation,
    InvitationScope,
    InvitationStatus,
    NumberPreference,
    SmsMessage,
    SmsPurpose,
    SmsStatus,
)
from .quiet import quiet_hours_end

KTP_STATUSES = (
    "not_required",
    "not_recorded",
    "recorded",
    "prr",
    "printed",
    "sent_to_kecamatan",
    "handed_over",
    "duplicate",
    "enrolment_failed",
)
SEGMENT_KEYS = {"min_age", "max_age", "sex", "ktp_statuses", "rw", "rt"}
PLACEHOLDERS = ("nama", "desa", "kecamatan", "rw", "rt", "tanggal")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
QUEUE_CHUNK = 100_000


def price_per_segment() -> Decimal:
    return Decimal(str(getattr(settings, "SMS_PRICE_PER_SEGMENT", "350")))


# --- recipients ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    desa_prefix: str  # region code the residents' desa must be within
    rw: int | None
    rt: int | None


def _target(area_code: str, segment: dict[str, Any]) -> Target:
    """An area may be a kabupaten … desa, or an RW/RT region below a desa."""
    from warga.regions.models import Region, RegionLevel

    region = Region.objects.filter(code=(area_code or "").strip()).first()
    if region is None:
        raise NotFound(_("This area does not exist."), code="broadcast.area")
    rw, rt = segment.get("rw"), segment.get("rt")
    if region.level >= RegionLevel.RW:
        parts = region.code.split(".")
        desa_code = ".".join(parts[:4])
        rw = int(parts[4])
        if region.level == RegionLevel.RT:
            rt = int(parts[5])
        return Target(desa_code, rw, rt)
    if (rw is not None or rt is not None) and region.level != RegionLevel.DESA:
        raise InvalidInput(_("RW and RT can only be chosen within one desa."), code="broadcast.segment")
    return Target(region.code, rw, rt)


def _list_of(segment: dict[str, Any] | None) -> RecipientList | None:
    """The recipient list a segment names (`{"list": "stakeholders", …}`), or None: residents."""
    key = (segment or {}).get("list")
    if not key:
        return None
    found = recipient_list(str(key))
    if found is None:
        raise InvalidInput(_("Unknown recipient list."), code="broadcast.segment")
    return found


def _segment_for(actor: Actor, area_code: str, segment: dict[str, Any] | None) -> dict[str, Any]:
    """The segment as stored: the register's fields checked here, a list's by its owner."""
    listed = _list_of(segment)
    if listed is None:
        return clean_segment(segment)
    selection = {k: v for k, v in (segment or {}).items() if k != "list"}
    return {
        "list": (segment or {})["list"],
        **listed.clean(actor=actor, area_code=area_code, selection=selection),
    }


def clean_segment(segment: dict[str, Any] | None) -> dict[str, Any]:
    segment = {k: v for k, v in (segment or {}).items() if v not in (None, "", [])}
    unknown = set(segment) - SEGMENT_KEYS
    if unknown:
        raise InvalidInput(
            _("Unknown segment fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="broadcast.segment"
        )
    out: dict[str, Any] = {}
    for key in ("min_age", "max_age", "rw", "rt"):
        if key in segment:
            try:
                value = int(segment[key])
            except (TypeError, ValueError):
                raise InvalidInput(
                    _("%(f)s must be a whole number.") % {"f": key}, code="broadcast.segment"
                ) from None
            low, high = (0, 150) if key.endswith("age") else (1, 999)
            if not low <= value <= high:
                raise InvalidInput(_("%(f)s is out of range.") % {"f": key}, code="broadcast.segment")
            out[key] = value
    if "min_age" in out and "max_age" in out and out["min_age"] > out["max_age"]:
        raise InvalidInput(_("The minimum age is above the maximum age."), code="broadcast.segment")
    if "sex" in segment:
        if segment["sex"] not in ("M", "F"):
            raise InvalidInput(_("Sex must be M or F."), code="broadcast.segment")
        out["sex"] = segment["sex"]
    if "ktp_statuses" in segment:
        statuses = segment["ktp_statuses"]
        if isinstance(statuses, str):
            statuses = [statuses]
        bad = [s for s in statuses if s not in KTP_STATUSES]
        if bad:
            raise InvalidInput(
                _("Unknown KTP-el status: %(s)s.") % {"s": ", ".join(map(str, bad))}, code="broadcast.segment"
            )
        out["ktp_statuses"] = sorted(set(statuses))
    return out


def recipient_phones(
    *, area_code: str, segment: dict[str, Any], purpose: str = SmsPurpose.BROADCAST
) -> QuerySet:
    """Verified numbers with consent, not opted out, of living residents in the area and segment
    (or, for a segment naming a recipient list, that list's people with consent)."""
    blocked = NumberPreference.objects.filter(number=OuterRef("number")).filter(
        Q(opted_out_at__isnull=False) | Q(failed_permanently_at__isnull=False)
    )
    listed = _list_of(segment)
    if listed is not None:
        _target(area_code, {})
        selection = {k: v for k, v in segment.items() if k != "list"}
        rows = listed.recipients(area_code=area_code, selection=selection)
        return rows.filter(~Exists(blocked)).order_by()
    target = _target(area_code, segment)
    today = timezone.localdate()
    people = audience()
    phones = people.recipient_phones(
        desa_prefix=target.desa_prefix, rw=target.rw, rt=target.rt, segment=segment, today=today
    )
    for key, segment_filter in segment_filters().items():
        if segment.get(key):
            residents = segment_filter(
                people.residents(desa_prefix=target.desa_prefix), segment[key], on=today
            )
            phones = phones.filter(resident__in=residents.values("pk"))
    return phones.filter(~Exists(blocked)).order_by()


# --- templates ------------------------------------------------------------------------------


def template_check(text: str) -> str:
    from .services import sms_text_check

    text = sms_text_check(text)
    unknown = sorted({name for name in _PLACEHOLDER_RE.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise InvalidInput(
            _("Unknown variables %(bad)s; use %(ok)s.")
            % {
                "bad": ", ".join("{" + u + "}" for u in unknown),
                "ok": ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            },
            code="broadcast.template",
        )
    return text


def _fixed(text: str, when: datetime | None) -> str:
    """Variables with one value for every recipient."""
    return text.replace("{tanggal}", timezone.localtime(when or timezone.now()).strftime("%d-%m-%Y"))


def _columns(segment: dict[str, Any] | None) -> dict[str, Any]:
    """The variables' expressions over the recipient rows."""
    listed = _list_of(segment)
    if listed is not None:
        return listed.columns()
    return {
        "nama": F("resident__full_name"),
        "desa": F("resident__desa__name"),
        "kecamatan": F("resident__desa__parent__name"),
        "rw": Coalesce(Cast("resident__rw", CharField()), Value("-")),
        "rt": Coalesce(Cast("resident__rt", CharField()), Value("-")),
    }


def _rendered_expr(template: str, columns: dict[str, Any] | None = None) -> Any:
    expr: Any = Value(template, output_field=CharField())
    columns = columns if columns is not None else _columns(None)
    for name, column in columns.items():
        if "{" + name + "}" in template:
            expr = Replace(expr, Value("{" + name + "}"), column)  # type: ignore[arg-type]
    return expr


@dataclass(frozen=True)
class Preview:
    recipients: int
    segments: int
    encoding: str
    cost: Decimal
    sample: str
    excluded: tuple[tuple[str, int], ...] = ()  # (reason, count): who the selection held but it leaves out


def _longest_sample(template: str, phones: QuerySet, columns: dict[str, Any] | None = None) -> str:
    """The template with each variable at its longest value among the recipients: the message
    that needs the most SMS parts."""
    used = [p for p in ("nama", "desa", "kecamatan") if "{" + p + "}" in template]
    lengths: dict[str, int] = {}
    if used:
        column = columns if columns is not None else _columns(None)
        agg = phones.aggregate(**{p: Max(Length(column[p])) for p in used})
        lengths = {p: int(agg[p] or 0) for p in used}
    text = template
    for name in used:
        text = text.replace("{" + name + "}", "N" * lengths[name])
    return text.replace("{rw}", "999").replace("{rt}", "999")


def broadcast_preview(*, actor: Actor, text: str, area_code: str, segment: dict[str, Any]) -> Preview:
    """How many numbers, SMS parts and rupiah a broadcast would take (nothing is saved)."""
    actor.require("sms.broadcast_create")
    if not actor.covers((area_code or "").strip()):
        raise NotFound(_("This area does not exist."), code="broadcast.area")
    template = template_check(text)
    segment = _segment_for(actor, area_code, segment)
    return _preview(template=_fixed(template, None), area_code=area_code, segment=segment)


def _preview(*, template: str, area_code: str, segment: dict[str, Any]) -> Preview:
    from .services import MAX_SEGMENTS

    phones = recipient_phones(area_code=area_code, segment=segment)
    recipients = phones.values("number").distinct().count()
    columns = _columns(segment)
    enc = sms_encoding(_longest_sample(template, phones, columns))
    if enc.segments > MAX_SEGMENTS:
        raise InvalidInput(
            _("With the longest names the message needs %(n)d SMS parts, at most %(max)d.")
            % {"n": enc.segments, "max": MAX_SEGMENTS},
            code="sms.too_long",
        )
    sample_row = (
        phones.annotate(_text=_rendered_expr(template, columns)).values_list("_text", flat=True).first()
    )
    return Preview(
        recipients=recipients,
        segments=enc.segments,
        encoding=enc.encoding,
        cost=(price_per_segment() * recipients * enc.segments).quantize(Decimal("0.01")),
        sample=sample_row or template,
        excluded=_excluded(area_code=area_code, segment=segment, recipients=recipients),
    )


def _excluded(*, area_code: str, segment: dict[str, Any], recipients: int) -> tuple[tuple[str, int], ...]:
    """For a recipient list: whom its selection holds that the broadcast leaves out, and why."""
    listed = _list_of(segment)
    if listed is None:
        return ()
    selection = {k: v for k, v in segment.items() if k != "list"}
    out = [(reason, n) for reason, n in listed.excluded(area_code=area_code, selection=selection) if n]
    consenting = (
        listed.recipients(area_code=area_code, selection=selection).values("number").distinct().count()
    )
    if consenting > recipients:
        out.append((_("the number said STOP by SMS or cannot be reached"), consenting - recipients))
    return tuple(out)


# --- broadcasts -------------------------------------------------------------------------------


@transaction.atomic
def broadcast_create(
    *,
    actor: Actor,
    text: str,
    area_code: str,
    segment: dict[str, Any],
    name: str,
    scheduled_for: datetime | None = None,
) -> Broadcast:
    """Prepare a broadcast; it waits for approval by another person before anything is sent."""
    from warga.regions.models import Region

    actor.require("sms.broadcast_create")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the broadcast a name."), code="broadcast.name")
    if len(name) > 120:
        raise InvalidInput(_("The name is too long (at most 120 characters)."), code="broadcast.name")
    area_code = (area_code or "").strip()
    if not actor.covers(area_code) or not Region.objects.filter(code=area_code).exists():
        raise NotFound(_("This area does not exist."), code="broadcast.area")
    if scheduled_for is not None and scheduled_for < timezone.now() - timedelta(minutes=5):
        raise InvalidInput(_("The sending time is in the past."), code="broadcast.schedule")
    template = template_check(text)
    segment = _segment_for(actor, area_code, segment)
    preview = _preview(template=_fixed(template, scheduled_for), area_code=area_code, segment=segment)
    if preview.recipients == 0:
        raise InvalidInput(
            _("Nobody in this area and segment can receive broadcasts (verified number with consent)."),
            code="broadcast.empty",
        )
    broadcast = Broadcast.objects.create(
        name=name,
        template=template,
        area_id=area_code,
        segment=segment,
        scheduled_for=scheduled_for,
        recipients_estimate=preview.recipients,
        segments_per_message=preview.segments,
        encoding=preview.encoding,
        cost_estimate=preview.cost,
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="messaging.broadcast.create",
        obj=broadcast,
        summary={
            "area": area_code,
            "recipients": preview.recipients,
            "segments": preview.segments,
            **(
                {"list": segment["list"], "excluded": sum(n for _r, n in preview.excluded)}
                if "list" in segment
                else {}
            ),
        },
    )
    return broadcast


def _load(actor: Actor, broadcast_id: int) -> Broadcast:
    return get_scoped(Broadcast.objects.select_for_update(), actor, pk=broadcast_id)


@transaction.atomic
def broadcast_approve(*, actor: Actor, broadcast_id: int) -> Broadcast:
    """Supervisor approval (four eyes): never by the person who composed it."""
    actor.require("sms.broadcast_approve")
    broadcast = _load(actor, broadcast_id)
    if broadcast.status != BroadcastStatus.PENDING:
        raise Conflict(_("This broadcast is not waiting for approval."), code="broadcast.state")
    if broadcast.created_by_id == actor.id:
        raise NotAllowed(
            _("Another supervisor must approve a broadcast you composed."), code="broadcast.four_eyes"
        )
    broadcast.status = BroadcastStatus.APPROVED
    broadcast.decided_by = actor.user
    broadcast.decided_at = timezone.now()
    broadcast.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, action="messaging.broadcast.approve", obj=broadcast)
    _start_if_due(broadcast)
    return broadcast


def _start_if_due(broadcast: Broadcast) -> None:
    if broadcast.scheduled_for is None or broadcast.scheduled_for <= timezone.now():
        from .tasks import broadcast_queue_task

        enqueue_on_commit(broadcast_queue_task, broadcast.pk)


@transaction.atomic
def broadcast_reject(*, actor: Actor, broadcast_id: int, reason: str) -> Broadcast:
    actor.require("sms.broadcast_approve")
    broadcast = _load(actor, broadcast_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the refusal."), code="broadcast.reason")
    if broadcast.status != BroadcastStatus.PENDING:
        raise Conflict(_("This broadcast is not waiting for approval."), code="broadcast.state")
    broadcast.status = BroadcastStatus.REJECTED
    broadcast.decided_by = actor.user
    broadcast.decided_at = timezone.now()
    broadcast.decision_reason = reason[:300]
    broadcast.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="messaging.broadcast.reject", obj=broadcast)
    return broadcast


@transaction.atomic
def broadcast_cancel(*, actor: Actor, broadcast_id: int) -> Broadcast:
    """Stop a broadcast: messages not yet handed to the gateway are cancelled."""
    if not (actor.can("sms.broadcast_create") or actor.can("sms.broadcast_approve")):
        actor.require("sms.broadcast_approve")
    broadcast = _load(actor, broadcast_id)
    if broadcast.status in (BroadcastStatus.DONE, BroadcastStatus.REJECTED, BroadcastStatus.CANCELLED):
        raise Conflict(_("This broadcast is already finished."), code="broadcast.state")
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.save(update_fields=["status"])
    cancelled = SmsMessage.objects.filter(broadcast=broadcast, status=SmsStatus.QUEUED).update(
        status=SmsStatus.CANCELLED, error="broadcast cancelled", failed_at=timezone.now()
    )
    audit_record(
        actor=actor, action="messaging.broadcast.cancel", obj=broadcast, summary={"cancelled": cancelled}
    )
    return broadcast


def broadcasts_start_due() -> int:
    """Approved broadcasts whose time has come (periodic)."""
    from .tasks import broadcast_queue_task

    due = Broadcast.objects.filter(status=BroadcastStatus.APPROVED).filter(
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=timezone.now())
    )
    ids = list(due.values_list("pk", flat=True))
    for pk in ids:
        broadcast_queue_task(pk)
    return len(ids)


def broadcast_queue(*, broadcast_id: int, chunk: int = QUEUE_CHUNK) -> Broadcast:
    """Write the outbox rows of an approved broadcast, chunk by chunk of phone ids.

    Each chunk is one INSERT … SELECT in its own transaction that also advances
    `queued_upto` (compare-and-set), so a crash resumes where it stopped and a second worker
    cannot queue a chunk twice; the unique (broadcast, number) index is the last guard.
    """
    started = Broadcast.objects.filter(
        pk=broadcast_id, status__in=(BroadcastStatus.APPROVED, BroadcastStatus.QUEUING)
    ).update(status=BroadcastStatus.QUEUING)
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    if not started:
        return broadcast
    template = _fixed(broadcast.template, broadcast.scheduled_for)
    purpose = SmsPurpose.INVITATION if broadcast.kind == BroadcastKind.INVITATION else SmsPurpose.BROADCAST
    enc = sms_encoding(template)
    now = timezone.now()
    resume = quiet_hours_end(max(now, broadcast.scheduled_for or now))
    not_before = resume or broadcast.scheduled_for
    phones = recipient_phones(area_code=broadcast.area_id, segment=broadcast.segment)
    listed = _list_of(broadcast.segment)
    top = listed.top_id() if listed is not None else audience().phones().aggregate(m=Max("id"))["m"] or 0
    columns = _columns(broadcast.segment)
    lo = broadcast.queued_upto
    while lo < top:
        hi = lo + chunk
        select = phones.filter(id__gt=lo, id__lte=hi).values(
            c_to=F("number"),
            c_text=_rendered_expr(template, columns),
            c_purpose=Value(str(purpose)),
            c_priority=Value(PRIORITY[purpose]),
            c_status=Value(str(SmsStatus.QUEUED)),
            c_encoding=Value(broadcast.encoding or enc.encoding),
            c_segments=Value(broadcast.segments_per_message or enc.segments),
            c_attempts=Value(0),
            c_gateway=Value(""),
            c_gwid=Value(""),
            c_error=Value(""),
            c_claim=Value(""),
            c_created=Value(now, output_field=DateTimeField()),
            c_not_before=Value(not_before, output_field=DateTimeField()),
            c_broadcast=Value(broadcast.pk, output_field=BigIntegerField()),
            c_created_by=Value(broadcast.decided_by_id, output_field=BigIntegerField()),
        )
        sql, params = select.query.sql_with_params()
        table = SmsMessage._meta.db_table
        insert = (
            f'INSERT INTO {table} ("to", text, purpose, priority, status, encoding, segments, attempts, gateway, '
            "gateway_message_id, error, claim_token, created_at, not_before, broadcast_id, created_by_id) "
            f"{sql} ON CONFLICT DO NOTHING"
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(insert, params)
                inserted = max(cursor.rowcount, 0)
            moved = Broadcast.objects.filter(pk=broadcast.pk, queued_upto=lo).update(
                queued_upto=hi, queued_count=F("queued_count") + inserted
            )
            if moved != 1:
                transaction.set_rollback(True)
                return Broadcast.objects.get(pk=broadcast.pk)
        lo = hi
    Broadcast.objects.filter(pk=broadcast.pk, status=BroadcastStatus.QUEUING).update(
        status=BroadcastStatus.SENDING, queued_at=timezone.now()
    )
    broadcast.refresh_from_db()
    from .services import sms_wake

    transaction.on_commit(sms_wake)
    return broadcast


# --- residents' invitations ------------------------------------------------------------------

_LINK_RE = re.compile(
    r"(https?://|www\.|\b[\w-]+\.(com|id|net|org|co|ly|me|info|biz|xyz|link|site|online|io|gl|ws)\b)",
    re.IGNORECASE,
)


def invitation_quota() -> int:
    return int(getattr(settings, "SMS_INVITATION_MONTHLY_QUOTA", 2))


def invitation_text(*, resident: Any, scope: str, text: str) -> str:
    """The SMS neighbours receive: who invites, from where, then their words."""
    where = {
        InvitationScope.RT: f"RT {resident.rt or '-'}/RW {resident.rw or '-'}",
        InvitationScope.RW: f"RW {resident.rw or '-'}",
        InvitationScope.DESA: resident.desa.name,
    }[InvitationScope(scope)]
    return _("Invitation from %(name)s (%(where)s): %(text)s") % {
        "name": resident.full_name,
        "where": where,
        "text": text,
    }


@transaction.atomic
def invitation_request(
    *, resident: Any, number: str, scope: str, text: str, channel: str, actor: Actor | None = None
) -> Invitation:
    """A resident asks to invite their RT, RW or desa (by SMS, or at the desa office)."""
    from .services import sms_text_check

    if actor is not None:
        actor.require("sms.invitations_moderate")
        if not actor.covers(resident.desa_id):
            raise NotFound(_("Not found."))
    try:
        scope = InvitationScope(scope.lower())
    except ValueError:
        raise InvalidInput(_("Send the invitation to RT, RW or DESA."), code="invitation.scope") from None
    text = " ".join((text or "").split())
    limit = int(getattr(settings, "SMS_INVITATION_MAX_CHARS", 300))
    if not text:
        raise InvalidInput(_("Write the invitation text."), code="invitation.empty")
    if len(text) > limit:
        raise InvalidInput(
            _("The invitation is too long: %(n)d characters, at most %(max)d.")
            % {"n": len(text), "max": limit},
            code="invitation.too_long",
        )
    if not getattr(settings, "SMS_INVITATION_ALLOW_LINKS", False) and _LINK_RE.search(text):
        raise InvalidInput(_("Invitations may not contain links."), code="invitation.link")
    if scope in (InvitationScope.RT, InvitationScope.RW) and not resident.rw:
        raise InvalidInput(_("Your RW is not recorded; ask the desa office."), code="invitation.area")
    if scope == InvitationScope.RT and not resident.rt:
        raise InvalidInput(_("Your RT is not recorded; ask the desa office."), code="invitation.area")
    sms_text_check(invitation_text(resident=resident, scope=scope, text=text))
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = Invitation.objects.filter(
        resident=resident,
        created_at__gte=month_start,
        status__in=(InvitationStatus.PENDING, InvitationStatus.APPROVED),
    ).count()
    if used >= invitation_quota():
        raise Conflict(
            _("The monthly quota of %(n)d invitations is used up.") % {"n": invitation_quota()},
            code="invitation.quota",
        )
    invitation = Invitation.objects.create(
        resident=resident,
        number=number,
        desa_id=resident.desa_id,
        rw=resident.rw,
        rt=resident.rt,
        scope=scope,
        text=text,
        channel=channel,
    )
    audit_record(actor=actor, action="messaging.invitation.request", obj=invitation, summary={"scope": scope})
    return invitation


def _invitation_segment(invitation: Invitation) -> dict[str, Any]:
    segment: dict[str, Any] = {}
    if invitation.scope in (InvitationScope.RT, InvitationScope.RW):
        segment["rw"] = invitation.rw
    if invitation.scope == InvitationScope.RT:
        segment["rt"] = invitation.rt
    return segment


def invitation_recipients(invitation: Invitation) -> int:
    """How many neighbours' numbers an invitation would reach if approved now (the sender's own
    number aside), shown before approving."""
    phones = recipient_phones(area_code=invitation.desa_id, segment=_invitation_segment(invitation))
    return phones.exclude(number=invitation.number).values("number").distinct().count()


@transaction.atomic
def invitation_approve(*, actor: Actor, invitation_id: int) -> Invitation:
    """The desa operator agrees: the invitation goes out as a broadcast to the chosen area."""
    from .services import sms_send

    actor.require("sms.invitations_moderate")
    invitation = get_scoped(
        Invitation.objects.select_for_update().select_related("resident", "resident__desa"),
        actor,
        pk=invitation_id,
    )
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation has already been decided."), code="invitation.state")
    segment = _invitation_segment(invitation)
    text = invitation_text(resident=invitation.resident, scope=invitation.scope, text=invitation.text)
    preview = _preview(template=text, area_code=invitation.desa_id, segment=segment)
    if invitation_recipients(invitation) == 0:
        raise InvalidInput(
            _(
                "Nobody in this %(scope)s can receive it: no neighbour has a verified number that accepts "
                "broadcasts. Refuse it with that reason, or ask the neighbours to register their numbers."
            )
            % {"scope": invitation.get_scope_display()},
            code="invitation.empty",
        )
    now = timezone.now()
    broadcast = Broadcast.objects.create(
        kind=BroadcastKind.INVITATION,
        name=_("Invitation %(id)d") % {"id": invitation.pk},
        template=text,
        area_id=invitation.desa_id,
        segment=segment,
        status=BroadcastStatus.APPROVED,
        recipients_estimate=preview.recipients,
        segments_per_message=preview.segments,
        encoding=preview.encoding,
        cost_estimate=preview.cost,
        created_by=actor.user,
        decided_by=actor.user,
        decided_at=now,
    )
    invitation.status = InvitationStatus.APPROVED
    invitation.decided_by = actor.user
    invitation.decided_at = now
    invitation.broadcast = broadcast
    invitation.save(update_fields=["status", "decided_by", "decided_at", "broadcast"])
    audit_record(
        actor=actor,
        action="messaging.invitation.approve",
        obj=invitation,
        summary={"recipients": preview.recipients},
    )
    sms_send(
        to=invitation.number,
        text=_("Your invitation was approved and goes to %(n)d numbers.") % {"n": preview.recipients},
        purpose=SmsPurpose.NOTICE,
        actor=actor,
    )
    _start_if_due(broadcast)
    return invitation


@transaction.atomic
def invitation_refuse(*, actor: Actor, invitation_id: int, reason: str) -> Invitation:
    from .services import sms_send

    actor.require("sms.invitations_moderate")
    invitation = get_scoped(Invitation.objects.select_for_update(), actor, pk=invitation_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Give the reason for the refusal."), code="invitation.reason")
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation has already been decided."), code="invitation.state")
    invitation.status = InvitationStatus.REFUSED
    invitation.reason = reason[:300]
    invitation.decided_by = actor.user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(actor=actor, action="messaging.invitation.refuse", obj=invitation)
    sms_send(
        to=invitation.number,
        text=_("Your invitation was not approved: %(reason)s") % {"reason": reason[:200]},
        purpose=SmsPurpose.NOTICE,
        actor=actor,
    )
    return invitation
