"""The sync protocol between the field app and the server.

A phone sends batches of records. Each record carries a client-made UUID, its kind, the time
the phone thinks it was captured, its body (JSON text, exactly as the phone serialised it) and
an HMAC-SHA256 of `id \\n kind \\n captured_at \\n body` under the device's signing key.

The server answers every record on its own:

- `accepted`: applied now through the same service the office pages use;
- `already_received`: this id with this content was applied before (a replayed batch);
- `rejected`: the record cannot be applied (reason given); stored, so a replay answers the same;
- `conflict`: the register changed under the record (details say what), or the same id arrived
  with different content;
- `closed`: what the record says already happened (a KTP-el recorded at the office meanwhile);
  nothing to do and nothing to resend;
- `retry`: a temporary condition (a photo not fully uploaded yet); nothing is stored;
- `quarantined` (revoked phones only): kept for a supervisor to accept or reject.

Each answer says whether sending the record again as a new one can succeed (`resendable`), so
the phone offers only actions that can. Every batch also reports how many records are waiting
on the phone (`queue`), shown to whoever considers revoking it.

A revoked phone is not wiped blindly: at its next contact it uploads what it holds. Records it
signed before the revocation go to review (`QuarantinedRecord`); later ones are refused. The phone
wipes itself only after every record was answered.

The ledger row (`SyncRecord`, unique per device and client id) is written in the same
transaction as the service's changes, so a connection cut at any point either leaves both or
neither: the phone resends, and the ledger answers `already_received` without a duplicate.
Times: the server's own receipt time is the official one; the phone's captured_at is kept as
information and a wrong phone clock is flagged.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from warga.audit.services import audit_record, audit_record_many
from warga.core.context import RequestContext, bound, current
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from warga.core.images import image_open
from warga.core.scoping import Actor, unscoped

from .models import (
    Assignment,
    Device,
    MovedResidentNotice,
    PhotoChunk,
    PhotoUpload,
    QuarantinedRecord,
    RecordKind,
    ReviewStatus,
    SyncRecord,
    SyncStatus,
    UploadStatus,
)

logger = logging.getLogger(__name__)

MAX_BATCH = 100
#: Records the field app sends per request. A record is a few hundred bytes (its photos go
#: before it, each in its own request), so 25 make a request of about 7 KB: on a weak link the
#: officer waits for one round trip per 25 records instead of per 10, and the part of a batch
#: that does not grow with it (the device and its lock, the assignment, the ledger read, the
#: service's rules, the office) is shared by more records. The batch's transaction stays short
#: (about 0.2 s on a 2-core server). At most MAX_BATCH.
PHONE_BATCH = 25
MAX_BODY = 64 * 1024
CLOCK_TOLERANCE = timedelta(minutes=10)
CHUNK_MAX = 256 * 1024


def photo_max_bytes() -> int:
    return int(getattr(settings, "OUTREACH_PHOTO_MAX_BYTES", 1024 * 1024))


@dataclass
class RecordIn:
    id: str
    kind: str
    captured_at: str
    body: str
    mac: str


@dataclass
class RecordContext:
    """What a record handler gets: who, where, when, and the parsed body."""

    actor: Actor
    device: Device
    assignment: Assignment
    client_id: uuid.UUID
    body: dict[str, Any]
    received_at: datetime
    captured_at: datetime | None
    photos: list[PhotoUpload] = field(default_factory=list)
    # Set by the handler when the resident moved away after the download: (resident, their desa).
    moved: tuple[Any, Any] | None = None


@dataclass
class Outcome:
    object_type: str
    object_id: str
    label: str = ""
    note: str = ""  # said to the officer with the acceptance (e.g. where a moved resident lives now)


class RetryLater(ServiceError):
    """A temporary condition: answer `retry` and store nothing."""

    status = 409
    code = "retry"


class AlreadyDone(ServiceError):
    """What the record says already happened: answer `closed`, nothing to resend."""

    status = 409
    code = "already_done"


# Refusals that a resend can cure (with the values the answer carries); everything else cannot.
RESENDABLE_CODES = frozenset({"version_changed"})
QUARANTINED = "quarantined"


def record_mac(key: bytes, rec: RecordIn) -> str:
    message = f"{rec.id}\n{rec.kind}\n{rec.captured_at}\n{rec.body}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def content_hash(rec: RecordIn) -> str:
    return hashlib.sha256(f"{rec.kind}\n{rec.body}".encode()).hexdigest()


def _answer(rec_id: str, status: str, code: str = "", message: str = "", **extra: Any) -> dict[str, Any]:
    return {"id": rec_id, "status": status, "code": code, "message": message, **extra}


def _device_context(device: Device) -> RequestContext:
    ctx = current()
    return RequestContext(
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
        channel="field",
        device_id=str(device.public_id),
    )


def check_device(device: Device, *, uploading: bool = False) -> None:
    """Refuse a revoked device. `uploading`: a revoked phone that has not wiped yet may still
    hand over what it holds (photos of records that go to review)."""
    if device.is_revoked and not (uploading and device.wipe_confirmed_at is None):
        raise NotAllowed(
            _(
                "This phone was revoked by an administrator. Records it still holds are handed to a "
                "supervisor for review, then its data is removed; contact your supervisor."
            ),
            code="device_revoked",
            details={"wipe": True},
        )


def assignment_for_sync(*, device: Device, public_id: str, revoked_ok: bool = False) -> Assignment:
    if not revoked_ok:
        check_device(device)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("Unknown assignment."), code="assignment_unknown") from None
    assignment = (
        Assignment.objects.select_related("event", "event__desa", "event__team", "device")
        .filter(public_id=key, device=device)
        .first()
    )
    if assignment is None:
        raise NotFound(_("Unknown assignment."), code="assignment_unknown")
    if assignment.is_expired and not revoked_ok:
        raise Conflict(
            _(
                "The assignment for %(desa)s on %(date)s expired. Your records are kept on the phone; "
                "ask your supervisor to extend it, then sync again."
            )
            % {"desa": assignment.event.desa.name, "date": assignment.event.date.isoformat()},
            code="assignment_expired",
            status=410,
        )
    return assignment


def sync_batch(
    *,
    device: Device,
    assignment_id: str,
    sent_at: str | None,
    records: list[RecordIn],
    queue: int | None = None,
) -> dict[str, Any]:
    """Apply a batch record by record; one failing record never blocks the others."""
    from .records import HANDLERS

    # A revoked phone may hand over what it holds, once (until it confirmed its wipe).
    revoked = device.is_revoked and device.wipe_confirmed_at is None
    if not revoked:
        check_device(device)
    assignment = assignment_for_sync(device=device, public_id=assignment_id, revoked_ok=revoked)
    if len(records) > MAX_BATCH:
        raise InvalidInput(_("Send at most %(n)d records per batch.") % {"n": MAX_BATCH})
    actor = Actor.for_user(device.user)
    received_at = timezone.now()
    phone_now = parse_datetime(sent_at) if sent_at else None
    skew = int((phone_now - received_at).total_seconds()) if phone_now and phone_now.tzinfo else 0
    answers = []
    # One transaction per batch, one savepoint per record: a failing record is rolled back alone,
    # and a request that dies half-way leaves nothing, so the phone's resend applies everything once.
    # Batches of one device take turns (the device row is locked), so the ledger read here is the
    # truth for this batch: a record sent twice in parallel is applied by the first and answered
    # "already received" to the second.
    with bound(_device_context(device)), transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        device.revoked_at = locked.revoked_at  # a revocation that came in meanwhile counts
        if queue is not None:
            queue_report(device=device, queue=queue)
        known = _ledger_rows(device, records)
        together = (
            {}
            if device.revoked_at is not None
            else _sync_together(actor, device, assignment, records, received_at, skew, HANDLERS, known)
        )
        for index, rec in enumerate(records):
            if index in together:
                answers.append(together[index])
            elif device.revoked_at is not None:
                answers.append(_quarantine_one(device, assignment, rec, received_at, known))
            else:
                try:
                    answers.append(
                        _sync_one(actor, device, assignment, rec, received_at, skew, HANDLERS, known)
                    )
                except RetryLater as exc:
                    answers.append(_answer(rec.id, "retry", exc.code, str(exc.message), details=exc.details))
    return {
        "server_time": received_at.isoformat(),
        "clock_skew_seconds": skew,
        "clock_warning": _skew_message(skew) if abs(skew) > CLOCK_TOLERANCE.total_seconds() else "",
        "revoked": device.revoked_at is not None,
        "results": answers,
    }


def queue_report(*, device: Device, queue: int) -> None:
    """Keep what the phone said about its outbox (shown before anyone revokes it)."""
    Device.objects.filter(pk=device.pk).update(
        queue_length=max(0, min(int(queue), 1_000_000)), queue_reported_at=timezone.now()
    )


def _checked(device: Device, rec: RecordIn) -> dict[str, Any] | tuple[Any, Any, Any, str]:
    """The record's signature and shape: the refusal to answer, or (client id, body, capture
    time, content hash). A tampered copy is not stored: it must not block the genuine record
    with the same id."""
    if not hmac.compare_digest(record_mac(device.signing_key, rec), (rec.mac or "").lower()):
        return _answer(
            rec.id,
            SyncStatus.REJECTED,
            "bad_signature",
            _("The record was altered after it was captured on the phone and was not accepted."),
        )
    try:
        client_id, body, captured = _parse(rec)
    except InvalidInput as exc:
        return _answer(rec.id, SyncStatus.REJECTED, exc.code, str(exc.message))
    return client_id, body, captured, content_hash(rec)


def _quarantine_one(
    device: Device,
    assignment: Assignment,
    rec: RecordIn,
    received_at: datetime,
    known: dict[str, SyncRecord],
) -> dict[str, Any]:
    """A revoked phone's record: to review if it was signed before the revocation, else refused."""
    from .records import HANDLERS

    checked = _checked(device, rec)
    if isinstance(checked, dict):
        return checked
    client_id, _body, captured, digest = checked
    previous = known.get(str(client_id))
    if previous is not None and (
        previous.content_hash != digest or previous.status in (SyncStatus.ACCEPTED, SyncStatus.CLOSED)
    ):
        return _replay(previous, rec.id, digest)
    held = QuarantinedRecord.objects.filter(device=device, client_id=client_id).first()
    if held is not None:
        if held.content_hash != digest:
            return _replay_reused(rec.id)
        return _quarantined_answer(rec.id, held, replayed=True)
    if rec.kind not in HANDLERS:
        return _answer(
            rec.id, SyncStatus.REJECTED, "unknown_kind", _("This kind of record is not supported.")
        )
    assert device.revoked_at is not None
    if captured is None or captured >= device.revoked_at:
        audit_record(
            actor=Actor.for_user(device.user),
            action="outreach.sync.refused_after_revocation",
            obj=device,
            summary={"kind": rec.kind, "record": str(client_id)},
        )
        return _answer(
            rec.id,
            SyncStatus.REJECTED,
            "signed_after_revocation",
            _(
                "This record was made on %(when)s, after the phone was revoked (%(revoked)s); "
                "it was not accepted."
            )
            % {
                "when": _local(captured) if captured else _("an unknown time"),
                "revoked": _local(device.revoked_at),
            },
            resendable=False,
        )
    held = QuarantinedRecord.objects.create(
        device=device,
        client_id=client_id,
        officer=device.user,
        assignment=assignment,
        kind=rec.kind,
        captured_at_text=rec.captured_at[:40],
        body=rec.body,
        mac=rec.mac.lower(),
        content_hash=digest,
        captured_at=captured,
        received_at=received_at,
        earlier_answer=previous.answer if previous is not None else {},
    )
    audit_record(
        actor=Actor.for_user(device.user),
        action="outreach.quarantine.receive",
        obj=held,
        summary={"kind": rec.kind, "device": str(device.public_id)},
    )
    return _quarantined_answer(rec.id, held)


def _quarantined_answer(rec_id: str, held: QuarantinedRecord, replayed: bool = False) -> dict[str, Any]:
    answer = _answer(
        rec_id,
        QUARANTINED,
        "review",
        _(
            "The phone was revoked. This record was handed to a supervisor, who accepts or rejects it; "
            "reference %(ref)s."
        )
        % {"ref": str(held.client_id)[:8]},
        resendable=False,
    )
    if replayed:
        answer["replayed"] = True
    return answer


def _local(moment: datetime) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment), "j F Y H:i")


def _ledger_rows(device: Device, records: list[RecordIn]) -> dict[str, SyncRecord]:
    """The ledger rows this batch already has, in one query (a replayed batch is mostly these)."""
    keys = []
    for rec in records:
        try:
            keys.append(uuid.UUID(rec.id))
        except ValueError:
            continue
    rows = SyncRecord.objects.filter(device=device, client_id__in=keys)
    return {str(row.client_id): row for row in rows}


def _skew_message(skew: int) -> str:
    hours = abs(skew) / 3600
    if hours >= 24:
        amount = _("%(n)d days") % {"n": round(hours / 24)}
    elif hours >= 1:
        amount = _("%(n)d hours") % {"n": round(hours)}
    else:
        amount = _("%(n)d minutes") % {"n": round(abs(skew) / 60)}
    side = _("ahead") if skew > 0 else _("behind")
    return _(
        "The phone's clock is %(amount)s %(side)s. The server's time was used for your records; "
        "please set the phone's date and time."
    ) % {"amount": amount, "side": side}


def _parse(rec: RecordIn) -> tuple[uuid.UUID, dict[str, Any], datetime | None]:
    try:
        client_id = uuid.UUID(rec.id)
    except ValueError:
        raise InvalidInput(_("The record id is not a UUID."), code="bad_id") from None
    if len(rec.body) > MAX_BODY:
        raise InvalidInput(_("The record is too large."), code="too_large")
    try:
        body = json.loads(rec.body)
    except ValueError:
        raise InvalidInput(_("The record is not valid JSON."), code="bad_json") from None
    if not isinstance(body, dict):
        raise InvalidInput(_("The record is not valid JSON."), code="bad_json")
    captured = parse_datetime(rec.captured_at) if rec.captured_at else None
    if captured is not None and captured.tzinfo is None:
        captured = timezone.make_aware(captured)
    return client_id, body, captured


def _run_handler(handler: Any, ctx: RecordContext) -> tuple[str, str, str, Any, Any]:
    """(status, code, message, details, outcome) of one handler run in its own savepoint; a
    refusal is an answer, RetryLater goes up to the batch."""
    try:
        # A record about a listed resident who moved applies where they live now (decision
        # 0012): the handler checks the assignment's list and calls services with the record's
        # actor (`get_scoped`), not with the device officer's area.
        with transaction.atomic(), unscoped("field record: the services check the record's own actor"):
            return SyncStatus.ACCEPTED, "", "", None, handler(ctx)
    except RetryLater:
        raise
    except AlreadyDone as exc:
        return SyncStatus.CLOSED, exc.code, str(exc.message), exc.details, None
    except Conflict as exc:
        return SyncStatus.CONFLICT, exc.code, str(exc.message), exc.details, None
    except ServiceError as exc:
        return SyncStatus.REJECTED, exc.code, str(exc.message), exc.details, None


def _sync_one(
    actor: Actor,
    device: Device,
    assignment: Assignment,
    rec: RecordIn,
    received_at: datetime,
    skew: int,
    handlers: dict[str, Any],
    known: dict[str, SyncRecord],
    replace: SyncRecord | None = None,
) -> dict[str, Any]:
    """Apply one record and write its ledger row (or update `replace`, a row that held an earlier
    refusal of the same record, when a supervisor accepts it from review)."""
    checked = _checked(device, rec)
    if isinstance(checked, dict):
        return checked
    client_id, body, captured, digest = checked
    previous = known.get(str(client_id))
    if previous is not None and previous is not replace:
        return _replay(previous, rec.id, digest)
    handler = handlers.get(rec.kind)
    if handler is None:
        return _answer(
            rec.id, SyncStatus.REJECTED, "unknown_kind", _("This kind of record is not supported.")
        )
    flagged = abs(skew) > CLOCK_TOLERANCE.total_seconds() or bool(
        captured and (captured - received_at) > CLOCK_TOLERANCE
    )
    ctx = RecordContext(
        actor=actor,
        device=device,
        assignment=assignment,
        client_id=client_id,
        body=body,
        received_at=received_at,
        captured_at=captured,
    )
    status, code, message, details, outcome = _run_handler(handler, ctx)
    if status == SyncStatus.ACCEPTED and ctx.moved is not None:
        message = outcome.note if outcome is not None else ""
    answer = _answer(rec.id, status, code, message, resendable=code in RESENDABLE_CODES)
    if details is not None:
        answer["details"] = details
    if outcome is not None:
        answer["object"] = {"type": outcome.object_type, "id": outcome.object_id, "label": outcome.label}
    if flagged:
        answer["clock_flagged"] = True
    # The ledger row needs no savepoint: the device lock taken by the batch means no parallel
    # request can insert the same (device, record id).
    values = {
        "officer": device.user,
        "assignment": assignment,
        "kind": rec.kind,
        "content_hash": digest,
        "status": status,
        "code": code,
        "answer": answer,
        "object_type": outcome.object_type if outcome else "",
        "object_id": outcome.object_id if outcome else "",
        "received_at": received_at,
        "captured_at": captured,
        "clock_skew_seconds": skew,
        "clock_flagged": flagged,
    }
    if replace is not None:
        for name, value in values.items():
            setattr(replace, name, value)
        replace.save()
        row = replace
    else:
        row = SyncRecord.objects.create(device=device, client_id=client_id, **values)
    known[str(client_id)] = row  # the same id twice in one batch is answered from the ledger
    if status == SyncStatus.ACCEPTED and ctx.moved is not None:
        _tell_receiving_office(actor, row, ctx)
    if ctx.photos:
        PhotoUpload.objects.filter(pk__in=[p.pk for p in ctx.photos]).update(used_by=row)
    if status != SyncStatus.ACCEPTED or flagged:
        # An accepted record is audited by the service that applied it (with this device's
        # id); refusals and wrong clocks leave their own trace here.
        audit_record(
            actor=actor,
            action="outreach.sync.record",
            obj=row,
            summary={"kind": rec.kind, "status": status, "code": code, "clock_flagged": flagged},
        )
    return answer


def _sync_together(
    actor: Actor,
    device: Device,
    assignment: Assignment,
    records: list[RecordIn],
    received_at: datetime,
    skew: int,
    handlers: dict[str, Any],
    known: dict[str, SyncRecord],
) -> dict[int, dict[str, Any]]:
    """Apply the batch's plain KTP-el recordings and plain applications with photos together, in
    one savepoint: a few INSERTs for the whole batch (cards, transitions, recording events,
    applications, their events and scans, audit rows, targets, ledger rows) instead of a dozen
    or thirty statements per record. {index in `records`: answer} for those applied.

    Left for `_sync_one`, in the batch's order, is every record whose answer could depend on
    another record of the batch or on anything but a plain acceptance: a bad signature or body,
    an id already in the ledger or sent twice, a resident named by two records (an applicant
    counts), a photo named by two records, a resident who moved, died or was recorded before, a
    photo still arriving or refused (see `records.ktp_recordings_many` and
    `records.applications_many`). A conflicting write of another transaction (a card or a file
    inserted meanwhile) rolls the savepoint back and every record goes one by one. The answers
    and ledger rows are exactly those `_sync_one` writes."""
    from collections import Counter

    from .records import application, applications_many, ktp_recording, ktp_recordings_many

    kinds = {
        kind
        for kind, handler in (
            (RecordKind.KTP_RECORDING, ktp_recording),
            (RecordKind.APPLICATION, application),
        )
        if handlers.get(kind) is handler
    }
    if not kinds:
        return {}
    parsed: dict[int, tuple[uuid.UUID, dict[str, Any], datetime | None, str]] = {}
    for index, rec in enumerate(records):
        checked = _checked(device, rec)
        if not isinstance(checked, dict) and str(checked[0]) not in known:
            parsed[index] = checked
    ids = Counter(str(p[0]) for p in parsed.values())
    # Residents named by the records that will be applied (any kind), photos named by applications.
    named = Counter(str(p[1].get("resident")) for p in parsed.values() if "resident" in p[1])
    photos = Counter(
        str(ref.get("upload"))
        for index, p in parsed.items()
        if records[index].kind == RecordKind.APPLICATION
        for ref in _photo_refs(p[1])
    )
    contexts = {
        index: RecordContext(
            actor=actor,
            device=device,
            assignment=assignment,
            client_id=client_id,
            body=body,
            received_at=received_at,
            captured_at=captured,
        )
        for index, (client_id, body, captured, _digest) in parsed.items()
        if records[index].kind in kinds and ids[str(client_id)] == 1
    }
    recordings = {
        index: ctx
        for index, ctx in contexts.items()
        if records[index].kind == RecordKind.KTP_RECORDING and named[str(ctx.body.get("resident"))] == 1
    }
    if len(recordings) < 2:
        recordings = {}  # one recording alone costs the same either way
    applications = {
        index: ctx
        for index, ctx in contexts.items()
        if records[index].kind == RecordKind.APPLICATION
        and all(photos[str(ref.get("upload"))] == 1 for ref in _photo_refs(ctx.body))
    }
    if not recordings and not applications:
        return {}
    others = {int(r) for r in named if r.isdigit()}
    try:
        with transaction.atomic(), unscoped("field record: the services check the record's own actor"):
            outcomes: dict[int, tuple[Outcome, list[PhotoUpload]]] = {
                index: (outcome, []) for index, outcome in ktp_recordings_many(recordings).items()
            }
            outcomes.update(applications_many(applications, others))
            rows, answers, flagged_rows, used = [], {}, [], []
            for index in sorted(outcomes):
                outcome, uploads = outcomes[index]
                rec, ctx = records[index], contexts[index]
                captured = ctx.captured_at
                flagged = abs(skew) > CLOCK_TOLERANCE.total_seconds() or bool(
                    captured and (captured - received_at) > CLOCK_TOLERANCE
                )
                answer = _answer(rec.id, SyncStatus.ACCEPTED, "", "", resendable=False)
                answer["object"] = {
                    "type": outcome.object_type,
                    "id": outcome.object_id,
                    "label": outcome.label,
                }
                if flagged:
                    answer["clock_flagged"] = True
                row = SyncRecord(
                    device=device,
                    client_id=ctx.client_id,
                    officer=device.user,
                    assignment=assignment,
                    kind=rec.kind,
                    content_hash=parsed[index][3],
                    status=SyncStatus.ACCEPTED,
                    code="",
                    answer=answer,
                    object_type=outcome.object_type,
                    object_id=outcome.object_id,
                    received_at=received_at,
                    captured_at=captured,
                    clock_skew_seconds=skew,
                    clock_flagged=flagged,
                )
                rows.append(row)
                answers[index] = answer
                used += [(upload, row) for upload in uploads]
                if flagged:
                    flagged_rows.append(row)
            SyncRecord.objects.bulk_create(rows)
            if used:
                for upload, row in used:
                    upload.used_by = row
                PhotoUpload.objects.bulk_update([upload for upload, _row in used], ["used_by"])
            audit_record_many(
                actor=actor,
                entries=[
                    (
                        "outreach.sync.record",
                        row,
                        {"kind": row.kind, "status": row.status, "code": "", "clock_flagged": True},
                    )
                    for row in flagged_rows
                ],
            )
    except IntegrityError:
        logger.info("sync batch: a concurrent write; the records are applied one by one")
        return {}
    for row in rows:
        known[str(row.client_id)] = row
    return answers


def _photo_refs(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The photo references of an application's body as sent (the handler validates them)."""
    refs = body.get("photos")
    return [ref for ref in refs if isinstance(ref, dict)] if isinstance(refs, list) else []


def _tell_receiving_office(actor: Actor, row: SyncRecord, ctx: RecordContext) -> None:
    """The resident moved away after the download: the office where they live now is told."""
    assert ctx.moved is not None
    resident, from_desa = ctx.moved
    notice = MovedResidentNotice.objects.create(
        record=row, resident=resident, kind=row.kind, desa_id=resident.desa_id, from_desa=from_desa
    )
    audit_record(
        actor=actor,
        action="outreach.moved_resident.notice",
        obj=notice,
        summary={"kind": row.kind, "desa": resident.desa_id, "from_desa": from_desa.pk},
    )


def _replay_reused(rec_id: str) -> dict[str, Any]:
    return _answer(
        rec_id,
        SyncStatus.CONFLICT,
        "id_reused",
        _("A different record with the same id was already received; this copy was not applied."),
        resendable=False,
    )


def _replay(previous: SyncRecord, rec_id: str, digest: str) -> dict[str, Any]:
    if previous.content_hash != digest:
        return _replay_reused(rec_id)
    answer = dict(previous.answer)
    if answer.get("status") == SyncStatus.ACCEPTED:
        answer["status"] = "already_received"
        answer["message"] = _("Already received earlier; nothing was duplicated.")
    answer["replayed"] = True
    return answer


# --- Photo uploads -----------------------------------------------------------------------------
def _upload_key(upload_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(upload_id))
    except ValueError:
        raise InvalidInput(_("The upload id is not a UUID.")) from None


def _upload_announced(size: int, sha256: str) -> str:
    """Check the size and checksum a photo is announced with; the checksum in lower case."""
    sha256 = sha256.lower()
    if not 0 < size <= photo_max_bytes():
        raise InvalidInput(
            _("A photo must be smaller than %(kb)d KB.") % {"kb": photo_max_bytes() // 1024}, code="too_large"
        )
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidInput(_("The photo's checksum is malformed."))
    return sha256


def _upload_id_reused() -> Conflict:
    return Conflict(_("A different photo with the same id was already started."), code="id_reused")


def upload_start(*, device: Device, upload_id: str, size: int, sha256: str) -> PhotoUpload:
    """Open an upload (or find the one already open, to resume it). One read and one INSERT, no
    transaction around them: the INSERT is atomic alone, and an id started twice at once is
    answered with the row the other request made."""
    check_device(device, uploading=True)
    key = _upload_key(upload_id)
    sha256 = _upload_announced(size, sha256)
    existing = PhotoUpload.objects.filter(device=device, client_id=key).first()
    if existing is not None:
        if existing.size != size or existing.sha256 != sha256:
            raise _upload_id_reused()
        return existing
    try:
        if transaction.get_autocommit():
            return PhotoUpload.objects.create(device=device, client_id=key, size=size, sha256=sha256)
        with transaction.atomic():  # inside a caller's transaction: a savepoint survives a refusal
            return PhotoUpload.objects.create(device=device, client_id=key, size=size, sha256=sha256)
    except IntegrityError:
        existing = PhotoUpload.objects.filter(device=device, client_id=key).first()
        if existing is None or existing.size != size or existing.sha256 != sha256:
            raise _upload_id_reused() from None
        return existing


def upload_get(*, device: Device, upload_id: str) -> PhotoUpload:
    check_device(device, uploading=True)
    upload = PhotoUpload.objects.filter(device=device, client_id=_upload_key(upload_id)).first()
    if upload is None:
        raise NotFound(_("Unknown upload."))
    return upload


def upload_chunk(
    *,
    device: Device,
    upload_id: str,
    offset: int,
    data: bytes,
    size: int | None = None,
    sha256: str | None = None,
) -> PhotoUpload:
    """Append bytes at `offset`. A chunk already stored is acknowledged; a gap is refused with the
    offset the server has, so the phone resumes from there.

    With `size` and `sha256` (creation with upload), an upload this device has not started yet is
    started with this chunk, in the same transaction: a photo that fits in one chunk is one
    request, and a request cut midway leaves nothing. An upload already started must have been
    announced with the same size and checksum; from there it goes on as a plain chunk."""
    check_device(device, uploading=True)
    key = _upload_key(upload_id)
    if (size is None) != (sha256 is None):
        raise InvalidInput(_("Give both the photo's size and its checksum, or neither."))
    announced = None if size is None or sha256 is None else (size, _upload_announced(size, sha256))
    try:
        return _upload_append(device, key, offset, data, announced)
    except IntegrityError:
        if announced is None:
            raise
        # The same request sent twice at once (a retry): the other one started the upload and
        # committed first; this one now finds its row and answers as a resent chunk.
        return _upload_append(device, key, offset, data, announced)


@transaction.atomic
def _upload_append(
    device: Device, key: uuid.UUID, offset: int, data: bytes, announced: tuple[int, str] | None
) -> PhotoUpload:
    upload = PhotoUpload.objects.select_for_update().filter(device=device, client_id=key).first()
    if upload is None:
        if announced is None:
            raise NotFound(_("Unknown upload."))
        upload = PhotoUpload(device=device, client_id=key, size=announced[0], sha256=announced[1])
    elif announced is not None and (upload.size, upload.sha256) != announced:
        raise _upload_id_reused()
    if upload.status != UploadStatus.RECEIVING:
        return upload
    if not data or len(data) > CHUNK_MAX:
        raise InvalidInput(_("A chunk must hold 1 byte to %(kb)d KB.") % {"kb": CHUNK_MAX // 1024})
    if offset + len(data) <= upload.received:
        return upload  # a resent chunk the server already has
    if offset != upload.received:
        raise Conflict(
            _("The server has %(n)d bytes of this photo; continue from there.") % {"n": upload.received},
            code="offset_mismatch",
            details={"received": upload.received},
        )
    if offset + len(data) > upload.size:
        raise InvalidInput(_("The photo is longer than announced."))
    upload.received = offset + len(data)
    if upload.pk is None:
        # Started with its first chunk: the upload is inserted as it ends up (checked already if
        # the chunk is the whole photo), then the chunk; no UPDATE.
        if upload.received == upload.size:
            _upload_finish(upload, data)
        upload.save(force_insert=True)
        PhotoChunk.objects.create(upload=upload, offset=offset, data=data)
        return upload
    PhotoChunk.objects.create(upload=upload, offset=offset, data=data)
    fields = ["received"]
    if upload.received == upload.size:
        # A photo sent in one chunk is checked from the request's bytes, not read back.
        _upload_finish(upload, data if offset == 0 else upload_bytes(upload))
        fields += ["status", "reason", "content_type", "completed_at"]
    upload.save(update_fields=fields)
    return upload


def upload_bytes(upload: PhotoUpload) -> bytes:
    return b"".join(bytes(c) for c in upload.chunks.order_by("offset").values_list("data", flat=True))


def _upload_finish(upload: PhotoUpload, data: bytes) -> None:
    """Check the whole photo (`data`, all its bytes): its checksum, then that Pillow reads it as a
    JPEG, PNG or WebP."""
    from PIL import Image, UnidentifiedImageError

    upload.completed_at = timezone.now()
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        upload.status = UploadStatus.REJECTED
        upload.reason = _("The photo arrived damaged (checksum mismatch). Take it again.")
        return
    try:
        image_open(data).close()  # the pixel budget, read from the header
    except InvalidInput as exc:
        if exc.code == "image_too_large":
            upload.status = UploadStatus.REJECTED
            upload.reason = str(exc.message)
            return
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            fmt = (img.format or "").upper()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fmt = ""
    types = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
    if fmt not in types:
        upload.status = UploadStatus.REJECTED
        upload.reason = _("The file is not a photo (JPEG, PNG or WebP).")
        return
    upload.status = UploadStatus.COMPLETE
    upload.content_type = types[fmt]


def photos_for_record(ctx: RecordContext, ids: list[str]) -> list[PhotoUpload]:
    """The completed uploads a record refers to; `retry` while any is still arriving."""
    if len(ids) > 10:
        raise InvalidInput(_("At most 10 photos per record."))
    keys = [_upload_key(i) for i in ids]
    uploads = {u.client_id: u for u in PhotoUpload.objects.filter(device=ctx.device, client_id__in=keys)}
    result = []
    for key in keys:
        upload = uploads.get(key)
        if upload is None or upload.status == UploadStatus.RECEIVING:
            raise RetryLater(
                _("A photo of this record has not been fully uploaded yet."), code="photo_pending"
            )
        if upload.status == UploadStatus.REJECTED:
            raise InvalidInput(upload.reason, code="photo_rejected")
        if upload.used_by_id is not None:
            raise InvalidInput(_("This photo belongs to another record."), code="photo_reused")
        result.append(upload)
    ctx.photos = result
    return result


def uploads_purge(*, older_than_days: int = 7) -> int:
    """Drop the chunks of finished uploads (their bytes now live in the application's attachment)
    and uploads abandoned half-way; returns the number of uploads purged."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    finished = PhotoUpload.objects.filter(created_at__lt=cutoff).exclude(status=UploadStatus.RECEIVING)
    # A revoked phone's photos wait, unused, for a supervisor to accept the record they belong to.
    finished = finished.exclude(used_by__isnull=True, device__quarantined__status=ReviewStatus.PENDING)
    PhotoChunk.objects.filter(upload__in=finished).delete()
    abandoned = PhotoUpload.objects.filter(
        created_at__lt=cutoff, status=UploadStatus.RECEIVING, used_by__isnull=True
    )
    count = finished.count() + abandoned.count()
    abandoned.delete()
    return count
