"""The index of PermenPANRB No. 14 of 2017: a worked example computed here by hand from the raw
scores, the grade boundaries, and the suppression of small cells for public figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from warga.survey.index import grade_of, index_from_sums, krejcie_morgan
from warga.survey.models import ELEMENT_FIELDS
from warga.survey.selectors import ikm_for, period_current
from warga.survey.services import survey_answer

pytestmark = pytest.mark.django_db

# Five residents, nine elements each (u1…u9).
RAW = [
    [4, 4, 3, 3, 4, 4, 3, 4, 3],
    [3, 3, 3, 3, 3, 3, 3, 3, 3],
    [4, 4, 4, 4, 4, 4, 4, 4, 4],
    [2, 3, 3, 2, 3, 3, 3, 2, 3],
    [3, 4, 3, 4, 3, 4, 4, 3, 3],
]
# By hand: column sums 16 18 16 16 17 18 17 16 16 (total 150); NRR u1 = 16/5 = 3.20,
# u2 = 18/5 = 3.60; IKM = Σ NRR / 9 = (150/5)/9 = 3.333…; converted = 83.33 → B (baik).
EXPECTED_NRR_U1, EXPECTED_NRR_U2 = "3.200", "3.600"
EXPECTED_CONVERTED, EXPECTED_GRADE = "83.33", "B"


def _answer_all(invite, rows, unit=None):
    for row in rows:
        invitation = invite(unit=unit)
        survey_answer(
            token=invitation.link_token,
            scores=dict(zip(ELEMENT_FIELDS, row, strict=True)),
            comment="",
            channel="web",
        )


def test_hand_computation_agrees_with_the_literal_expectation():
    n = len(RAW)
    nrr = [sum(r[i] for r in RAW) / n for i in range(9)]
    ikm = sum(value * (1 / 9) for value in nrr)
    assert f"{nrr[0]:.3f}" == EXPECTED_NRR_U1 and f"{nrr[1]:.3f}" == EXPECTED_NRR_U2
    assert f"{ikm * 25:.2f}" == EXPECTED_CONVERTED
    assert 76.61 <= round(ikm * 25, 2) <= 88.30  # B by the regulation's table


def test_officer_page_and_api_show_the_worked_example(invite, client_for, cast, kec_unit):
    _answer_all(invite, RAW)
    page = client_for(cast.head).get("/survey/", {"kind": "year"})
    html = page.content.decode()
    assert page.status_code == 200
    total = page.context["total"]
    assert str(total.converted) == EXPECTED_CONVERTED and total.grade == EXPECTED_GRADE
    assert total.respondents == 5
    assert str(total.elements[0].nrr) == EXPECTED_NRR_U1 and str(total.elements[1].nrr) == EXPECTED_NRR_U2
    assert "83,33" in html or "83.33" in html
    assert kec_unit.name in html and "survey-chart-data" in html and "chart.umd.min.js" in html
    api = client_for(cast.head).get("/api/v1/survey/index", {"period": "year"})
    body = api.json()
    assert api.status_code == 200 and body["respondents"] == 5 and body["grade"] == "B"
    assert body["converted"] == pytest.approx(83.33)
    unit = body["units"][0]
    assert unit["unit"] == kec_unit.name and unit["elements"][1]["nrr"] == pytest.approx(3.6)


def test_periods_split_the_answers(invite, client_for, cast):
    _answer_all(invite, RAW[:2])
    from warga.survey.models import Response

    last_year = timezone.now() - timedelta(days=400)
    Response.objects.filter(pk=Response.objects.order_by("pk").first().pk).update(answered_at=last_year)
    page = client_for(cast.head).get("/survey/", {"kind": "year"})
    assert page.context["total"].respondents == 1
    old = client_for(cast.head).get("/survey/", {"kind": "year", "year": last_year.year})
    assert old.context["total"].respondents == 1
    assert client_for(cast.head).get("/survey/", {"kind": "month", "number": 13}).status_code == 200


@pytest.mark.parametrize(
    "value,grade",
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_grade_boundaries(value, grade):
    assert grade_of(Decimal(value))[0] == grade


def test_exact_weight_and_rounding_at_the_boundary():
    assert index_from_sums([4] * 9, 1).converted == Decimal("100.00")  # 1/9, not 0.111 (99.90)
    assert index_from_sums([1] * 9, 1).converted == Decimal("25.00")
    # NRR 3.5322 on every element: 88.305 rounds half up to 88.31 → A.
    edge = index_from_sums([35322] * 9, 10000)
    assert edge.converted == Decimal("88.31") and edge.grade == "A"
    # 3.0642 → 76.605 → 76.61 → B; 3.0638 → 76.595 → 76.60 → C.
    assert index_from_sums([30642] * 9, 10000).grade == "B"
    assert index_from_sums([30638] * 9, 10000).grade == "C"
    assert index_from_sums([0] * 9, 0).respondents == 0


def test_krejcie_morgan_matches_its_table():
    assert [krejcie_morgan(n) for n in (10, 100, 1000, 10000, 1000000)] == [10, 80, 278, 370, 384]


def test_public_figure_is_suppressed_below_five_respondents(invite, cast, kec_unit):
    period = period_current("year")
    _answer_all(invite, RAW[:4])
    small = ikm_for(kec_unit, cast.kabupaten.code, period.start, period.end)
    assert small.suppressed and small.value is None and small.respondents is None and small.grade == ""
    _answer_all(invite, RAW[4:])
    full = ikm_for(kec_unit, cast.kabupaten.code, period.start, period.end)
    assert not full.suppressed and full.respondents == 5 and full.grade == "B"
    assert full.value == pytest.approx(83.33)
    assert ikm_for(None, cast.other_kecamatan.code, period.start, period.end).suppressed
