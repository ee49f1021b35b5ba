"""The survey's daily facts: the public indicators page shows the index, grade and respondents the
survey itself computes (and nothing under five respondents), the nightly rebuild agrees with the
refreshes after each answer, and the dashboards open the index to survey.view holders only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone
from django.utils.formats import number_format

from warga.facts.models import Fact
from warga.facts.services import facts_rebuild_day
from warga.org.models import Unit
from warga.survey.index import converted_from_total, index_from_sums
from warga.survey.metrics import ikm_grade
from warga.survey.models import ELEMENT_FIELDS, Response
from warga.survey.selectors import ikm_for
from warga.survey.services import survey_answer, survey_invite

pytestmark = pytest.mark.django_db

# Five answers to the kecamatan office (worked example of test_index: 83,33 → B) and five to
# Disdukcapil (all 4 but one element at 3: 4 − 5/45 → 97,22 → A).
KEC_RAW = [
    [4, 4, 3, 3, 4, 4, 3, 4, 3],
    [3, 3, 3, 3, 3, 3, 3, 3, 3],
    [4, 4, 4, 4, 4, 4, 4, 4, 4],
    [2, 3, 3, 2, 3, 3, 3, 2, 3],
    [3, 4, 3, 4, 3, 4, 4, 3, 3],
]
DUKCAPIL_RAW = [[4, 4, 4, 4, 4, 4, 4, 4, 3]] * 5

_serial = count(1)


def _answer(*batches: tuple[Unit, Any, list[list[int]]]) -> None:
    """Per (unit, region, rows), each row an invitation through the service and its answer; the
    callbacks run as after a commit, so the facts are refreshed as after real answers."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        for unit, region, rows in batches:
            for row in rows:
                n = next(_serial)
                invitation = survey_invite(
                    actor=None,
                    unit=unit,
                    service="test",
                    source=("facts-test", str(n)),
                    phone=f"08123777{n:04d}",
                    region=region,
                )
                assert invitation is not None
                survey_answer(
                    token=invitation.link_token,
                    scores=dict(zip(ELEMENT_FIELDS, row, strict=True)),
                    comment="",
                    channel="web",
                )


def _window() -> tuple[Any, Any]:
    """The public page's period (the last 90 days) as `ikm_for` reads it (end exclusive)."""
    today = timezone.localdate()
    return today - timedelta(days=89), today + timedelta(days=1)


def _section(response: Any) -> dict[str, Any]:
    sections = response.context["indicators"]["sections"]
    return next(s for s in sections if s["metric"].key == "survey.ikm")


@pytest.fixture
def dukcapil() -> Unit:
    return Unit.objects.get(code="disdukcapil")


def test_the_public_page_shows_the_index_grade_and_respondents_the_survey_computes(
    cast, client_for, kec_unit, dukcapil
):
    _answer((kec_unit, cast.desa, KEC_RAW), (dukcapil, cast.other_desa, DUKCAPIL_RAW))
    # Two of them answered three days ago: the page rolls up over days as well as regions.
    moved = list(Response.objects.filter(unit=kec_unit).order_by("pk").values_list("pk", flat=True)[:2])
    Response.objects.filter(pk__in=moved).update(answered_at=timezone.now() - timedelta(days=3))
    facts_rebuild_day(day=timezone.localdate() - timedelta(days=3))
    facts_rebuild_day(day=timezone.localdate())

    start, end = _window()
    total = ikm_for(None, cast.kabupaten.code, start, end)
    kec = ikm_for(kec_unit, cast.kabupaten.code, start, end)
    duk = ikm_for(dukcapil, cast.kabupaten.code, start, end)
    assert (kec.value, kec.grade, duk.value, duk.grade) == (83.33, "B", 97.22, "A")
    assert total.respondents == 10 and total.grade == "A"

    response = client_for(None).get("/facts/indikator/")
    assert response.status_code == 200
    section = _section(response)
    shown = section["total"]
    assert float(shown["value"]) == total.value and shown["grade"] == total.grade
    assert shown["count"] == total.respondents == 10 and not shown["suppressed"]
    parts = {p["label"]: p for p in section["parts"]}
    assert float(parts[kec_unit.name]["value"]) == kec.value and parts[kec_unit.name]["grade"] == "B"
    assert float(parts[dukcapil.name]["value"]) == duk.value and parts[dukcapil.name]["grade"] == "A"
    assert parts[kec_unit.name]["count"] == 5
    html = response.content.decode()
    assert number_format(Decimal(str(total.value)), decimal_pos=2) in html  # "90,28"
    assert "83,33" in html and "97,22" in html
    assert "10 responden" in html  # Indonesian, the default language


def test_four_answers_are_not_shown_to_the_public(cast, client_for, kec_unit, heads_viewer):
    _answer((kec_unit, cast.desa, KEC_RAW[:4]))
    hidden = index_from_sums([sum(r[i] for r in KEC_RAW[:4]) for i in range(9)], 4)
    start, end = _window()
    assert ikm_for(kec_unit, cast.kabupaten.code, start, end).suppressed

    response = client_for(None).get("/facts/indikator/")
    section = _section(response)
    assert (
        section["total"]["suppressed"]
        and section["total"]["grade"] == ""
        and section["total"]["count"] is None
    )
    assert all(p["suppressed"] and p["grade"] == "" for p in section["parts"])
    html = response.content.decode()
    text = number_format(hidden.converted, decimal_pos=2)
    assert text not in html and "4 responden" not in html
    # The officers' dashboard still reads it: the facts are there, only the public page hides them.
    page = client_for(heads_viewer).get("/facts/", {"metric": "survey.ikm"})
    assert page.status_code == 200 and page.context["table"]["total"].count == 4
    assert text in page.content.decode()


def test_the_nightly_rebuild_gives_the_rows_the_refreshes_gave(cast, kec_unit, dukcapil):
    _answer(
        (kec_unit, cast.desa, KEC_RAW),
        (dukcapil, cast.other_desa, DUKCAPIL_RAW[:2]),
        (dukcapil, cast.kabupaten, DUKCAPIL_RAW[:1]),  # a service kept for the kabupaten
    )

    def rows() -> set[tuple[Any, ...]]:
        return set(
            Fact.objects.filter(metric__startswith="survey.").values_list(
                "metric", "region_id", "kecamatan_id", "day", "part", "value", "denominator"
            )
        )

    incremental = rows()
    today = timezone.localdate()
    kec_scores = sum(sum(r) for r in KEC_RAW)
    assert ("survey.ikm", cast.desa.code, cast.kecamatan.code, today, str(kec_unit.pk), kec_scores, 45) in (
        incremental
    )
    assert ("survey.respondents", cast.kabupaten.code, None, today, str(dukcapil.pk), 1, None) in incremental
    assert len(incremental) == 6
    Fact.objects.filter(metric__startswith="survey.").delete()
    facts_rebuild_day(day=today)
    assert rows() == incremental


def test_the_dashboard_opens_the_index_to_survey_viewers_only(cast, client_for, kec_unit, heads_viewer):
    _answer((kec_unit, cast.desa, KEC_RAW))
    for user in (heads_viewer, cast.head):
        page = client_for(user).get("/facts/", {"metric": "survey.ikm"})
        assert page.status_code == 200
        assert "survey.ikm" in [m.key for m in page.context["metrics"]]
        total = page.context["table"]["total"]
        assert total.count == 5 and total.grade is not None and total.grade.letter == "B"
        assert "83,33 (B)" in page.content.decode()
    for user in (cast.kec_verifier, cast.desa_operator):
        page = client_for(user).get("/facts/")
        assert page.status_code == 200
        assert "survey.ikm" not in [m.key for m in page.context.get("metrics", [])]
        assert client_for(user).get("/facts/", {"metric": "survey.ikm"}).status_code == 404
        assert client_for(user).get("/facts/export/", {"metric": "survey.ikm"}).status_code == 302


def test_the_grade_of_a_rolled_up_cell_is_the_survey_rule():
    for sums, n in (([16, 18, 16, 16, 17, 18, 17, 16, 16], 5), ([35322] * 9, 10000), ([30638] * 9, 10000)):
        own = index_from_sums(sums, n)
        grade = ikm_grade(sum(sums), 9 * n)
        assert grade is not None and (grade.value, grade.letter) == (own.converted, own.grade)
        assert converted_from_total(sum(sums), n) == own.converted
    assert ikm_grade(0, 0) is None and ikm_grade(10, 7) is None


@pytest.fixture
def heads_viewer(viewer):
    return viewer
