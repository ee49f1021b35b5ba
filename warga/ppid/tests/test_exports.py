"""The officers' list of information requests as CSV, XLSX and print, with the page's filters and
scope."""

from __future__ import annotations

import pytest

from warga.core.scoping import Actor
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.ppid.services import RequestInput, request_file

from .conftest import NIK

pytestmark = pytest.mark.django_db


def _file(unit):
    data = RequestInput(
        name="Siti", nik=NIK, address="Jl. Merdeka 5", phone="081200007001", information="Data gizi",
        purpose="Penelitian", unit_id=unit.pk,
    )  # fmt: skip
    return request_file(actor=None, channel="web", data=data)


def test_requests_export_follow_filters_scope_and_access(cast, people, client_for):
    kec = _file(people.kec_unit)
    health = _file(people.dinkes_unit)
    utama = client_for(people.utama)

    rows = csv_rows(utama.get("/ppid/requests/?format=csv"))
    assert rows[0][:2] == ["Nomor", "Diterima"]
    assert {r[0] for r in rows[1:]} == {kec.number, health.number}
    assert "Siti" not in str(rows) and NIK not in str(rows)  # nothing of the requester
    unit = people.dinkes_unit.pk
    rows = csv_rows(utama.get(f"/ppid/requests/?unit={unit}&format=csv"))
    assert [r[0] for r in rows[1:]] == [health.number] and rows[1][3] == people.dinkes_unit.name
    assert len(xlsx_rows(utama.get("/ppid/requests/?format=xlsx"))) == 3
    page = utama.get(f"/ppid/requests/?unit={unit}&number={health.number}&format=print").content.decode()
    assert "Permohonan informasi" in page and people.utama.unit.name in page
    assert f"Ditangani oleh: {people.dinkes_unit.name}" in page
    assert health.number in page and kec.number not in page

    audits = export_audits("ppid.requests.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"unit": str(unit)}}
    assert audits[3]["filters"] == {"number": True, "unit": str(unit)} and audits[3]["rows"] == 1

    assert [r[0] for r in csv_rows(client_for(people.kec).get("/ppid/requests/?format=csv"))[1:]] == [
        kec.number
    ]
    assert csv_rows(client_for(people.other_kec).get("/ppid/requests/?format=csv"))[1:] == []
    assert client_for(cast.kec_officer).get("/ppid/requests/?format=csv").status_code == 403
    assert Actor.for_user(cast.kec_officer).can("ppid.view") is False


# --- Objections ----------------------------------------------------------------------------------


def _objection(people, unit, *, decided: bool = False):
    from warga.ppid.services import Decision, objection_decide, objection_file, request_transition

    refused = request_transition(
        actor=Actor.for_user(people.utama),
        request_id=_file(unit).pk,
        action="decide",
        decision=Decision(outcome="refused", exemption_ground="h", consequence_test="UK/1"),
    )
    objection = objection_file(
        number=refused.number, contact="081200007001", ground="refused", reason="Alasan pribadi pemohon."
    )
    if decided:
        objection = objection_decide(
            actor=Actor.for_user(people.atasan), objection_id=objection.pk, upheld=False, answer="Tetap."
        )
    return objection


def test_objections_export_and_print_follow_filters_scope_and_access(cast, people, client_for):
    open_one = _objection(people, people.kec_unit)
    answered = _objection(people, people.dinkes_unit, decided=True)
    atasan = client_for(people.atasan)

    page = atasan.get("/ppid/objections/").content.decode()
    assert "format=csv" in page and "format=xlsx" in page and "format=print" in page
    rows = csv_rows(atasan.get("/ppid/objections/?format=csv"))
    assert rows[0][:4] == ["Permohonan", "Ditangani oleh", "Diajukan", "Alasan"]
    assert {r[0] for r in rows[1:]} == {open_one.request.number, answered.request.number}
    assert "Siti" not in str(rows) and "Alasan pribadi" not in str(rows)  # nothing of the requester
    # The page's filter: the same rows on the page and in the file.
    listed = atasan.get("/ppid/objections/?status=filed")
    assert [o.pk for o in listed.context["page"].object_list] == [open_one.pk]
    rows = csv_rows(atasan.get("/ppid/objections/?status=filed&format=csv"))
    assert [(r[0], r[1]) for r in rows[1:]] == [(open_one.request.number, people.kec_unit.name)]
    sheet = xlsx_rows(atasan.get("/ppid/objections/?status=dismissed&format=xlsx"))
    assert [r[0] for r in sheet[1:]] == [answered.request.number] and sheet[1][6] is not None
    printed = atasan.get("/ppid/objections/?status=filed&format=print")
    html = printed.content.decode()
    assert printed.status_code == 200 and "Keberatan" in html and open_one.request.number in html
    assert answered.request.number not in html and "Status: diajukan, menunggu atasan PPID" in html

    audits = export_audits("ppid.objections.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"status": "filed"}}

    # The PPID utama sees them too; a pembantu (no objections) and other officers do not.
    assert len(csv_rows(client_for(people.utama).get("/ppid/objections/?format=csv"))) == 3
    assert client_for(people.kec).get("/ppid/objections/?format=csv").status_code == 403
    assert client_for(cast.kec_officer).get("/ppid/objections/?format=print").status_code == 403
    assert len(export_audits("ppid.objections.export")) == 5
