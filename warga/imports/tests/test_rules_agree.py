"""The bulk import and `resident_create` take the same residents.

Both check a resident's fields with `registry/rules.py`. Hypothesis generates rows with awkward
names (digits, underscores, other scripts, combining marks), NIKs near the edges (wrong sex,
wrong date, unknown kecamatan, serial 0000, spaces, wrong length), dates around 1880 and today,
and odd RT/RW values; each row goes through the import's row check and through
`resident_create` (rolled back), and both must give the same answer.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warga.core.errors import InvalidInput
from warga.imports.validation import RowChecker
from warga.registry import services
from warga.registry.identity import make_nik

pytestmark = pytest.mark.django_db

KECAMATAN = "32.14.01"  # the cast's kecamatan
KK = "321401" + "150120" + "0007"
FIELDS = (
    "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status",
    "occupation", "father_name", "mother_name", "relationship", "address", "rt", "rw", "desa_code",
)  # fmt: skip
COLUMNS = {field: index for index, field in enumerate(FIELDS)}

GOOD_NAMES = [
    "Budi Santoso", "Ni Luh Putu Ayu", "Moch. Djoko Soesilo", "Ma'ruf Amin", "Ma’ruf", "Siti-Aminah",
    "Drs. H. Ahmad, S.Pd.", "Étienne Müller", "I Gusti Ngurah Rai", "O`ong",
]  # fmt: skip
name_chars = st.one_of(
    st.sampled_from(list("abcAZ .,'`’-_0123456789é\u0301\u00a0\t²٣ßİ")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)


@st.composite
def names(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["good", "mutated", "random"]))
    if kind == "good":
        return draw(st.sampled_from(GOOD_NAMES))
    if kind == "mutated":
        base = draw(st.sampled_from(GOOD_NAMES))
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.text(name_chars, min_size=1, max_size=3)) + base[at:]
    return draw(st.text(name_chars, max_size=125))


@st.composite
def niks(draw: st.DrawFn, birth: date, sex: str) -> str:
    kind = draw(st.sampled_from(["right", "right", "other_sex", "other_date", "unknown", "zero", "spaced", "short", "long", "letter"]))  # fmt: skip
    serial = draw(st.integers(1, 9999))
    if kind == "other_sex":
        sex = "F" if sex == "M" else "M"
    if kind == "other_date":
        birth = birth + timedelta(days=draw(st.sampled_from([1, -1, 365, 36525])))
    kecamatan = "99.99.01" if kind == "unknown" else KECAMATAN
    nik = make_nik(kecamatan_code=kecamatan, birth_date=birth, sex=sex, serial=serial)
    if kind == "zero":
        nik = nik[:12] + "0000"
    elif kind == "spaced":
        nik = f"{nik[:6]} {nik[6:12]} {nik[12:]}"
    elif kind == "short":
        nik = nik[:15]
    elif kind == "long":
        nik = nik + "1"
    elif kind == "letter":
        nik = nik[:10] + "O" + nik[11:]
    return nik


rt_rw = st.one_of(
    st.just(""),
    st.integers(-2, 1002).map(str),
    st.sampled_from(["1_0", "+5", " 7 ", "٣", "²", "5.0", "x"]),
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    today = timezone.localdate()
    sex = draw(st.sampled_from(["M", "F"]))
    birth = draw(
        st.one_of(
            st.dates(date(1870, 1, 1), today + timedelta(days=400)),
            st.sampled_from([date(1880, 1, 1), date(1879, 12, 31), today, today + timedelta(days=1)]),
        )
    )
    return {
        "nik": draw(niks(birth, sex)),
        "full_name": draw(names()),
        "father_name": draw(st.one_of(st.just(""), names())),
        "mother_name": draw(st.one_of(st.just(""), names())),
        "sex": sex,
        "birth_date": birth,
        "rt": draw(rt_rw),
        "rw": draw(rt_rw),
    }


def _import_accepts(checker: RowChecker, row: dict[str, object], desa: str) -> tuple[bool, object]:
    values = {
        **row,
        "kk_number": KK,
        "birth_date": row["birth_date"].strftime("%d-%m-%Y"),  # type: ignore[attr-defined]
        "birth_place": "Purwakarta",
        "religion": "ISLAM",
        "marital_status": "",
        "occupation": "Petani",
        "relationship": "KEPALA KELUARGA",
        "address": "Jl. Merdeka 1",
        "desa_code": desa,
    }
    staged, issues = checker.check(2, [str(values[field]) for field in FIELDS])
    return staged is not None, issues


def _service_accepts(actor: object, row: dict[str, object], desa: str) -> tuple[bool, object]:
    data = {**row, "birth_place": "Purwakarta", "religion": "islam", "occupation": "Petani", "desa": desa}
    try:
        with transaction.atomic():
            services.resident_create(actor=actor, data=data)  # type: ignore[arg-type]
            transaction.set_rollback(True)
    except InvalidInput as error:
        return False, error.details
    return True, None


def test_import_and_resident_create_accept_the_same_rows(cast):
    registrar = cast.actor(cast.dukcapil)
    checker = RowChecker(columns=COLUMNS, layout="simple", area_code=cast.kecamatan.code)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(row=rows())
    def agree(row: dict[str, object]) -> None:
        by_import, issues = _import_accepts(checker, row, cast.desa.code)
        by_service, problems = _service_accepts(registrar, row, cast.desa.code)
        assert by_import == by_service, (row, issues, problems)

    agree()


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("Budi Santoso", True), ("Ma'ruf Amin", True), ("Budi2", False), ("Ani_Sari", False)],
)
def test_names_the_import_used_to_take(cast, name, accepted):
    """The import took digits and underscores in a name, which `resident_create` refused."""
    registrar = cast.actor(cast.dukcapil)
    checker = RowChecker(columns=COLUMNS, layout="simple", area_code=cast.kecamatan.code)
    born = date(1980, 5, 17)
    row = {
        "nik": make_nik(kecamatan_code=KECAMATAN, birth_date=born, sex="M", serial=12),
        "full_name": name,
        "father_name": "",
        "mother_name": "",
        "sex": "M",
        "birth_date": born,
        "rt": "3",
        "rw": "1",
    }
    assert _import_accepts(checker, row, cast.desa.code)[0] is accepted
    assert _service_accepts(registrar, row, cast.desa.code)[0] is accepted
