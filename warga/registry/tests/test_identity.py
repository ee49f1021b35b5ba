"""Tests for the NIK and KK structural checks (no database needed)."""

from __future__ import annotations

import ast
import dataclasses
import gettext as stdlib_gettext
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

# These tests only need gettext. Under the project's pytest-django setup the
# settings are already configured; run on their own, configure the minimum.
if not settings.configured:
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="id",
        LANGUAGES=[("id", "Bahasa Indonesia"), ("en", "English")],
        INSTALLED_APPS=[],
        LOCALE_PATHS=[],
    )
if not apps.ready:
    django.setup()

from django.test import override_settings
from django.utils import translation

from warga.registry.identity import (
    IdentityError,
    check_kk,
    check_nik,
    make_nik,
    nik_birth_date,
)

TODAY = date(2026, 6, 15)

KECAMATAN = {
    "321401": "32.14.01",  # Purwakarta, Kab. Purwakarta
    "327301": "32.73.01",  # Kota Bandung
    "317101": "31.71.01",  # Jakarta Pusat
}
REGIONS = {"321401", "327301", "317101", "3214", "3273", "3171"}

PO_FILE = Path(__file__).resolve().parents[1] / "locale" / "id" / "LC_MESSAGES" / "django.po"
IDENTITY_SOURCE = Path(__file__).resolve().parents[1] / "identity.py"


def nik(value: str, **kwargs: object):
    kwargs.setdefault("today", TODAY)
    return check_nik(value, kecamatan_lookup=KECAMATAN.get, **kwargs)  # type: ignore[arg-type]


def kk(value: str, **kwargs: object):
    kwargs.setdefault("today", TODAY)
    return check_kk(value, region_lookup=REGIONS.__contains__, **kwargs)  # type: ignore[arg-type]


def codes(result) -> list[str]:
    return [error.code for error in result.errors]


@pytest.fixture(autouse=True, scope="module")
def english() -> Iterator[None]:
    # Messages are asserted in English unless a test switches to Indonesian.
    with translation.override("en"):
        yield


# --------------------------------------------------------------------------- NIK: valid numbers


def test_valid_male_nik_is_decoded():
    result = nik("3214011505900001")
    assert result.valid
    assert result.errors == []
    assert result.nik == "3214011505900001"
    assert result.kecamatan_code == "32.14.01"
    assert result.birth_date == date(1990, 5, 15)
    assert result.sex == "M"
    assert result.serial == "0001"


def test_valid_female_nik_has_day_plus_40():
    result = nik("3214015505900002")
    assert result.valid
    assert result.birth_date == date(1990, 5, 15)
    assert result.sex == "F"
    assert result.serial == "0002"


@pytest.mark.parametrize(
    ("day_field", "sex", "day"),
    [("01", "M", 1), ("31", "M", 31), ("41", "F", 1), ("71", "F", 31)],
)
def test_day_field_boundaries(day_field, sex, day):
    result = nik(f"327301{day_field}0185" + "0420")
    assert result.valid, result.errors
    assert result.sex == sex
    assert result.birth_date == date(1985, 1, day)


def test_surrounding_whitespace_is_ignored():
    result = nik("  3214011505900001\n")
    assert result.valid
    assert result.nik == "3214011505900001"


@pytest.mark.parametrize("number", ["3214012902000001", "3214016902000001", "3214012902960007"])
def test_29_february_in_a_leap_year_is_valid(number):
    result = nik(number)
    assert result.valid, result.errors
    assert (result.birth_date.month, result.birth_date.day) == (2, 29)


# --------------------------------------------------------------------------- NIK: dates


@pytest.mark.parametrize("number", ["3214012902010001", "3214016902010001", "3214012902990001"])
def test_29_february_in_a_non_leap_year_is_invalid(number):
    result = nik(number)
    assert codes(result) == ["nik.invalid_date"]
    assert result.birth_date is None
    assert result.errors[0].message == f"birth date {'2902' + number[10:12]} does not exist"


def test_29_february_1900_is_not_a_leap_day():
    # Seen from 1999, "00" can only be 1900, which was not a leap year.
    result = nik("3214012902000001", today=date(1999, 12, 31))
    assert codes(result) == ["nik.invalid_date"]


def test_31_february_1999_does_not_exist():
    result = nik("3214013102990001")
    assert not result.valid
    assert codes(result) == ["nik.invalid_date"]
    assert result.errors[0].message == "birth date 310299 does not exist"
    # Everything else is still decoded.
    assert result.kecamatan_code == "32.14.01"
    assert result.sex == "M"
    assert result.serial == "0001"


def test_female_invalid_date_is_shown_without_the_40():
    result = nik("3214017102990001")
    assert codes(result) == ["nik.invalid_date"]
    assert result.errors[0].message == "birth date 310299 does not exist"
    assert result.sex == "F"


@pytest.mark.parametrize("day_field", ["00", "32", "35", "40", "72", "99"])
def test_day_outside_both_ranges_is_invalid_and_sex_unknown(day_field):
    result = nik(f"321401{day_field}05900001")
    assert codes(result) == ["nik.invalid_date"]
    assert result.sex is None
    assert result.birth_date is None


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_impossible_month_is_invalid(month):
    assert codes(nik(f"32140115{month}900001")) == ["nik.invalid_date"]


def test_birth_date_only_possible_in_the_future_is_an_error():
    # From 15 January 2000, 29-02-00 would be next month; 1900 had no 29 February.
    result = nik("3214012902000001", today=date(2000, 1, 15))
    assert codes(result) == ["nik.future_birth_date"]
    assert result.errors[0].message == "birth date 290200 is in the future"
    assert result.birth_date is None


def test_birth_today_is_not_in_the_future():
    result = nik(make_nik(kecamatan_code="32.14.01", birth_date=TODAY, sex="F", serial=9))
    assert result.valid
    assert result.birth_date == TODAY


def test_given_birth_date_in_the_future_is_an_error():
    future = TODAY + timedelta(days=1)
    number = make_nik(kecamatan_code="321401", birth_date=future.replace(year=1926), sex="M", serial=1)
    result = nik(number, birth_date=future)
    assert codes(result) == ["nik.future_birth_date"]
    assert result.errors[0].message == f"birth date {future:%d-%m-%Y} is in the future"


# --------------------------------------------------------------------------- century inference


@pytest.mark.parametrize(
    ("ddmmyy", "today", "expected"),
    [
        ("010105", date(2026, 1, 1), date(2005, 1, 1)),
        ("010199", date(2026, 1, 1), date(1999, 1, 1)),
        ("150626", date(2026, 6, 15), date(2026, 6, 15)),  # today itself
        ("160626", date(2026, 6, 15), date(1926, 6, 16)),  # tomorrow is a century ago
        ("010100", date(2026, 6, 15), date(2000, 1, 1)),
        ("311299", date(2000, 1, 1), date(1999, 12, 31)),
        ("450380", date(2026, 6, 15), date(1980, 3, 5)),  # women's day + 40
        ("290200", date(2026, 6, 15), date(2000, 2, 29)),
        ("290204", date(2026, 6, 15), date(2004, 2, 29)),
        ("290203", date(2026, 6, 15), None),
        ("310299", date(2026, 6, 15), None),
        ("000190", date(2026, 6, 15), None),
        ("011390", date(2026, 6, 15), None),
        ("12345", date(2026, 6, 15), None),
        ("1a0190", date(2026, 6, 15), None),
    ],
)
def test_nik_birth_date_century(ddmmyy, today, expected):
    assert nik_birth_date(ddmmyy, today=today) == expected


def test_matching_birth_date_supplies_the_century():
    # Seen from December 2026, 150626 reads as 2026; a recorded birth date in
    # 1926 agrees with the digits and supplies the century the NIK lacks.
    result = nik("3214011506260001", birth_date=date(1926, 6, 15), today=date(2026, 12, 1))
    assert result.valid
    assert result.birth_date == date(1926, 6, 15)


# --------------------------------------------------------------------------- NIK: other parts


def test_unknown_kecamatan():
    result = nik("3214991505900001")
    assert codes(result) == ["nik.unknown_kecamatan"]
    assert result.errors[0].message == "kecamatan code 321499 is unknown"
    assert result.kecamatan_code is None
    assert result.birth_date == date(1990, 5, 15)


def test_kecamatan_lookup_gets_the_undotted_code():
    seen: list[str] = []

    def lookup(code: str) -> str | None:
        seen.append(code)
        return None

    check_nik("3273011505900001", kecamatan_lookup=lookup, today=TODAY)
    assert seen == ["327301"]


def test_empty_lookup_result_counts_as_unknown():
    result = check_nik("3214011505900001", kecamatan_lookup=lambda code: "", today=TODAY)
    assert codes(result) == ["nik.unknown_kecamatan"]
    assert result.kecamatan_code is None


def test_serial_0000_is_invalid():
    result = nik("3214011505900000")
    assert codes(result) == ["nik.serial_zero"]
    assert result.errors[0].message == "serial number 0000 is not valid"
    assert result.serial is None


@pytest.mark.parametrize("serial", ["0001", "0999", "9999"])
def test_serial_range(serial):
    assert nik(f"321401150590{serial}").serial == serial


@pytest.mark.parametrize("number", ["", "3", "321401150590001", "32140115059000011", "32140115059000012345"])
def test_wrong_length(number):
    result = nik(number)
    assert not result.valid
    assert codes(result) == ["nik.length"]
    assert result.errors[0].message == "NIK must be exactly 16 digits"
    assert (result.kecamatan_code, result.birth_date, result.sex, result.serial) == (None, None, None, None)


@pytest.mark.parametrize(
    "number",
    [
        "32140115059000O1",  # letter O for zero
        "321401150590000l",  # letter l for one
        "3214-0115-0590-01",
        "32140115059000０1",  # full-width digit
        "３２１４０１１５０５９０００１",  # all full-width: isdigit() would accept these
    ],
)
def test_non_digits(number):
    result = nik(number)
    assert "nik.not_digits" in codes(result)
    assert result.errors[0].message == "NIK may contain only the digits 0-9"
    assert result.birth_date is None


def test_letters_and_wrong_length_are_both_reported():
    assert codes(nik("32.14.01-150590")) == ["nik.not_digits", "nik.length"]


def test_internal_spaces_are_not_accepted():
    assert codes(nik("3214 0115 0590 0001")) == ["nik.not_digits", "nik.length"]


# --------------------------------------------------------------------------- NIK: consistency


@pytest.mark.parametrize("sex", ["F", "f", "P", "W"])
def test_sex_mismatch_male_nik(sex):
    result = nik("3214011505900001", sex=sex)
    assert codes(result) == ["nik.sex_mismatch"]
    assert result.errors[0].message == "the NIK is coded for a man but the given sex is female"
    assert result.sex == "M"


@pytest.mark.parametrize("sex", ["M", "m", "L", " l "])
def test_sex_mismatch_female_nik(sex):
    result = nik("3214015505900002", sex=sex)
    assert codes(result) == ["nik.sex_mismatch"]
    assert "woman" in result.errors[0].message


@pytest.mark.parametrize(("number", "sex"), [("3214011505900001", "M"), ("3214015505900002", "P")])
def test_matching_sex_is_valid(number, sex):
    assert nik(number, sex=sex).valid


def test_unknown_sex_value_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown sex"):
        nik("3214011505900001", sex="X")


def test_sex_is_not_compared_when_the_day_is_meaningless():
    assert codes(nik("3214013505900001", sex="F")) == ["nik.invalid_date"]


def test_birth_date_mismatch():
    result = nik("3214011505900001", birth_date=date(1990, 5, 16))
    assert codes(result) == ["nik.birth_date_mismatch"]
    assert result.errors[0].message == (
        "birth date in the NIK (150590) does not match the given birth date (16-05-1990)"
    )
    assert result.birth_date == date(1990, 5, 15)


def test_birth_date_mismatch_for_a_woman_compares_the_real_day():
    assert nik("3214015505900002", birth_date=date(1990, 5, 15), sex="F").valid
    result = nik("3214015505900002", birth_date=date(1990, 5, 14))
    assert codes(result) == ["nik.birth_date_mismatch"]
    assert "(150590)" in result.errors[0].message


def test_birth_date_is_not_compared_when_the_nik_date_is_impossible():
    assert codes(nik("3214013102990001", birth_date=date(1999, 3, 3))) == ["nik.invalid_date"]


def test_consistency_is_only_checked_when_given():
    assert nik("3214015505900002").valid
    assert nik("3214015505900002", sex=None, birth_date=None).valid


def test_every_failure_is_reported_separately():
    # Unknown kecamatan, 31 February, serial 0000, and a woman's day with sex "M".
    result = nik("3214997102010000", sex="M", birth_date=date(2001, 2, 28))
    assert codes(result) == [
        "nik.unknown_kecamatan",
        "nik.invalid_date",
        "nik.serial_zero",
        "nik.sex_mismatch",
    ]
    assert not result.valid
    assert result.sex == "F"
    assert (result.kecamatan_code, result.birth_date, result.serial) == (None, None, None)


def test_mismatch_and_future_together():
    result = nik("3214011505900001", sex="F", birth_date=TODAY + timedelta(days=30))
    assert codes(result) == ["nik.sex_mismatch", "nik.future_birth_date", "nik.birth_date_mismatch"]


def test_today_defaults_to_the_current_date():
    assert check_nik("3214011505900001", kecamatan_lookup=KECAMATAN.get).valid


def test_results_are_immutable():
    result = nik("3214011505900001")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        IdentityError("x", "y").code = "z"  # type: ignore[misc]


# --------------------------------------------------------------------------- make_nik


@pytest.mark.parametrize("code", ["32.14.01", "321401", " 32.14.01 "])
def test_make_nik_accepts_dotted_and_undotted_codes(code):
    assert (
        make_nik(kecamatan_code=code, birth_date=date(1990, 5, 15), sex="M", serial=1) == "3214011505900001"
    )


def test_make_nik_adds_40_for_women():
    assert make_nik(kecamatan_code="32.14.01", birth_date=date(1990, 5, 15), sex="F", serial=2) == (
        "3214015505900002"
    )
    assert make_nik(kecamatan_code="32.14.01", birth_date=date(2003, 12, 31), sex="P", serial=9999) == (
        "3214017112039999"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kecamatan_code": "32.14", "sex": "M", "serial": 1},
        {"kecamatan_code": "32.14.0A", "sex": "M", "serial": 1},
        {"kecamatan_code": "3214011", "sex": "M", "serial": 1},
        {"kecamatan_code": "32.14.01", "sex": "M", "serial": 0},
        {"kecamatan_code": "32.14.01", "sex": "M", "serial": 10000},
        {"kecamatan_code": "32.14.01", "sex": "?", "serial": 1},
    ],
)
def test_make_nik_rejects_impossible_input(kwargs):
    with pytest.raises(ValueError):
        make_nik(birth_date=date(1990, 5, 15), **kwargs)


KNOWN_CODES = sorted(KECAMATAN.values())
OLDEST = TODAY.replace(year=TODAY.year - 100) + timedelta(days=1)


@given(
    kecamatan_code=st.sampled_from(KNOWN_CODES),
    birth_date=st.dates(min_value=OLDEST, max_value=TODAY),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_make_nik_round_trip(kecamatan_code, birth_date, sex, serial):
    number = make_nik(kecamatan_code=kecamatan_code, birth_date=birth_date, sex=sex, serial=serial)
    assert len(number) == 16 and number.isascii() and number.isdigit()
    result = nik(number)
    assert result.valid, result.errors
    assert result.kecamatan_code == kecamatan_code
    assert result.birth_date == birth_date
    assert result.sex == sex
    assert result.serial == f"{serial:04d}"
    # And it agrees with itself when the same facts are given.
    assert nik(number, sex=sex, birth_date=birth_date).valid


@given(
    birth_date=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["M", "F"]),
)
def test_given_birth_date_restores_the_century(birth_date, sex):
    number = make_nik(kecamatan_code="31.71.01", birth_date=birth_date, sex=sex, serial=1)
    result = nik(number, birth_date=birth_date, sex=sex)
    assert result.valid, result.errors
    assert result.birth_date == birth_date


@given(
    ddmmyy=st.text(alphabet="0123456789", min_size=6, max_size=6), today=st.dates(min_value=date(1950, 1, 1))
)
def test_nik_birth_date_is_never_after_today(ddmmyy, today):
    decoded = nik_birth_date(ddmmyy, today=today)
    if decoded is not None:
        assert decoded <= today
        assert today.year - decoded.year <= 200
        assert f"{decoded.month:02d}{decoded.year % 100:02d}" == ddmmyy[2:]


# --------------------------------------------------------------------------- KK


def test_valid_kk_issued_by_a_kecamatan():
    result = kk("3214011505100001")
    assert result.valid
    assert result.kk == "3214011505100001"
    assert result.region_code == "32.14.01"
    assert result.region_level == "kecamatan"
    assert result.issue_date == date(2010, 5, 15)
    assert result.serial == "0001"


def test_valid_kk_issued_by_a_kabupaten():
    result = kk("3214000201190042")
    assert result.valid
    assert result.region_code == "32.14"
    assert result.region_level == "kabupaten"
    assert result.issue_date == date(2019, 1, 2)


def test_kk_region_lookup_tries_kecamatan_then_kabupaten():
    seen: list[str] = []

    def lookup(code: str) -> bool:
        seen.append(code)
        return False

    check_kk("3214001505100001", region_lookup=lookup, today=TODAY)
    assert seen == ["321400", "3214"]
    seen.clear()
    check_kk("3214021505100001", region_lookup=lookup, today=TODAY)
    assert seen == ["321402"]  # not ending in 00: no kabupaten fallback


@pytest.mark.parametrize("number", ["3299001505100001", "3214991505100001"])
def test_kk_unknown_region(number):
    result = kk(number)
    assert codes(result) == ["kk.unknown_region"]
    assert result.errors[0].message == f"region code {number[:6]} is unknown"
    assert result.region_code is None
    assert result.region_level is None


@pytest.mark.parametrize(
    "number", ["3214013102990001", "3214015505100001", "3214012902190001", "3214010013100001"]
)
def test_kk_invalid_issue_date(number):
    # No +40 on a KK: day 55 is simply wrong.
    result = kk(number)
    assert codes(result) == ["kk.invalid_date"]
    assert result.errors[0].message == f"issue date {number[6:12]} does not exist"
    assert result.issue_date is None


def test_kk_leap_day():
    assert kk("3214012902200001").issue_date == date(2020, 2, 29)


def test_kk_issue_date_only_possible_in_the_future():
    result = kk("3214012902000001", today=date(2000, 1, 15))
    assert codes(result) == ["kk.future_date"]
    assert result.errors[0].message == "issue date 290200 is in the future"


def test_kk_serial_zero():
    result = kk("3214011505100000")
    assert codes(result) == ["kk.serial_zero"]
    assert result.serial is None


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("", ["kk.length"]),
        ("321401150510001", ["kk.length"]),
        ("32140115051000011", ["kk.length"]),
        ("32140115051000O1", ["kk.not_digits"]),
        ("KK-3214011505", ["kk.not_digits", "kk.length"]),
    ],
)
def test_kk_format(number, expected):
    result = kk(number)
    assert codes(result) == expected
    assert result.issue_date is None
    expected_messages = {
        "kk.length": "KK number must be exactly 16 digits",
        "kk.not_digits": "KK number may contain only the digits 0-9",
    }
    assert [error.message for error in result.errors] == [expected_messages[code] for code in expected]


def test_kk_every_failure_is_reported_separately():
    result = kk("9999003102990000")
    assert codes(result) == ["kk.unknown_region", "kk.invalid_date", "kk.serial_zero"]


def test_kk_whitespace_and_default_today():
    result = check_kk(" 3214011505100001 ", region_lookup=REGIONS.__contains__)
    assert result.valid
    assert result.kk == "3214011505100001"


# --------------------------------------------------------------------------- translations


def _source_msgids() -> set[str]:
    tree = ast.parse(IDENTITY_SOURCE.read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


@pytest.fixture(scope="module")
def compiled_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Indonesian catalog compiled into a throw-away locale directory."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    locale_dir = tmp_path_factory.mktemp("locale")
    target = locale_dir / "id" / "LC_MESSAGES" / "django.mo"
    target.parent.mkdir(parents=True)
    subprocess.run([msgfmt, "--check", "-o", str(target), str(PO_FILE)], check=True, capture_output=True)
    return locale_dir


@pytest.fixture
def indonesian(compiled_catalog: Path) -> Iterator[None]:
    with override_settings(LOCALE_PATHS=[str(compiled_catalog)]), translation.override("id"):
        yield


def test_every_message_has_an_indonesian_translation(compiled_catalog: Path):
    msgids = _source_msgids()
    assert len(msgids) >= 14
    with (compiled_catalog / "id" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalog = stdlib_gettext.GNUTranslations(handle)
    untranslated = sorted(m for m in msgids if catalog.gettext(m) == m)
    assert untranslated == []


def test_indonesian_messages(indonesian: None):
    assert nik("3214991505900001").errors[0].message == "kode kecamatan 321499 tidak dikenal"
    assert nik("3214013102990001").errors[0].message == "tanggal lahir 310299 tidak ada"
    assert nik("32140115059000").errors[0].message == "NIK harus 16 digit angka"
    assert nik("32140115059000O1").errors[0].message == "NIK hanya boleh berisi angka 0-9"
    assert nik("3214011505900000").errors[0].message == "nomor urut 0000 tidak sah"
    assert nik("3214011505900001", sex="P").errors[0].message == (
        "NIK ini berkode laki-laki, tetapi jenis kelamin yang diisi perempuan"
    )
    assert nik("3214011505900001", birth_date=date(1990, 5, 16)).errors[0].message == (
        "tanggal lahir pada NIK (150590) tidak sesuai dengan tanggal lahir yang diisi (16-05-1990)"
    )
    assert kk("3299001505100001").errors[0].message == "kode wilayah 329900 tidak dikenal"
    assert kk("3214013102990001").errors[0].message == "tanggal penerbitan 310299 tidak ada"


def test_messages_are_translated_when_the_error_is_created(indonesian: None):
    error = nik("3214991505900001").errors[0]
    with translation.override("en"):
        assert error.message == "kode kecamatan 321499 tidak dikenal"
        assert nik("3214991505900001").errors[0].message == "kecamatan code 321499 is unknown"
    assert error.code == "nik.unknown_kecamatan"
