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
