"""Writes to the population register.

Every service checks a capability, loads what it changes through the actor's scope, validates
everything before writing anything (so bad input leaves the register unchanged), writes the
change, a history row with old and new values, and an audit row without personal values, all
in one transaction.

The services live in one module per concern (residents, families, events, moves, phones,
numbers); this package re-exports them, so callers import from `warga.registry.services`.
"""

from __future__ import annotations

from ._common import MIN_REASON_LENGTH, SPOUSES
from .events import MIN_MARRIAGE_AGE, birth_register, death_register, divorce_register, marriage_register
from .families import (
    FAMILY_FIELDS,
    family_add_member,
    family_create,
    family_remove_member,
    family_split,
    family_update,
)
from .moves import move_in, move_out, move_within
from .numbers import kk_issue, nik_issue
from .phones import (
    CONSENT_CHANNELS,
    OTP_LENGTH,
    OTP_MAX_ATTEMPTS,
    OTP_RESEND_AFTER,
    OTP_TTL,
    phone_add,
    phone_consent_set,
    phone_resend_code,
    phone_verify,
)
from .residents import CORRECTABLE_FIELDS, resident_correct, resident_create, resident_enter
from .statistics import register_analyze

__all__ = [
    "CONSENT_CHANNELS",
    "CORRECTABLE_FIELDS",
    "FAMILY_FIELDS",
    "MIN_MARRIAGE_AGE",
    "MIN_REASON_LENGTH",
    "OTP_LENGTH",
    "OTP_MAX_ATTEMPTS",
    "OTP_RESEND_AFTER",
    "OTP_TTL",
    "SPOUSES",
    "birth_register",
    "death_register",
    "divorce_register",
    "family_add_member",
    "family_create",
    "family_remove_member",
    "family_split",
    "family_update",
    "kk_issue",
    "marriage_register",
    "move_in",
    "move_out",
    "move_within",
    "nik_issue",
    "phone_add",
    "phone_consent_set",
    "phone_resend_code",
    "phone_verify",
    "register_analyze",
    "resident_correct",
    "resident_create",
    "resident_enter",
]
