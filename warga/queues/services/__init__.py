"""The queue's writes; callers import from `warga.queues.services`."""

from ._common import DayQuota, day_quota, quota_source_label
from .bookings import (
    BookingInput,
    booking_cancel,
    booking_cancelled_text,
    booking_code_normalize,
    booking_create,
    booking_sms_text,
    bookings_expire,
)
from .counters import (
    counter_call_next,
    counter_finish,
    counter_recall,
    counter_skip,
    counter_transfer,
    current_ticket,
    queue_order,
)
from .setup import ServiceInput, counter_save, office_setup, quota_set, service_save
from .tickets import booking_check_in, desk_ticket_issue, ticket_for_kiosk, ticket_issue

__all__ = [
    "BookingInput",
    "DayQuota",
    "ServiceInput",
    "booking_cancel",
    "booking_cancelled_text",
    "booking_check_in",
    "booking_code_normalize",
    "booking_create",
    "booking_sms_text",
    "bookings_expire",
    "counter_call_next",
    "counter_finish",
    "counter_recall",
    "counter_save",
    "counter_skip",
    "counter_transfer",
    "current_ticket",
    "day_quota",
    "desk_ticket_issue",
    "office_setup",
    "queue_order",
    "quota_set",
    "quota_source_label",
    "service_save",
    "ticket_for_kiosk",
    "ticket_issue",
]
