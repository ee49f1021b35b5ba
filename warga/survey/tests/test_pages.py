"""Who sees the index, and the exports."""

from __future__ import annotations

import io

import pytest

from warga.survey.models import ELEMENT_FIELDS
from warga.survey.services import survey_answer

pytestmark = pytest.mark.django_db


def _answered(invite, n=3):
    for _i in range(n):
        invitation = invite()
        survey_answer(
            token=invitation.link_token,
            scores=dict(zip(ELEMENT_FIELDS, "443344343", strict=True)),
            comment="",
            channel="web",
        )


def test_permission(cast, client_for, viewer):
    assert client_for(None).get("/survey/").status_code == 302
    assert client_for(cast.kec_officer).get("/survey/").status_code == 403
    assert client_for(cast.head).get("/survey/").status_code == 200
    assert client_for(viewer).get("/survey/").status_code == 200
    assert client_for(cast.kec_officer).get("/api/v1/survey/index").status_code == 403
    assert client_for(None).get("/api/v1/survey/index").status_code == 401
    bad = client_for(cast.head).get("/api/v1/survey/index", {"period": "week"})
    assert bad.status_code == 422 and bad.json()["code"] == "survey.period"


def test_other_area_sees_nothing(invite, client_for, cast):
    from warga.accounts.services import staff_create
    from warga.core.permissions import Role

    _answered(invite)
    outsider_head = staff_create(
        actor=None,
        username="other_head",
        password="test-password-123",
        full_name="Other",
        roles=[Role.AGENCY_HEAD],
        unit_id=None,
        area_code=cast.other_kecamatan.code,
    )
    page = client_for(outsider_head).get("/survey/", {"kind": "year"})
    assert page.status_code == 200 and page.context["total"].respondents == 0


def test_exports(invite, client_for, cast, kec_unit):
    from openpyxl import load_workbook

    _answered(invite)
    csv = client_for(cast.head).get("/survey/export.csv", {"kind": "year"})
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and kec_unit.name in lines[1] and ",3," in lines[1]
    assert "+62" not in text
    xlsx = client_for(cast.head).get("/survey/export.xlsx", {"kind": "year"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == kec_unit.name and rows[1][2] == 3 and rows[1][5] in ("A", "B")
    assert client_for(cast.head).get("/survey/export.pdf").status_code == 404
    assert client_for(cast.kec_officer).get("/survey/export.csv").status_code == 403


def test_demo_data_shows_an_index_for_two_units(cast, client_for):
    from warga.survey import demo

    assert "answers" in demo.seed(cast.kabupaten, size="small", seed=2026)
    page = client_for(cast.head).get("/survey/", {"kind": "quarter"})
    assert page.status_code == 200 and len(page.context["units"]) == 2
    assert page.context["total"].grade in ("A", "B", "C")
