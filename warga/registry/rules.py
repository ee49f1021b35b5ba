"""The rules for a resident's fields, in one place.

Forms, API schemas, the register services, the bulk import and the application catalogue all
call these, so a value one channel accepts is one every other channel accepts. Each rule takes
the raw value and returns it normalised (whitespace collapsed, defaults filled) or raises
:class:`RuleError` with the field name, a stable code and a message in the active language.

The rules are plain functions without database access: the NIK and KK rules take the region
lookups as arguments (the register wires them to the region table, the import to tables it
loaded once). Checks that need other rows (a NIK already taken, one head per KK) stay in the
services and the import's staging queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from pydantic_core import PydanticCustomError

from warga.core.errors import InvalidInput
from warga.messaging.phones import normalize_msisdn

from .identity import check_kk, check_nik
from .models import BloodType, Citizenship, Education, MaritalStatus, Relationship, Religion, Sex

T = TypeVar("T")

OLDEST_DATE = date(1880, 1, 1)
NAME_MAX_LENGTH = 120
RT_RW_MIN, RT_RW_MAX = 1, 999
BIRTH_PLACE_MAX_LENGTH = 80
OCCUPATION_MAX_LENGTH = 80
ADDRESS_MAX_LENGTH = 200

# A person's name as the register has always taken it (the rule `resident_create` applied):
# a letter first, then letters (any script, so "Ni Luh Putu Ayu", "Étienne" and Arabic or
# Javanese script pass), spaces, and the punctuation Indonesian names and titles use:
# "Moch. Djoko", "Drs. H. Ahmad, S.Pd.", "Ma'ruf" (with ' ` or ’) and "Siti-Aminah".
# Digits and underscores are refused: "Budi2" and "Ani_Sari" are typing or export mistakes.
_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'`’\-])*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field; `code` is stable, `message` already translated."""

    field: str
    code: str
    message: str

    def as_detail(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class RuleError(ValueError):
    """A field's value breaks its rule. Carries every problem found in that field (a NIK can
    have several at once); `field`, `code` and `message` are those of the first."""

    def __init__(self, *problems: Problem):
        if not problems:
            raise TypeError("RuleError needs at least one problem")
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @property
    def field(self) -> str:
        return self.problems[0].field

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return self.problems[0].message

    def details(self) -> list[dict[str, str]]:
        return [p.as_detail() for p in self.problems]


def _fail(field: str, code: str, message: str) -> RuleError:
    return RuleError(Problem(field, code, message))


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def collapse(value: Any) -> str:
    """Text with runs of whitespace (any kind, line breaks included) made one space."""
    return " ".join(str(value if value is not None else "").split())


# --------------------------------------------------------------------------- names and text


def person_name(value: Any, *, field: str = "full_name", label: Any = None, required: bool = True) -> str:
    """A person's name: whitespace collapsed; "" when optional and empty."""
    text = collapse(value)
    shown = label if label is not None else _("Full name")
    if not text:
        if required:
            raise _fail(field, "required", _("%(label)s is required.") % {"label": shown})
        return ""
    if len(text) > NAME_MAX_LENGTH or not _NAME_RE.match(text):
        raise _fail(
            field,
            "invalid_name",
            _("%(label)s may contain letters, spaces and . , ' - only.") % {"label": shown},
        )
    return text


def free_text(value: Any, *, limit: int) -> str:
    """Place of birth, occupation, address: whitespace collapsed and cut to the column's size."""
    return collapse(value)[:limit]


# --------------------------------------------------------------------------- numbers


def nik(
    value: Any,
    *,
    kecamatan_lookup: Callable[[str], str | None],
    sex: str | None = None,
    birth_date: date | None = None,
    today: date | None = None,
    field: str = "nik",
) -> str:
    """A NIK whose structure is right (see `identity.check_nik`), spaces removed.

    `sex` and `birth_date`, when known, must agree with what the NIK encodes (day + 40 for a
    woman); a sex other than M/F is left for the sex rule to report."""
    text = str(value if value is not None else "").strip().replace(" ", "")
    result = check_nik(
        text,
        kecamatan_lookup=kecamatan_lookup,
        sex=sex if sex in Sex.values else None,
        birth_date=birth_date,
        today=_today(today),
    )
    if result.errors:
        raise RuleError(*(Problem(field, e.code, e.message) for e in result.errors))
    return result.nik


def kk_number(
    value: Any, *, region_lookup: Callable[[str], bool], today: date | None = None, field: str = "kk_number"
) -> str:
    """A KK number whose structure is right (see `identity.check_kk`), spaces removed."""
    text = str(value if value is not None else "").strip().replace(" ", "")
    result = check_kk(text, region_lookup=region_lookup, today=_today(today))
    if result.errors:
        raise RuleError(*(Problem(field, e.code, e.message) for e in result.errors))
    return result.kk


_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")


def nik_shape(value: Any, *, field: str = "nik") -> str:
    """Sixteen digits, nothing more: for a NIK of someone who need not be in this register."""
    text = str(value if value is not None else "").strip()
    if not _SIXTEEN_DIGITS.fullmatch(text):
        raise _fail(field, "nik.shape", _("A NIK has exactly 16 digits."))
    return text


def kk_shape(value: Any, *, field: str = "kk_number") -> str:
    """Sixteen digits, nothing more: a KK number as an applicant types it."""
    text = str(value if value is not None else "").strip()
    if not _SIXTEEN_DIGITS.fullmatch(text):
        raise _fail(field, "kk.shape", _("A KK number has exactly 16 digits."))
    return text


def rt_rw(value: Any, *, field: str, label: Any = None) -> int | None:
    """RT or RW: a number from 1 to 999, or None when not given."""
    if value in (None, ""):
        return None
    if isinstance(value, str):  # digits 0-9 only: int() would also take "+5", "1_0" and other scripts
        text = value.strip()
        number = int(text) if text.isascii() and text.isdigit() else RT_RW_MIN - 1
    else:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = RT_RW_MIN - 1
    if not RT_RW_MIN <= number <= RT_RW_MAX:
        shown = label if label is not None else field.upper()
        raise _fail(field, "invalid", _("%(label)s must be a number from 1 to 999.") % {"label": shown})
    return number


# --------------------------------------------------------------------------- dates


def date_value(value: Any, *, field: str, label: Any) -> date:
    """A date given as a date, a datetime or an ISO string (YYYY-MM-DD)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise _fail(field, "invalid_date", _("%(label)s is not a real date.") % {"label": label})
        return parsed
    raise _fail(field, "required", _("%(label)s is required.") % {"label": label})


def past_date(value: date, *, field: str, label: Any, today: date | None = None) -> date:
    """A date that has happened and is not before 1880 (births, deaths, events, issue dates)."""
    if value > _today(today):
        raise _fail(field, "future_date", _("%(label)s cannot be in the future.") % {"label": label})
    if value < OLDEST_DATE:
        raise _fail(field, "impossible_date", _("%(label)s is too far in the past.") % {"label": label})
    return value


def birth_date(value: Any, *, today: date | None = None, field: str = "birth_date") -> date:
    """A date of birth: a real date, not in the future, not before 1880."""
    label = _("Date of birth")
    return past_date(date_value(value, field=field, label=label), field=field, label=label, today=today)


# --------------------------------------------------------------------------- choices


def choice(value: Any, *, field: str, label: Any, choices: Iterable[str], default: str | None = None) -> str:
    """One of `choices`, surrounding spaces removed; an empty value gives `default` when there is one."""
    text = "" if value is None else str(value).strip()
    if not text and default is not None:
        return default
    if text not in choices:
        raise _fail(field, "invalid_choice", _("%(label)s has an unknown value.") % {"label": label})
    return text


def sex(value: Any) -> str:
    return choice(value, field="sex", label=_("Sex"), choices=Sex.values)


def religion(value: Any) -> str:
    """A religion, or "" when not recorded."""
    return choice(value, field="religion", label=_("Religion"), choices=Religion.values, default="")


def marital_status(value: Any) -> str:
    """A marital status; not given means not married."""
    return choice(
        value,
        field="marital_status",
        label=_("Marital status"),
        choices=MaritalStatus.values,
        default=MaritalStatus.SINGLE,
    )


def education(value: Any) -> str:
    return choice(value, field="education", label=_("Education"), choices=Education.values, default="")


def blood_type(value: Any) -> str:
    return choice(value, field="blood_type", label=_("Blood type"), choices=BloodType.values, default="")


def citizenship(value: Any) -> str:
    """Citizenship; not given means Indonesian (WNI)."""
    return choice(
        value,
        field="citizenship",
        label=_("Citizenship"),
        choices=Citizenship.values,
        default=Citizenship.WNI,
    )


def relationship(value: Any) -> str:
    """Relationship to the head of the KK; required."""
    label = _("Relationship to head")
    if not collapse(value):
        raise _fail("relationship", "required", _("%(label)s is required.") % {"label": label})
    return choice(value, field="relationship", label=label, choices=Relationship.values)


# --------------------------------------------------------------------------- phone


def phone(value: Any, *, field: str = "number") -> str:
    """An Indonesian mobile number in E.164 (+62…), the form SMS is sent to."""
    try:
        return normalize_msisdn(str(value if value is not None else ""))
    except InvalidInput as exc:
        raise _fail(field, exc.code, str(exc.message)) from exc


# --------------------------------------------------------------------------- adapters


def collect(
    errors: list[dict[str, str]], rule: Callable[..., Any], value: Any, fallback: Any, **options: Any
) -> Any:
    """Run a rule for code that reports every problem at once: the value, or `fallback` with the
    problems appended to `errors` (as the services' `InvalidInput.details` carry them)."""
    try:
        return rule(value, **options)
    except RuleError as exc:
        errors.extend(exc.details())
        return fallback


def pydantic_check(rule: Callable[..., T], value: Any, **options: Any) -> T:
    """Run a rule inside a pydantic validator: the normalised value, or the rule's message as the
    validation error (the API shows it under the field's name)."""
    try:
        return rule(value, **options)
    except RuleError as exc:
        # The message is data, not a template: braces in it must not be read as placeholders.
        raise PydanticCustomError(exc.code, str(exc).replace("{", "{{").replace("}", "}}")) from exc
