"""The resident field rules: what each accepts, how it normalises, and what it says when it refuses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from warga.imports import layouts
from warga.registry import rules
from warga.registry.identity import make_nik
from warga.registry.models import (
    BloodType,
    Citizenship,
    Education,
    MaritalStatus,
    Relationship,
    Religion,
    Sex,
)
from warga.registry.rules import RuleError

TODAY = date(2026, 1, 15)


def known_kecamatan(plain: str) -> str | None:
    return "32.14.01" if plain == "321401" else None


def refusal(call, *args, **kwargs) -> RuleError:
    with pytest.raises(RuleError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Budi Santoso", "Budi Santoso"),
        ("  Budi \t  Santoso\n", "Budi Santoso"),
        ("Moch. Djoko Soesilo", "Moch. Djoko Soesilo"),
        ("Drs. H. Ahmad, S.Pd.", "Drs. H. Ahmad, S.Pd."),
        ("Ma'ruf Amin", "Ma'ruf Amin"),
        ("Ma’ruf", "Ma’ruf"),
        ("Siti-Aminah", "Siti-Aminah"),
        ("Étienne Müller", "Étienne Müller"),
        ("x" * rules.NAME_MAX_LENGTH, "x" * rules.NAME_MAX_LENGTH),
    ],
)
def test_person_name_accepts_and_collapses(raw, expected):
    assert rules.person_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["Budi2", "Ani_Sari", "Budi 123", "-Budi", ".Budi", "Budi@Santoso", "x" * (rules.NAME_MAX_LENGTH + 1)],
)
def test_person_name_refuses_digits_underscores_and_symbols(raw):
    error = refusal(rules.person_name, raw, field="father_name", label="Nama ayah", required=False)
    assert (error.field, error.code) == ("father_name", "invalid_name")
    assert error.details() == [{"field": "father_name", "code": "invalid_name", "message": error.message}]


def test_person_name_required_and_optional():
    assert rules.person_name("  ", required=False) == ""
    assert rules.person_name(None, required=False) == ""
    error = refusal(rules.person_name, "   ")
    assert (error.field, error.code) == ("full_name", "required")


def test_messages_are_translated():
    with translation.override("id"):
        assert refusal(rules.person_name, "Budi2").message == (
            "Nama lengkap hanya boleh berisi huruf, spasi, dan tanda . , ' -"
        )
        assert refusal(rules.birth_date, TODAY + timedelta(days=1), today=TODAY).message == (
            "Tanggal lahir tidak boleh di masa depan."
        )
    with translation.override("en"):
        assert (
            refusal(rules.person_name, "Budi2").message
            == "Full name may contain letters, spaces and . , ' - only."
        )


def test_nik_removes_spaces_and_checks_sex_and_date():
    born = date(1983, 2, 3)
    nik = make_nik(kecamatan_code="32.14.01", birth_date=born, sex="F", serial=5)
    assert nik[6:8] == "43"  # the day + 40 for a woman
    spaced = f" {nik[:6]} {nik[6:12]} {nik[12:]} "
    assert rules.nik(spaced, kecamatan_lookup=known_kecamatan, sex="F", birth_date=born, today=TODAY) == nik
    error = refusal(rules.nik, nik, kecamatan_lookup=known_kecamatan, sex="M", birth_date=born, today=TODAY)
    assert error.field == "nik" and [p.code for p in error.problems] == ["nik.sex_mismatch"]
    error = refusal(
        rules.nik, nik, kecamatan_lookup=known_kecamatan, birth_date=born + timedelta(days=1), today=TODAY
    )
    assert error.code == "nik.birth_date_mismatch"
    # An unknown sex is the sex rule's to report, not the NIK's.
    assert rules.nik(nik, kecamatan_lookup=known_kecamatan, sex="X", today=TODAY) == nik


def test_nik_reports_every_problem():
    error = refusal(rules.nik, "9999997102990000", kecamatan_lookup=known_kecamatan, today=TODAY)
    assert [p.code for p in error.problems] == [
        "nik.unknown_kecamatan",
        "nik.invalid_date",
        "nik.serial_zero",
    ]
    assert str(error) == "; ".join(p.message for p in error.problems)
    assert refusal(rules.nik, "32140117", kecamatan_lookup=known_kecamatan).code == "nik.length"


def test_kk_number():
    kk = "321401" + "150120" + "0007"
    assert rules.kk_number(f"{kk[:8]} {kk[8:]}", region_lookup={"321401"}.__contains__, today=TODAY) == kk
    error = refusal(rules.kk_number, kk, region_lookup=set().__contains__, today=TODAY)
    assert (error.field, error.code) == ("kk_number", "kk.unknown_region")


def test_shapes_only_count_digits():
    assert rules.nik_shape(" 9999999999999999 ") == "9999999999999999"
    assert refusal(rules.nik_shape, "999999999999999").code == "nik.shape"
    assert refusal(rules.kk_shape, "99999999999999x9", field="applicant_kk").field == "applicant_kk"


@pytest.mark.parametrize(
    ("raw", "expected"), [("", None), (None, None), ("1", 1), (" 7 ", 7), (999, 999), ("012", 12)]
)
def test_rt_rw_accepts(raw, expected):
    assert rules.rt_rw(raw, field="rt") == expected


@pytest.mark.parametrize("raw", ["0", "1000", 0, -1, "x", "+5", "1_0", "٣", "²", "5.0"])
def test_rt_rw_refuses(raw):
    error = refusal(rules.rt_rw, raw, field="rw", label="RW")
    assert (error.field, error.code) == ("rw", "invalid")


def test_birth_date():
    assert rules.birth_date("1980-05-17", today=TODAY) == date(1980, 5, 17)
    assert rules.birth_date(datetime(1980, 5, 17, 8), today=TODAY) == date(1980, 5, 17)
    assert rules.birth_date(TODAY, today=TODAY) == TODAY
    assert rules.birth_date(rules.OLDEST_DATE, today=TODAY) == rules.OLDEST_DATE
    assert refusal(rules.birth_date, TODAY + timedelta(days=1), today=TODAY).code == "future_date"
    assert refusal(rules.birth_date, date(1879, 12, 31), today=TODAY).code == "impossible_date"
    assert refusal(rules.birth_date, "1980-02-30", today=TODAY).code == "invalid_date"
    assert refusal(rules.birth_date, "", today=TODAY).code == "required"


def test_choices_and_their_defaults():
    assert rules.sex(" F ") == "F"
    assert refusal(rules.sex, "").code == "invalid_choice"
    assert refusal(rules.sex, "L").field == "sex"
    assert rules.religion("") == "" and rules.religion("islam") == "islam"
    assert refusal(rules.religion, "jedi").field == "religion"
    assert rules.marital_status(None) == MaritalStatus.SINGLE
    assert rules.citizenship("") == Citizenship.WNI
    assert rules.blood_type("") == "" and rules.blood_type("AB") == "AB"
    assert rules.education("") == ""
    assert refusal(rules.relationship, " ").code == "required"
    assert refusal(rules.relationship, "tetangga").code == "invalid_choice"
    assert rules.relationship("anak") == "anak"


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (layouts.SEX, Sex.values),
        (layouts.RELIGION, Religion.values),
        (layouts.MARITAL, MaritalStatus.values),
        (layouts.EDUCATION, Education.values),
        (layouts.BLOOD, BloodType.values),
        (layouts.CITIZENSHIP, Citizenship.values),
        (layouts.RELATIONSHIP, Relationship.values),
    ],
)
def test_every_import_spelling_gives_a_value_the_rules_take(table, values):
    """The import reads SIAK words ("LAKI-LAKI", "KRISTEN PROTESTAN") into the register's values."""
    assert set(table.values()) <= set(values)


def test_phone():
    assert rules.phone("0812-3456-7890") == "+6281234567890"
    error = refusal(rules.phone, "+1 202 555 0100")
    assert (error.field, error.code) == ("number", "phone.not_indonesian")


def test_free_text():
    assert rules.free_text("  Jl.  Merdeka\n1 ", limit=rules.ADDRESS_MAX_LENGTH) == "Jl. Merdeka 1"
    assert len(rules.free_text("x" * 300, limit=rules.ADDRESS_MAX_LENGTH)) == rules.ADDRESS_MAX_LENGTH


def test_pydantic_check_keeps_braces_literal():
    from pydantic_core import PydanticCustomError

    with pytest.raises(PydanticCustomError) as info:
        rules.pydantic_check(rules.person_name, "{x}", label="{label}")
    assert "{label}" in str(info.value)
