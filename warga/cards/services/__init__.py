"""Writes for KTP-el cards: status transitions, recording, national-system imports, the
blank-card ledger, print batches, SUKET and distribution.

Every service checks its capability, loads what it changes through scoping, runs in one
transaction with its audit row, and raises ServiceError subclasses with translated messages.
Blank withdrawals lock the office's StockAccount row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
the IMMEDIATE transaction already serialises writers) before checking the balance.

The services live in one module per section (recording, status_import, ledger, printing,
distribution, suket); this package re-exports them, so callers import from
`warga.cards.services`.
"""

from __future__ import annotations

from ._common import REPRINT_RESET, STAMPS
from .bulk_handover import cards_hand_over_many, handover_plan, handover_token
from .bulk_printing import (
    LogRow,
    PrintInput,
    PrintPlan,
    print_results_plan,
    print_results_record,
    print_results_token,
    split_serials,
)
from .distribution import card_hand_over, delivery_receive, delivery_send
from .ledger import (
    MAX_MOVEMENT,
    blank_allocation_receive,
    blank_request_create,
    blank_transfer,
    stock_account_for,
    stock_count_record,
)
from .printing import MAX_BATCH, print_batch_close, print_batch_lock, print_item_record, rule_set_save
from .recording import CENTRE_OUTCOMES, ktp_recording_record, ktp_status_update
from .status_import import (
    CHAIN,
    IMPORT_TIME_LIMIT,
    MAX_IMPORT_BYTES,
    ktp_status_import,
    ktp_status_import_queue,
    ktp_status_import_run,
    ktp_status_imports_resume,
)
from .suket import REVOKE_REASON_MIN, suket_issue, suket_revoke

__all__ = [
    "CENTRE_OUTCOMES",
    "CHAIN",
    "IMPORT_TIME_LIMIT",
    "MAX_BATCH",
    "MAX_IMPORT_BYTES",
    "MAX_MOVEMENT",
    "REPRINT_RESET",
    "REVOKE_REASON_MIN",
    "STAMPS",
    "LogRow",
    "PrintInput",
    "PrintPlan",
    "blank_allocation_receive",
    "blank_request_create",
    "blank_transfer",
    "card_hand_over",
    "cards_hand_over_many",
    "delivery_receive",
    "delivery_send",
    "handover_plan",
    "handover_token",
    "ktp_recording_record",
    "ktp_status_import",
    "ktp_status_import_queue",
    "ktp_status_import_run",
    "ktp_status_imports_resume",
    "ktp_status_update",
    "print_batch_close",
    "print_batch_lock",
    "print_item_record",
    "print_results_plan",
    "print_results_record",
    "print_results_token",
    "rule_set_save",
    "split_serials",
    "stock_account_for",
    "stock_count_record",
    "suket_issue",
    "suket_revoke",
]
