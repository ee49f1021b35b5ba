"""Claiming queued messages for sending, releasing claims, and recovering after a crash."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from warga.core.scoping import unscoped

from ..models import (
    SmsMessage,
    SmsStatus,
)
from ..quiet import in_quiet_hours
from ._common import TRANSACTIONAL

logger = logging.getLogger(__name__)


UNKNOWN_OUTCOME = "outcome unknown"
UNKNOWN_OUTCOME_ERROR = (
    f"{UNKNOWN_OUTCOME}: the request to the gateway was in flight when its sender stopped; not resent"
)


def _due(now: datetime) -> Q:
    q = Q(status=SmsStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    if in_quiet_hours(now):
        q &= Q(purpose__in=TRANSACTIONAL)
    return q


def sms_claim(*, message_id: int, token: str | None = None) -> SmsMessage | None:
    """Atomically take a queued, due message for sending; None if someone else has it or it is not due."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(_due(now), pk=message_id).update(
        status=SmsStatus.SENDING, claimed_at=now, claim_token=token or uuid.uuid4().hex, handed_at=None
    )
    if claimed != 1:
        return None
    return SmsMessage.objects.get(pk=message_id)


def sms_claim_batch(*, limit: int = 100, token: str | None = None) -> list[SmsMessage]:
    """Claim up to `limit` due messages, transactional first (priority, then id). `token`: the
    claimer's lease token, written on every claimed row."""
    now = timezone.now()
    token = token or uuid.uuid4().hex
    with transaction.atomic():
        candidates = SmsMessage.objects.filter(_due(now)).order_by("priority", "id")
        if connection_supports_skip_locked():
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        SmsMessage.objects.filter(id__in=ids, status=SmsStatus.QUEUED).update(
            status=SmsStatus.SENDING, claimed_at=now, claim_token=token, handed_at=None
        )
    return list(SmsMessage.objects.filter(id__in=ids, claim_token=token).order_by("priority", "id"))


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return bool(connection.features.has_select_for_update_skip_locked)


def sms_claims_release(*, token: str) -> int:
    """Claims of `token` that never reached the gateway go back to the queue (a clean stop)."""
    return SmsMessage.objects.filter(
        status=SmsStatus.SENDING, claim_token=token, handed_at__isnull=True
    ).update(status=SmsStatus.QUEUED, claim_token="", claimed_at=None)


@unscoped("SMS dispatch: the outbox holds messages of every area")
def sms_recover(*, keep_token: str, now: datetime | None = None) -> dict[str, int]:
    """After a sender died (run when a dispatcher takes the lease): every `sending` row claimed
    under another token is settled. Never handed to the gateway → back to the queue, as if
    never claimed. Handed, i.e. its request was in flight → failed, outcome unknown, never
    resent (a delivery report that still comes corrects it)."""
    now = now or timezone.now()
    others = SmsMessage.objects.filter(status=SmsStatus.SENDING).exclude(claim_token=keep_token)
    requeued = others.filter(handed_at__isnull=True).update(
        status=SmsStatus.QUEUED, claim_token="", claimed_at=None
    )
    unknown = others.filter(handed_at__isnull=False).update(
        status=SmsStatus.FAILED, failed_at=now, error=UNKNOWN_OUTCOME_ERROR
    )
    if requeued or unknown:
        logger.warning("sms recovery: %s claimed messages re-queued, %s outcome unknown", requeued, unknown)
    return {"requeued": requeued, "unknown": unknown}


def _mark_handed(messages: list[SmsMessage]) -> list[SmsMessage]:
    """Just before their requests start: mark these claimed rows as handed to the gateway and
    count the attempt, in one UPDATE. Only rows still claimed under the same token are marked
    (recovery may have taken them back); only those may be sent."""
    if not messages:
        return []
    now = timezone.now()
    ids = [m.pk for m in messages]
    token = messages[0].claim_token
    marked = SmsMessage.objects.filter(
        pk__in=ids, status=SmsStatus.SENDING, claim_token=token, handed_at__isnull=True
    ).update(handed_at=now, attempts=F("attempts") + 1)
    if marked != len(ids):
        mine = set(
            SmsMessage.objects.filter(pk__in=ids, claim_token=token, handed_at=now).values_list(
                "pk", flat=True
            )
        )
        messages = [m for m in messages if m.pk in mine]
    for m in messages:
        m.attempts += 1
        m.handed_at = now
    return messages
