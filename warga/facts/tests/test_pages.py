"""What the heads see on the dashboards, the exports, bad input, the public indicators page,
the home panels and the maps."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from warga.facts.metrics import Rollup, Unit, register_metric, unregister_metric
from warga.facts.models import Boundary, Fact
from warga.facts.selectors import STORED_RANGE_CACHE_KEY
from warga.facts.services import boundaries_load, facts_rebuild_day
from warga.regions.models import Region

pytestmark = pytest.mark.django_db


def _fact(metric: str, code: str, day, value: int, denominator: int | None = None, part: str = "") -> Fact:
    kecamatan = ".".join(code.split(".")[:3]) if code.count(".") >= 2 else None
    cache.delete(STORED_RANGE_CACHE_KEY)  # written here, not through the services that forget it
    return Fact.objects.create(
        metric=metric,
        region_id=code,
        kecamatan_id=kecamatan,
        day=day,
        value=value,
        denominator=denominator,
        part=part,
    )


@pytest.fixture
def world(cast):
    """A month of sickness reports and living residents in two desa of two kecamatan."""
    today = timezone.localdate()
    for offset in range(30):
        day = today - timedelta(days=offset)
        _fact("cases.received.sakit", cast.desa.code, day, 2)
        _fact("cases.received.sakit", cast.other_desa.code, day, 1)
        _fact("residents.living", cast.desa.code, day, 1000 + offset)
    return today


def test_the_bupati_drills_down_from_the_kabupaten_to_a_desa(cast, heads, client_for, world):
    client = client_for(heads.bupati)
    page = client.get("/facts/", {"metric": "cases.received.sakit"})
    assert page.status_code == 200
    rows = {row["code"]: row for row in page.context["rows"]}
    assert rows[cast.kecamatan.code]["cell"].value == 60  # kecamatan compared
    assert rows[cast.other_kecamatan.code]["cell"].value == 30
    assert page.context["table"]["total"].value == 90
    kec = client.get("/facts/" + rows[cast.kecamatan.code]["link"])
    desa_row = next(r for r in kec.context["rows"] if r["code"] == cast.desa.code)
    assert desa_row["cell"].value == 60
    desa = client.get("/facts/" + desa_row["link"])
    assert [r["code"] for r in desa.context["rows"]] == [cast.desa.code]
    assert [c.code for c in desa.context["crumbs"]] == [cast.kabupaten.code, cast.kecamatan.code]
    # Trend by week and by month sums the days; a stock takes each period's last day.
    weekly = client.get("/facts/", {"metric": "cases.received.sakit", "grain": "month"}).context["series"]
    assert sum(item["cell"].value for item in weekly) == 90
    living = client.get("/facts/", {"metric": "residents.living", "area": cast.desa.code, "grain": "month"})
    assert living.context["series"][-1]["cell"].value == 1000  # today's, not a sum
    assert living.context["table"]["total"].value == 1000


def test_the_table_exports_as_csv_and_xlsx(cast, heads, client_for, world):
    client = client_for(heads.bupati)
    params = {"metric": "cases.received.sakit", "area": cast.kecamatan.code}
    response = client.get("/facts/export/", {**params, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [cast.desa.code, cast.desa.display_name, "60.0", "60"] in lines
    response = client.get("/facts/export/", {**params, "format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert [cast.desa.code, cast.desa.display_name, 60, 60] in values


def test_the_dinkes_head_sees_sickness_reports_per_desa_and_nobody(cast, heads, client_for, world):
    from warga.reports.services import case_file

    case_file(
        actor=None, text="Demam tinggi", channel="web", category="sakit", desa=cast.desa, phone="081234567891"
    )
    client = client_for(heads.kadinkes)
    page = client.get("/facts/", {"metric": "cases.received.sakit", "area": cast.kecamatan.code})
    assert page.status_code == 200
    keys = {m.key for m in page.context["metrics"]}
    assert {"cases.received.sakit", "cases.received.kematian", "residents.births"} <= keys
    assert "applications.received" not in keys and "cases.received.jalan" not in keys
    body = page.content.decode()
    assert "Demam" not in body and "081234567891" not in body  # counts, never a report or a person
    # Another domain's metric is as unknown as a made-up one.
    assert client.get("/facts/", {"metric": "applications.received"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"metric": "no.such.metric"}, 404, "no.such.metric"),
        ({"area": "32.99"}, 404, "32.99"),
        ({"start": "1999-01-01"}, 400, "Fakta tersimpan dari"),
        ({"end": "2999-01-01"}, 400, "Fakta tersimpan dari"),
        ({"start": "2026-13-45"}, 400, "TTTT-BB-HH"),
        ({"start": "2026-01-10", "end": "2026-01-01"}, 400, ""),
        ({"grain": "year"}, 400, "TTTT-BB-HH"),
    ],
)
def test_bad_input_gets_a_clear_answer(cast, heads, client_for, world, params, status, says):
    response = client_for(heads.bupati).get("/facts/", {"metric": "cases.received.sakit", **params})
    assert response.status_code == status
    assert says in response.content.decode()


def test_a_rebuilt_older_day_widens_the_stored_range_at_once(cast, heads, client_for, world):
    """The stored range is kept between requests; writing a day outside it forgets it after commit."""
    client = client_for(heads.bupati)
    older = world - timedelta(days=40)
    asked = {"metric": "cases.received.sakit", "start": older.isoformat(), "end": world.isoformat()}
    assert client.get("/facts/", asked).status_code == 400  # stored from 29 days ago: remembered
    register_metric(
        key="test.count",
        label="Hitungan uji coba",
        domain="test",
        domain_label="Uji",
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=lambda day, codes: {cast.desa.code: 1},
    )
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert facts_rebuild_day(day=older, keys=["test.count"]) == 1
        assert client.get("/facts/", asked).status_code == 200
    finally:
        unregister_metric("test.count")


def test_an_area_outside_ones_own_is_not_found(cast, client_for, world):
    response = client_for(cast.outsider).get(
        "/facts/", {"metric": "residents.living", "area": cast.kecamatan.code}
    )
    assert response.status_code == 404


def test_the_public_page_suppresses_small_cells_and_shows_a_registered_graded_metric(cast, client_for, world):
    from decimal import Decimal

    from warga.facts.metrics import Grade

    today = world
    _fact("applications.on_time", cast.kecamatan.code, today, 9, 10, part="akta-lahir")
    _fact("applications.on_time", cast.kecamatan.code, today, 2, 3, part="kia")
    anonymous = client_for(None)
    body = anonymous.get("/facts/indikator/").content.decode()
    assert "90,0 %" in body  # 9 of 10 on time
    assert "66,7" not in body  # 2 of 3: too few to show
    assert "Skor uji coba" not in body

    # A score read by its owner's rule (as the survey's IKM): two numbers per person, the grade
    # and the count's words from the metric's `extra`, nothing of a cell under five persons.
    register_metric(
        key="test.score",
        label="Skor uji coba",
        domain="test",
        domain_label="Uji",
        unit=Unit.SCORE,
        rollup=Rollup.RATIO,
        compute=lambda day, codes: {},
        public=True,
        parts=True,
        extra={
            "per_person": 2,
            "grade": lambda n, d: Grade(Decimal(n * 50) / Decimal(d), "X" if n * 2 > d else "Y", "uji"),
            "count_text": lambda n: f"{n} orang",
            "part_heading": "Bagian",
        },
    )
    try:
        _fact("test.score", cast.kabupaten.code, today, 9, 12, part="p1")  # 6 persons: 37,50 X
        _fact("test.score", cast.kabupaten.code, today, 3, 8, part="p2")  # 4 persons: hidden
        page = anonymous.get("/facts/indikator/")
        section = next(s for s in page.context["indicators"]["sections"] if s["metric"].key == "test.score")
        assert section["total"]["count"] == 10 and section["total"]["grade"] == "X"
        assert section["total"]["display"] == "30,00"  # 12 of 20 × 50
        parts = {p["label"]: p for p in section["parts"]}
        assert parts["p1"]["display"] == "37,50" and parts["p1"]["count"] == 6
        assert parts["p2"]["suppressed"] and parts["p2"]["grade"] == "" and parts["p2"]["count"] is None
        body = page.content.decode()
        assert "Skor uji coba" in body and "10 orang" in body and "Bagian" in body and "18,75" not in body
    finally:
        unregister_metric("test.score")
    # The portal links to it.
    assert "/facts/indikator/" in anonymous.get("/").content.decode()


def test_the_heads_home_shows_charts_instead_of_links(cast, heads, client_for, world):
    page = client_for(heads.bupati).get("/")
    templates = [panel["template"] for panel in page.context["panels"]]
    assert "facts/_home_panel.html" in templates
    assert 'data-chart="home-1"' in page.content.decode()


def test_boundaries_are_checked_then_drawn_as_an_svg_map(cast, heads, client_for, world):
    def square(code: str, x: float) -> dict:
        ring = [[x, -6.5], [x + 0.1, -6.5], [x + 0.1, -6.6], [x, -6.6], [x, -6.5]]
        return {
            "type": "Feature",
            "properties": {"code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    from warga.core.errors import InvalidInput

    bad = {
        "type": "FeatureCollection",
        "features": [square(cast.kecamatan.code, 107.4), square("32.99.99", 107.6)],
    }
    with pytest.raises(InvalidInput) as refused:
        boundaries_load(data=json.dumps(bad).encode())
    assert refused.value.details[0]["code"] == "unknown_region"
    assert not Boundary.objects.exists()  # nothing half-stored
    with pytest.raises(InvalidInput):
        boundaries_load(data=b"not json")
    good = {
        "type": "FeatureCollection",
        "features": [
            square(c.code, 107.4 + i * 0.1)
            for i, c in enumerate(Region.objects.filter(parent=cast.kabupaten))
        ],
    }
    assert (
        boundaries_load(data=json.dumps(good).encode())
        == Region.objects.filter(parent=cast.kabupaten).count()
    )
    body = client_for(heads.bupati).get("/facts/", {"metric": "cases.received.sakit"}).content.decode()
    assert "<svg" in body and "<path" in body and f"area={cast.kecamatan.code}" in body


def test_the_morning_summary_goes_by_sms_and_by_email_with_charts(cast, heads, client_for, mailoutbox):
    from warga.facts.summary import summaries_send
    from warga.messaging.models import SmsMessage

    heads.bupati.phone = "081298765432"
    heads.bupati.email = "bupati@example.org"
    heads.bupati.save()
    yesterday = timezone.localdate() - timedelta(days=1)
    _fact("cases.received", cast.desa.code, yesterday, 7)
    client = client_for(heads.bupati)
    response = client.post("/facts/ringkasan/", {"by_sms": "on", "by_email": "on"})
    assert response.status_code == 302
    assert summaries_send() == 1
    assert summaries_send() == 0  # once a day
    sms = SmsMessage.objects.get(to="+6281298765432")
    assert len(sms.text) <= 300 and "7" in sms.text
    (mail,) = mailoutbox
    assert any(part.get_content_type() == "image/png" for part in mail.message().walk())


def test_a_rebuild_of_the_register_counts_the_living(cast, client_for):
    from warga.registry.tests.conftest import make_household

    make_household(cast.actor(cast.dukcapil), cast.desa)
    facts_rebuild_day(day=timezone.localdate())
    fact = Fact.objects.get(metric="residents.living", region=cast.desa)
    assert fact.value == 3 and fact.kecamatan_id == cast.kecamatan.code
