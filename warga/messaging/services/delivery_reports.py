"""Delivery reports: finishing messages and learning which numbers are reachable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import unscoped

from ..models import (
    FINAL_STATUSES,
    NumberPreference,
    SmsMessage,
    SmsStatus,
)
from ._common import _setting
from .claiming import UNKNOWN_OUTCOME

DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16


@dataclass(frozen=True)
class DlrResult:
    message_id: int
    status: str


_FINAL_SQL = ", ".join(f"'{s}'" for s in FINAL_STATUSES)
# A message failed only because its outcome was unknown: a delivery report may still prove it.
_UNKNOWN_SQL = (
    f"(status = '{SmsStatus.FAILED}' AND SUBSTR(error, 1, {len(UNKNOWN_OUTCOME)}) = '{UNKNOWN_OUTCOME}')"
)
_WAITING_SQL = f"(status IN ('{SmsStatus.QUEUED}', '{SmsStatus.SENDING}') OR {_UNKNOWN_SQL})"
_OPEN_SQL = f"(status NOT IN ({_FINAL_SQL}) OR {_UNKNOWN_SQL})"


def sms_dlr_receive(
    *, ref: str, status: int, smsc_reply: str = "", smsc_message_id: str = "", attempt: str = ""
) -> DlrResult:
    """Apply one delivery report. Idempotent, order-independent, never leaves a final state
    (except "failed, outcome unknown", which a report may still correct).

    `attempt` (from the dlr-url): the attempt the report belongs to; a report of an earlier,
    superseded attempt changes nothing. This runs for every message sent, at the sending rate,
    so it is one conditional `UPDATE … RETURNING` on the message, a statement that is atomic on
    its own. The rare follow-ups (clearing a stale "failed permanently" mark on a number that
    was reached; marking a number that failed again and again) run after it in their own
    transaction; if a crash comes between the two, `sms_reconcile` clears a stale mark and the
    next failure re-examines the number."""
    if not str(ref).isdigit() or len(str(ref)) > 18:
        raise NotFound(_("Unknown message."), code="sms.unknown_message")
    if status not in (DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED):
        if not SmsMessage.objects.filter(pk=int(ref)).exists():
            raise NotFound(_("Unknown message."), code="sms.unknown_message")
        raise InvalidInput(_("Unknown delivery report type."), code="sms.dlr_type")
    pk = int(ref)
    now = timezone.now()
    table = SmsMessage._meta.db_table
    common = "dlr_status = %s, dlr_at = %s, gateway_message_id = COALESCE(NULLIF(%s, ''), gateway_message_id)"
    params: list[Any] = [status, now, smsc_message_id[:100]]
    if status == DLR_DELIVERED:
        new_status: str = SmsStatus.DELIVERED
        sets = (
            f"status = %s, delivered_at = %s, sent_at = COALESCE(sent_at, %s), "
            f"error = CASE WHEN {_UNKNOWN_SQL} THEN '' ELSE error END, "
            f"failed_at = CASE WHEN {_UNKNOWN_SQL} THEN NULL ELSE failed_at END, {common}"
        )
        params = [new_status, now, now, *params]
    elif status in (DLR_UNDELIVERED, DLR_SMSC_REJECTED):
        new_status = SmsStatus.EXPIRED if "EXPIRED" in smsc_reply.upper() else SmsStatus.FAILED
        sets = f"status = %s, failed_at = %s, error = %s, {common}"
        params = [new_status, now, (smsc_reply or f"DLR {status}")[:300], *params]
    else:  # accepted or buffered by the SMSC: proof the gateway has it
        new_status = SmsStatus.SENT
        sets = (
            f"sent_at = CASE WHEN {_WAITING_SQL} THEN %s ELSE sent_at END, "
            f"failed_at = CASE WHEN {_UNKNOWN_SQL} THEN NULL ELSE failed_at END, "
            f"error = CASE WHEN {_UNKNOWN_SQL} THEN '' ELSE error END, "
            f"status = CASE WHEN {_WAITING_SQL} THEN %s ELSE status END, {common}"
        )
        params = [now, new_status, *params]
    where = f"id = %s AND {_OPEN_SQL}"
    where_params: list[Any] = [pk]
    if attempt:
        if not attempt.isdigit() or len(attempt) > 4:
            raise InvalidInput(_("Unknown attempt."), code="sms.dlr_attempt")
        where += " AND attempts = %s"
        where_params.append(int(attempt))
    marked = (  # only the models' table names are formatted in
        f"EXISTS (SELECT 1 FROM {NumberPreference._meta.db_table} p "  # noqa: S608
        f'WHERE p.number = {table}."to" AND p.failed_permanently_at IS NOT NULL)'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # Only constants and the models' table names are formatted in; every value is a parameter.
            f'UPDATE {table} SET {sets} WHERE {where} RETURNING "to", status, {marked}',  # noqa: S608
            [*params, *where_params],
        )
        row = cursor.fetchone()
    if row is None:  # unknown, already final, or a superseded attempt: nothing changes
        current = SmsMessage.objects.filter(pk=pk).values_list("status", flat=True).first()
        if current is None:
            raise NotFound(_("Unknown message."), code="sms.unknown_message")
        return DlrResult(message_id=pk, status=str(current))
    number, after, number_marked = row
    if status == DLR_DELIVERED and number_marked:
        with transaction.atomic():
            _number_reachable(number)
    elif after in (SmsStatus.FAILED, SmsStatus.EXPIRED):
        with transaction.atomic():
            _number_maybe_dead(number)
    return DlrResult(message_id=pk, status=str(after))


def _number_reachable(number: str) -> None:
    if NumberPreference.objects.filter(number=number, failed_permanently_at__isnull=False).update(
        failed_permanently_at=None
    ):
        from warga.registry.models import Phone

        with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
            Phone.objects.filter(number=number).update(failed_permanently_at=None)


def _number_maybe_dead(number: str) -> None:
    """The last N messages to this number all failed: mark it failed permanently (no more broadcasts)."""
    limit = _setting("SMS_PERMANENT_FAILURE_COUNT", 3)
    last = list(
        SmsMessage.objects.filter(to=number, status__in=FINAL_STATUSES)
        .exclude(status=SmsStatus.CANCELLED)
        .order_by("-id")
        .values_list("status", flat=True)[:limit]
    )
    if len(last) < limit or any(s != SmsStatus.FAILED for s in last):
        return
    now = timezone.now()
    pref, _created = NumberPreference.objects.get_or_create(number=number)
    if pref.failed_permanently_at is None:
        NumberPreference.objects.filter(pk=pref.pk).update(failed_permanently_at=now)
        from warga.registry.models import Phone

        with unscoped("SMS numbers: what a number said or suffered applies to every resident holding it"):
            Phone.objects.filter(number=number, failed_permanently_at__isnull=True).update(
                failed_permanently_at=now
            )
        audit_record(actor=None, action="messaging.number.failed_permanently", obj=pref)


def numbers_reached_clear() -> int:
    """Numbers marked "failed permanently" although a message reached them after the mark (the
    delivery report's follow-up was cut short by a crash): the mark is cleared."""
    reached = SmsMessage.objects.filter(
        to=OuterRef("number"), status=SmsStatus.DELIVERED, delivered_at__gt=OuterRef("failed_permanently_at")
    )
    cleared = 0
    stale = NumberPreference.objects.filter(Exists(reached), failed_permanently_at__isnull=False)
    for number in stale.values_list("number", flat=True)[:1000]:
        with transaction.atomic():
            _number_reachable(number)
        cleared += 1
    return cleared
