"""The report of the information service: the figures per unit and in total, who sees which
units, the downloads, nothing personal, and a query count that does not grow with the data."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from warga.core.permissions import Role
from warga.core.scoping import Actor
from warga.ppid.models import InformationRequest, Objection
from warga.ppid.report import _median, period_bounds, report_build
from warga.ppid.services import (
    Decision,
    RequestInput,
    dispute_record,
    objection_decide,
    objection_file,
    request_file,
    request_transition,
)

from .conftest import NIK, _user

pytestmark = pytest.mark.django_db
NAME, PHONE = "Siti Rahmawati", "081200007001"


def _file(unit, phone=PHONE, information="Data balita gizi buruk per desa tahun 2025."):
    return request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            name=NAME,
            nik=NIK,
            address="Jl. Merdeka 5",
            phone=phone,
            information=information,
            purpose="Penelitian.",
            unit_id=unit.pk if unit else None,
        ),
    )


def _act(user, request, action, **kwargs):
    return request_transition(actor=Actor.for_user(user), request_id=request.pk, action=action, **kwargs)


@pytest.fixture
def story(people):
    """At the kecamatan: one forwarded to Dinkes and granted there; one refused (art. 17 h)
    with an objection dismissed and a dispute; one extended and partly granted (art. 17 b);
    one still open. At Dinkes, one not held."""
    health = _file(people.kec_unit)
    _act(people.kec, health, "forward", unit_id=people.dinkes_unit.pk, note="Dikuasai Dinkes.")
    _act(people.dinkes, health, "decide", decision=Decision(outcome="granted"))
    refused = _file(people.kec_unit, phone="081200007002")
    _act(
        people.kec,
        refused,
        "decide",
        decision=Decision(outcome="refused", exemption_ground="h", consequence_test="UK/1"),
    )
    objection = objection_file(number=refused.number, contact="081200007002", ground="refused", reason="x")
    objection_decide(
        actor=Actor.for_user(people.atasan), objection_id=objection.pk, upheld=False, answer="Tetap."
    )
    dispute_record(
        actor=Actor.for_user(people.atasan),
        objection_id=objection.pk,
        filed_on=timezone.localdate(),
        reference="KI/1",
        outcome="pending",
        decided_on=None,
        note="",
    )
    partly = _file(people.kec_unit, phone="081200007003")
    _act(people.kec, partly, "extend", note="Dokumen di arsip.")
    _act(
        people.kec,
        partly,
        "decide",
        decision=Decision(outcome="partly", exemption_ground="b", consequence_test="UK/2"),
    )
    _file(people.kec_unit, phone="081200007004")
    not_held = _file(people.dinkes_unit, phone="081200007005")
    _act(people.dinkes, not_held, "decide", decision=Decision(outcome="not_held"))
    return {"refused": refused, "health": health}


def _row(report, unit):
    return next(r for r in report.rows if r.unit_id == unit.pk)


def test_the_figures_per_unit_and_in_total(people, story):
    report = report_build(actor=Actor.for_user(people.utama), year=timezone.localdate().year)
    kec, dinkes, total = _row(report, people.kec_unit), _row(report, people.dinkes_unit), report.total
    assert (kec.received, kec.refused, kec.partly, kec.open, kec.extended) == (3, 1, 1, 1, 1)
    assert kec.forwarded_out == 1 and kec.forwarded_in == 0
    assert (dinkes.received, dinkes.granted, dinkes.not_held, dinkes.forwarded_in) == (2, 1, 1, 1)
    assert kec.grounds == {"h": 1, "b": 1}
    assert (kec.objections, kec.objections_decided, kec.objections_dismissed, kec.disputes) == (1, 1, 1, 1)
    assert kec.dispute_outcomes == {"pending": 1}
    assert total.received == 5 and total.decided == 4 and total.on_time == 4
    assert total.on_time_share == 100.0 and total.median_days == 0.0
    assert report.objection_matrix == {"refused": {"dismissed": 1}}
    # Another year, another quarter: nothing.
    assert report_build(actor=Actor.for_user(people.utama), year=timezone.localdate().year - 1).is_empty


def test_time_to_answer_in_working_days_and_the_clock(people, monkeypatch):
    """Received on a Friday, answered on the next Tuesday: 2 working days. A late notice is not
    on time; the median comes from the histogram."""
    friday = date(2025, 7, 4)
    moment = {"now": timezone.make_aware(datetime.combine(friday, time(9, 0)))}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    early = _file(people.kec_unit)
    late = _file(people.kec_unit, phone="081200007009")
    moment["now"] += timedelta(days=4)
    _act(people.kec, early, "decide", decision=Decision(outcome="granted"))
    moment["now"] += timedelta(days=40)
    _act(people.kec, late, "decide", decision=Decision(outcome="not_documented"))
    assert InformationRequest.objects.get(pk=early.pk).answer_days == 2
    report = report_build(actor=Actor.for_user(people.utama), year=2025, quarter=3)
    row = _row(report, people.kec_unit)
    assert row.decided == 2 and row.on_time == 1 and row.on_time_share == 50.0
    assert row.median_days == (2 + InformationRequest.objects.get(pk=late.pk).answer_days) / 2
    assert report_build(actor=Actor.for_user(people.utama), year=2025, quarter=2).is_empty
    assert period_bounds(2025, 2) == (date(2025, 4, 1), date(2025, 6, 30))


def test_median_of_a_histogram():
    import statistics

    for values in ([3], [1, 2], [0, 0, 5, 9], [1, 1, 1, 2, 10], [4, 7, 7, 7, 8, 12]):
        histogram: dict[int, int] = {}
        for v in values:
            histogram[v] = histogram.get(v, 0) + 1
        assert _median(histogram) == statistics.median(values)
    assert _median({}) is None


def test_the_page_for_each_reader_and_nothing_personal(people, story, client_for, cast):
    viewer = _user("ppid_viewer", Role.REGIONAL_VIEWER, None, cast.kabupaten)
    year = timezone.localdate().year
    for user in (people.utama, people.atasan, viewer):
        response = client_for(user).get("/ppid/report/", {"year": year})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="total-received">5<' in body
        for personal in (NAME, NIK, PHONE, story["refused"].number, "KI/1"):
            assert personal not in body
        assert 'name="unit"' in body  # they choose a unit
    one = client_for(people.utama).get("/ppid/report/", {"year": year, "unit": people.dinkes_unit.pk})
    assert 'data-testid="total-received">2<' in one.content.decode()
    # A pembantu: its unit only, whatever it asks.
    response = client_for(people.kec).get("/ppid/report/", {"year": year, "unit": people.dinkes_unit.pk})
    body = response.content.decode()
    assert response.status_code == 200 and 'name="unit"' not in body
    assert 'data-testid="total-received">3<' in body and people.dinkes_unit.name not in body
    assert client_for(cast.kec_officer).get("/ppid/report/").status_code == 403
    assert client_for(None).get("/ppid/report/").status_code == 302
    # Bad input falls back to the current year.
    assert client_for(people.utama).get("/ppid/report/", {"year": "x", "quarter": "9"}).status_code == 200


def test_downloads_xlsx_and_pdf(people, story, client_for):
    import openpyxl

    from warga.audit.models import AuditLog

    year = timezone.localdate().year
    client = client_for(people.utama)
    response = client.get("/ppid/report.xlsx", {"year": year})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    values = [v for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row]
    assert people.kec_unit.name in values and 5 in values
    assert NAME not in values and NIK not in values and story["refused"].number not in values
    pdf = client.get("/ppid/report.pdf", {"year": year, "quarter": 1 + (timezone.localdate().month - 1) // 3})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert NAME.encode() not in pdf.content
    assert AuditLog.objects.filter(action="ppid.report.export").count() == 2
    assert client_for(people.kec).get("/ppid/report.xlsx", {"year": year}).status_code == 200


def test_queries_do_not_grow_with_the_requests(people, story, django_assert_max_num_queries):
    actor = Actor.for_user(people.utama)
    for i in range(6):
        _file(people.dinkes_unit, phone=f"08120000710{i}")
    with django_assert_max_num_queries(8):
        report = report_build(actor=actor, year=timezone.localdate().year)
    assert report.total.received == 11 and Objection.objects.count() == 1
