"""The SMS outbox and everything that moves a message: `sms_send` writes the outbox row; the
dispatcher claims rows atomically (by priority, then id), respects the shared rate and quiet
hours, hands them to the gateway and records the answer; delivery reports finish them.

Delivery semantics (docs/decisions/0010-sms-delivery-at-most-once.md): at most once. A row is claimed
(`queued` → `sending`) before the gateway sees it; only a refusal that proves the gateway does
not have the message puts it back in the queue. A row left in `sending` by a crash or a lost
answer is never resent: a delivery report that still comes proves acceptance, otherwise the
reconciler marks it failed with "outcome unknown".

The services live in one module per step (outbox, claiming, sending, delivery_reports,
preferences, incoming); this package re-exports them, so callers import from
`warga.messaging.services`.
"""

from __future__ import annotations

# Broadcasts and invitations live in their own module; they are part of this service API.
from ..broadcasts import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_create,
    broadcast_preview,
    broadcast_queue,
    broadcast_reject,
    invitation_approve,
    invitation_refuse,
    invitation_request,
)
from ._common import TRANSACTIONAL
from .claiming import (
    UNKNOWN_OUTCOME,
    UNKNOWN_OUTCOME_ERROR,
    connection_supports_skip_locked,
    sms_claim,
    sms_claim_batch,
    sms_claims_release,
    sms_recover,
)
from .delivery_reports import DlrResult, sms_dlr_receive
from .incoming import incoming_over_limit, sms_incoming_handle, sms_incoming_receive
from .outbox import MAX_SEGMENTS, sms_send, sms_text_check
from .preferences import number_opt_in, number_opt_out
from .sending import (
    DispatchResult,
    GatewayDown,
    broadcasts_finish,
    number_blocked_for_broadcasts,
    sms_claim_size,
    sms_deliver_one,
    sms_dispatch,
    sms_reconcile,
    sms_send_claimed,
    sms_wake,
)
from .stats import status_counts

__all__ = [
    "MAX_SEGMENTS",
    "TRANSACTIONAL",
    "UNKNOWN_OUTCOME",
    "UNKNOWN_OUTCOME_ERROR",
    "DispatchResult",
    "DlrResult",
    "GatewayDown",
    "broadcast_approve",
    "broadcast_cancel",
    "broadcast_create",
    "broadcast_preview",
    "broadcast_queue",
    "broadcast_reject",
    "broadcasts_finish",
    "connection_supports_skip_locked",
    "incoming_over_limit",
    "invitation_approve",
    "invitation_refuse",
    "invitation_request",
    "number_blocked_for_broadcasts",
    "number_opt_in",
    "number_opt_out",
    "sms_claim",
    "sms_claim_batch",
    "sms_claim_size",
    "sms_claims_release",
    "sms_deliver_one",
    "sms_dispatch",
    "sms_dlr_receive",
    "sms_incoming_handle",
    "sms_incoming_receive",
    "sms_reconcile",
    "sms_recover",
    "sms_send",
    "sms_send_claimed",
    "sms_text_check",
    "sms_wake",
    "status_counts",
]
