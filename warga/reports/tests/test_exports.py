"""The cases inbox as CSV, XLSX and print, with the page's filters and scope."""

from __future__ import annotations

import pytest

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.reports.services import case_file

pytestmark = pytest.mark.django_db


def test_inbox_exports_follow_filters_scope_and_access(cast, client_for):
    road = case_file(actor=None, text="Jalan berlubang di RT 02", channel="web", desa=cast.desa)
    complaint = case_file(
        actor=None, text="Petugas meminta uang", channel="web", desa=cast.desa, kind="pengaduan",
        category="petugas",
    )  # fmt: skip
    other = case_file(actor=None, text="Pohon tumbang", channel="web", desa=cast.other_desa)
    officer = client_for(cast.kec_officer)

    rows = csv_rows(officer.get("/reports/?format=csv"))
    assert rows[0][:4] == ["Kode", "Diterima", "Jenis", "Kategori"]
    assert {r[0] for r in rows[1:]} == {road.tracking_code, complaint.tracking_code}
    rows = csv_rows(officer.get("/reports/?kind=pengaduan&format=csv"))
    assert [r[0] for r in rows[1:]] == [complaint.tracking_code] and rows[1][2] == "pengaduan"

    assert len(xlsx_rows(officer.get("/reports/?format=xlsx"))) == 3

    page = officer.get("/reports/?kind=pengaduan&q=uang&format=print").content.decode()
    assert "Kecamatan Purwakarta" in page and "Jenis: pengaduan" in page
    assert complaint.tracking_code in page and road.tracking_code not in page

    audits = export_audits("reports.inbox.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"kind": "pengaduan"}}
    assert audits[3]["filters"] == {"kind": "pengaduan", "q": True}  # free text by name only

    outsider = csv_rows(client_for(cast.outsider).get("/reports/?format=csv"))
    assert [r[0] for r in outsider[1:]] == [other.tracking_code]
    assert client_for(cast.printer).get("/reports/?format=csv").status_code == 403
    assert export_audits("reports.inbox.export")[-1]["rows"] == 1
