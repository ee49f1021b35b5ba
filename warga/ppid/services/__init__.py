"""Writes of the public information service: receiving requests (`request_file`), the workflow
(`request_transition`), answer documents and their links, objections and disputes, escalation."""

from ._common import file_check, number_format, number_normalize, text_clean
from .documents import document_attach, download_open, download_token, link_days
from .intake import (
    OFFICER_CHANNELS,
    REQUEST_UNIT_KINDS,
    RequestInput,
    main_unit,
    request_due,
    request_file,
    request_units,
)
from .objections import (
    dispute_record,
    dispute_window,
    objection_decide,
    objection_file,
    objection_window,
    requester_request,
)
from .overdue import requests_escalate_overdue
from .registers import (
    ExemptionInput,
    InformationInput,
    exemption_for_refusal,
    exemption_save,
    exemption_withdraw,
    information_document_attach,
    information_save,
    information_withdraw,
    periodic_published_on,
    registers_visible,
)
from .transitions import request_transition
from .workflow import ACTIONS, Decision

__all__ = [
    "ACTIONS",
    "OFFICER_CHANNELS",
    "REQUEST_UNIT_KINDS",
    "Decision",
    "ExemptionInput",
    "InformationInput",
    "RequestInput",
    "dispute_record",
    "dispute_window",
    "document_attach",
    "download_open",
    "download_token",
    "exemption_for_refusal",
    "exemption_save",
    "exemption_withdraw",
    "file_check",
    "information_document_attach",
    "information_save",
    "information_withdraw",
    "link_days",
    "main_unit",
    "number_format",
    "number_normalize",
    "objection_decide",
    "objection_file",
    "objection_window",
    "periodic_published_on",
    "registers_visible",
    "request_due",
    "request_file",
    "request_transition",
    "request_units",
    "requester_request",
    "requests_escalate_overdue",
    "text_clean",
]
