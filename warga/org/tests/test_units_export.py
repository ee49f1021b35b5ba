"""The units list's export and print view: the page's filters, audited."""

from __future__ import annotations

import pytest

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.org.models import Unit

pytestmark = pytest.mark.django_db

HEADER = ["Nama", "Jenis", "Wilayah", "Kepala", "Telepon", "Email", "Aktif"]


def test_csv_and_xlsx_follow_the_filters(cast, client_for):
    client = client_for(cast.kec_officer)
    rows = csv_rows(client.get("/units/", {"kind": "kecamatan", "format": "csv"}))
    assert rows[0] == HEADER
    assert len(rows) - 1 == Unit.objects.filter(kind="kecamatan").count()
    pln = Unit.objects.get(code="pln")
    book = xlsx_rows(client.get("/units/", {"q": pln.name, "format": "xlsx"}))
    assert list(book[0]) == HEADER and pln.name in [r[0] for r in book[1:]]
    audits = export_audits("org.units.export")
    assert audits[0] == {"format": "csv", "rows": len(rows) - 1, "filters": {"kind": "kecamatan"}}
    assert audits[1]["filters"] == {"q": True} and audits[1]["format"] == "xlsx"


def test_print_view_shows_the_filters(cast, client_for):
    answer = client_for(cast.outsider).get("/units/", {"kind": "kecamatan", "format": "print"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Unit kerja" in page and "Jenis: " in page
    assert Unit.objects.get(code="disdukcapil").name not in page
    assert export_audits("org.units.export")[-1]["format"] == "print"


def test_the_page_has_the_buttons_and_anonymous_gets_nothing(cast, client_for):
    page = client_for(cast.kec_officer).get("/units/").content.decode()
    assert "format=csv" in page and "format=xlsx" in page
    assert client_for(None).get("/units/", {"format": "csv"}).status_code == 302
    assert not export_audits("org.units.export")
