"""Writes of cases: receiving (`case_file`), routing (`route_for`, the rules), handling
(`case_transition`, `case_reporter_act`) and escalation (`cases_escalate_overdue`)."""

from .intake import (
    ANSWER_DAYS,
    MAX_PHOTOS,
    MAX_TEXT,
    VERIFY_DAYS,
    case_file,
    citizen_report_create,
    text_clean,
    tracking_code_new,
    tracking_code_normalize,
)
from .overdue import cases_escalate_overdue, overdue_q
from .routing import (
    Route,
    category_from_text,
    category_normalize,
    route_for,
    routing_rule_delete,
    routing_rule_save,
    routing_rules_seed,
)
from .transitions import case_reporter_act, case_transition

__all__ = [
    "ANSWER_DAYS",
    "MAX_PHOTOS",
    "MAX_TEXT",
    "VERIFY_DAYS",
    "Route",
    "case_file",
    "case_reporter_act",
    "case_transition",
    "cases_escalate_overdue",
    "category_from_text",
    "category_normalize",
    "citizen_report_create",
    "overdue_q",
    "route_for",
    "routing_rule_delete",
    "routing_rule_save",
    "routing_rules_seed",
    "text_clean",
    "tracking_code_new",
    "tracking_code_normalize",
]
