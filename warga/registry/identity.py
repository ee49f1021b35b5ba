"""Structural checks for the NIK (Nomor Induk Kependudukan) and the KK (Kartu Keluarga) number.

Both numbers are 16 digits and carry meaning, so many typing and
data-entry mistakes can be caught without asking Dukcapil:

NIK ``PPKKCC DDMMYY SSSS``
    ``PPKKCC``  kecamatan of first registration (the dotted code ``PP.KK.CC``
                without dots). It never changes when the person moves, so it
                is checked against *all* known kecamatan, not the current one.
    ``DDMMYY``  birth date; women have 40 added to the day (``41``–``71``).
                The century is not encoded and has to be inferred.
    ``SSSS``    serial ``0001``–``9999`` among people registered in that
                kecamatan with that birth date.

KK ``RRRRRR DDMMYY SSSS``
    ``RRRRRR``  the issuing region: a kecamatan code, or a kabupaten/kota
                code followed by ``00`` (cards issued at kabupaten level).
    ``DDMMYY``  the issue date of the number (no +40 here).
    ``SSSS``    serial ``0001``–``9999``.

What is *not* verifiable offline, and therefore not checked: whether the
number was actually issued, whether the serial is the right one, whether the
kecamatan existed at that date (regions split and get renumbered), and the
century of any date. Both checks only say "this number cannot be right", never
"this number is right".

Every problem found is reported as its own :class:`IdentityError`, so a form
can show all of them at once instead of making the clerk fix one at a time.
Error ``code`` values are stable and meant for programs (API clients, tests,
import reports); ``message`` is translated when the error is created, in the
language active at that moment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.utils.translation import gettext as _

__all__ = [
    "IdentityError",
    "KkCheck",
    "NikCheck",
    "Sex",
    "check_kk",
    "check_nik",
    "make_nik",
    "nik_birth_date",
]

Sex = Literal["M", "F"]

NUMBER_LENGTH = 16
FEMALE_DAY_OFFSET = 40

_DIGITS = re.compile(r"[0-9]*")
_KECAMATAN_CODE = re.compile(r"([0-9]{2})\.?([0-9]{2})\.?([0-9]{2})")

# Accepted spellings of sex when a caller passes one in. Indonesian forms use
# L/P (laki-laki/perempuan), some imports use W (wanita); the rest of Warga
# uses M/F.
_SEX_ALIASES: dict[str, Sex] = {"M": "M", "L": "M", "F": "F", "P": "F", "W": "F"}


@dataclass(frozen=True)
class IdentityError:
    """One problem with a NIK or KK number.

    ``code`` is stable and safe to branch on; ``message`` is for humans and is
    already translated.
    """

    code: str
    message: str


@dataclass(frozen=True)
class NikCheck:
    """Result of :func:`check_nik`.

    The decoded fields are filled in for each part that is valid on its own,
    so a caller can still use e.g. the birth date of a NIK whose kecamatan is
    unknown. ``sex`` is known whenever the day is in 01–31 or 41–71, even if
    the date itself is impossible (``710299``). Nothing is decoded when the
    length or the characters are wrong. ``nik`` is the input with surrounding
    whitespace removed.
    """

    nik: str
    valid: bool
    errors: list[IdentityError] = field(default_factory=list)
    kecamatan_code: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    serial: str | None = None


@dataclass(frozen=True)
class KkCheck:
    """Result of :func:`check_kk`; see :class:`NikCheck`.

    ``region_code`` is dotted (``"32.14.01"`` for a kecamatan, ``"32.14"`` for a
    kabupaten/kota) and ``region_level`` says which of the two it is.
    """

    kk: str
    valid: bool
    errors: list[IdentityError] = field(default_factory=list)
    region_code: str | None = None
    region_level: Literal["kecamatan", "kabupaten"] | None = None
    issue_date: date | None = None
    serial: str | None = None


# --------------------------------------------------------------------------- dates


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _century_candidates(day: int, month: int, yy: int, today: date) -> list[date]:
    """Real dates with these DDMMYY digits in this century and the previous one, newest first.

    Two centuries are enough: nobody holding a NIK or a KK was born or issued
    more than ~120 years ago. Looking further back would only produce answers
    like 29 February 1600 for a ``290200`` seen from 1999.
    """
    century = today.year // 100 * 100
    years = (century + yy, century - 100 + yy)
    return [d for d in (_date_or_none(y, month, day) for y in years) if d is not None]


def _infer_date(day: int, month: int, yy: int, today: date) -> tuple[date | None, bool]:
    """Return ``(date, exists)``.

    ``date`` is the latest real date with these digits that is not after
    ``today``; ``exists`` tells "no such calendar date" (``310299``) apart from
    "only exists in the future" (``290200`` seen from January 2000), which are
    different mistakes and get different messages.
    """
    candidates = _century_candidates(day, month, yy, today)
    for candidate in candidates:
        if candidate <= today:
            return candidate, True
    return None, bool(candidates)


def nik_birth_date(ddmmyy: str, *, today: date) -> date | None:
    """Decode the ``DDMMYY`` part of a NIK into a date, or ``None`` if impossible.

    A day of 41–71 is read as a woman's day + 40. The century is not stored in
    the NIK, so the latest matching date not after ``today`` is chosen: seen
    from 2026, ``"010105"`` is 2005 and ``"010199"`` is 1999. That is right for
    everyone younger than a hundred, which is as good as two digits allow.
    Malformed input (not six ASCII digits) also gives ``None``.
    """
    if len(ddmmyy) != 6 or not _DIGITS.fullmatch(ddmmyy):
        return None
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
    return _infer_date(day, month, yy, today)[0]


def _dd_mm_yyyy(value: date) -> str:
    # Written out with the four-digit year so it cannot be confused with a
    # NIK fragment in the same message.
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


# --------------------------------------------------------------------------- shared parts


def _format_errors(value: str, *, prefix: str) -> list[IdentityError]:
    """Length and character errors; both are reported if both apply."""
    errors = []
    if not _DIGITS.fullmatch(value):
        message = (
            _("NIK may contain only the digits 0-9")
            if prefix == "nik"
            else _("KK number may contain only the digits 0-9")
        )
        errors.append(IdentityError(f"{prefix}.not_digits", message))
    if len(value) != NUMBER_LENGTH:
        message = (
            _("NIK must be exactly 16 digits")
            if prefix == "nik"
            else _("KK number must be exactly 16 digits")
        )
        errors.append(IdentityError(f"{prefix}.length", message))
    return errors


def _serial(value: str, *, prefix: str) -> tuple[str | None, list[IdentityError]]:
    serial = value[12:]
    if serial == "0000":
        # Serials are counted from 1; 0000 is what a form produces when the
        # last digits were never filled in.
        return None, [IdentityError(f"{prefix}.serial_zero", _("serial number 0000 is not valid"))]
    return serial, []


def _normalise_sex(value: str) -> Sex:
    try:
        return _SEX_ALIASES[value.strip().upper()]
    except KeyError:
        raise ValueError(f"unknown sex {value!r}; use 'M' or 'F' (or 'L'/'P')") from None


# --------------------------------------------------------------------------- NIK


def check_nik(
    nik: str,
    *,
    kecamatan_lookup: Callable[[str], str | None],
    sex: str | None = None,
    birth_date: date | None = None,
    today: date | None = None,
) -> NikCheck:
    """Check the structure of a NIK and decode what it says.

    ``kecamatan_lookup`` gets the six undotted digits and returns the dotted
    code when that kecamatan exists (callers wire it to the region table; the
    check itself stays free of the database so it can run in imports, forms
    and tests alike).

    ``sex`` (``"M"``/``"F"``, ``"L"``/``"P"`` also accepted) and
    ``birth_date`` are the values recorded elsewhere for the same person; when
    given they must agree with the NIK. Only day, month and the two-digit year
    are compared, because the NIK does not store the century: a person born
    in 1926 has the same NIK digits as one born in 2026. When they agree, the
    returned ``birth_date`` is the given one (it carries the century the NIK
    lacks).

    ``today`` defaults to :meth:`date.today`; pass
    ``django.utils.timezone.localdate()`` from request code so the server's
    time zone cannot shift the day.

    A NIK with the wrong length or non-digit characters is not decoded any
    further: guessing which digit is missing would only produce misleading
    follow-up errors. Raises ``ValueError`` only for an unknown ``sex`` value,
    which is a programming error rather than bad input.
    """
    value = nik.strip()
    today = today or date.today()
    expected_sex = _normalise_sex(sex) if sex is not None else None

    errors = _format_errors(value, prefix="nik")
    if errors:
        return NikCheck(nik=value, valid=False, errors=errors)

    code6 = value[:6]
    kecamatan_code = kecamatan_lookup(code6) or None
    if kecamatan_code is None:
        errors.append(
            IdentityError("nik.unknown_kecamatan", _("kecamatan code %(code)s is unknown") % {"code": code6})
        )

    raw_day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    decoded_sex: Sex | None
    if 1 <= raw_day <= 31:
        decoded_sex, day = "M", raw_day
    elif FEMALE_DAY_OFFSET + 1 <= raw_day <= FEMALE_DAY_OFFSET + 31:
        decoded_sex, day = "F", raw_day - FEMALE_DAY_OFFSET
    else:
        decoded_sex, day = None, raw_day
    # In messages, show the date as the person knows it (day without the +40).
    shown = f"{day:02d}{month:02d}{yy:02d}"

    nik_date: date | None = None
    exists = False
    if decoded_sex is not None:
        nik_date, exists = _infer_date(day, month, yy, today)
    if nik_date is None:
        if exists:
            message = _("birth date %(date)s is in the future") % {"date": shown}
            errors.append(IdentityError("nik.future_birth_date", message))
        else:
            message = _("birth date %(date)s does not exist") % {"date": shown}
            errors.append(IdentityError("nik.invalid_date", message))

    serial, serial_errors = _serial(value, prefix="nik")
    errors.extend(serial_errors)

    if expected_sex is not None and decoded_sex is not None and expected_sex != decoded_sex:
        if decoded_sex == "F":
            message = _("the NIK is coded for a woman (birth day + 40) but the given sex is male")
        else:
            message = _("the NIK is coded for a man but the given sex is female")
        errors.append(IdentityError("nik.sex_mismatch", message))

    if birth_date is not None:
        if birth_date > today:
            errors.append(
                IdentityError(
                    "nik.future_birth_date",
                    _("birth date %(date)s is in the future") % {"date": _dd_mm_yyyy(birth_date)},
                )
            )
        if nik_date is not None:
            if (birth_date.day, birth_date.month, birth_date.year % 100) == (day, month, yy):
                nik_date = birth_date
            else:
                errors.append(
                    IdentityError(
                        "nik.birth_date_mismatch",
                        _(
                            "birth date in the NIK (%(nik_date)s) does not match the given birth date (%(date)s)"
                        )
                        % {"nik_date": shown, "date": _dd_mm_yyyy(birth_date)},
                    )
                )

    return NikCheck(
        nik=value,
        valid=not errors,
        errors=errors,
        kecamatan_code=kecamatan_code,
        birth_date=nik_date,
        sex=decoded_sex,
        serial=serial,
    )


def make_nik(*, kecamatan_code: str, birth_date: date, sex: str, serial: int) -> str:
    """Build a structurally valid NIK (for demo data and tests; real NIKs come from Dukcapil).

    ``kecamatan_code`` may be dotted (``"32.14.01"``) or not (``"321401"``).
    Raises ``ValueError`` for anything that could not appear in a real NIK,
    so broken fixtures fail where they are made rather than in a later check.
    """
    match = _KECAMATAN_CODE.fullmatch(kecamatan_code.strip())
    if match is None:
        raise ValueError(
            f"kecamatan code must be 6 digits, optionally dotted as PP.KK.CC: {kecamatan_code!r}"
        )
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be between 1 and 9999, got {serial}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if _normalise_sex(sex) == "F" else 0)
    return f"{''.join(match.groups())}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


# --------------------------------------------------------------------------- KK


def check_kk(kk: str, *, region_lookup: Callable[[str], bool], today: date | None = None) -> KkCheck:
    """Check the structure of a KK number.

    ``region_lookup`` gets undotted digits and says whether that region
    exists: first the six-digit kecamatan code, and, only if that is unknown
    and the code ends in ``00``, the four-digit kabupaten/kota code (kecamatan
    numbers start at 01, so ``PPKK00`` can only mean the kabupaten itself).

    The issue date must be a real calendar date not after ``today``; its
    century is inferred as for the NIK. No earliest date is enforced: there
    is no single documented start date for this number format, so any past
    date is accepted. ``today`` defaults as in :func:`check_nik`.
    """
    value = kk.strip()
    today = today or date.today()

    errors = _format_errors(value, prefix="kk")
    if errors:
        return KkCheck(kk=value, valid=False, errors=errors)

    code6 = value[:6]
    region_code: str | None = None
    region_level: Literal["kecamatan", "kabupaten"] | None = None
    if region_lookup(code6):
        region_code, region_level = f"{code6[:2]}.{code6[2:4]}.{code6[4:]}", "kecamatan"
    elif code6.endswith("00") and region_lookup(code6[:4]):
        region_code, region_level = f"{code6[:2]}.{code6[2:4]}", "kabupaten"
    else:
        errors.append(
            IdentityError("kk.unknown_region", _("region code %(code)s is unknown") % {"code": code6})
        )

    shown = value[6:12]
    issue_date, exists = _infer_date(int(value[6:8]), int(value[8:10]), int(value[10:12]), today)
    if issue_date is None:
        if exists:
            errors.append(
                IdentityError("kk.future_date", _("issue date %(date)s is in the future") % {"date": shown})
            )
        else:
            errors.append(
                IdentityError("kk.invalid_date", _("issue date %(date)s does not exist") % {"date": shown})
            )

    serial, serial_errors = _serial(value, prefix="kk")
    errors.extend(serial_errors)

    return KkCheck(
        kk=value,
        valid=not errors,
        errors=errors,
        region_code=region_code,
        region_level=region_level,
        issue_date=issue_date,
        serial=serial,
    )
