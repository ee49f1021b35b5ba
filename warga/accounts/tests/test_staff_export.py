"""The staff list's export and print view: the page's filters, no password data, audited."""

from __future__ import annotations

import pytest

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db

HEADER = ["Nama pengguna", "Nama", "Peran", "Unit", "Wilayah", "Status"]


def test_csv_follows_the_filters_without_password_data(cast, client_for):
    client = client_for(cast.admin)
    rows = csv_rows(client.get("/staff/", {"role": "kecamatan_counter", "format": "csv"}))
    assert rows[0] == HEADER
    names = {r[0] for r in rows[1:]}
    assert {"kec_officer", "outsider"} <= names and "dukcapil" not in names
    body = "\n".join(",".join(r) for r in rows)
    assert cast.kec_officer.password not in body and "pbkdf2" not in body and "argon2" not in body
    searched = csv_rows(client.get("/staff/", {"q": "kec_off", "format": "csv"}))
    assert [r[0] for r in searched[1:]] == ["kec_officer"] and searched[1][5] == "aktif"
    audits = export_audits("accounts.staff.export")
    assert audits[0] == {"format": "csv", "rows": len(rows) - 1, "filters": {"role": "kecamatan_counter"}}
    assert audits[1]["filters"] == {"q": True}  # the searched words stay out of the audit row


def test_xlsx_opens_and_print_shows_the_filters(cast, client_for):
    client = client_for(cast.admin)
    book = xlsx_rows(client.get("/staff/", {"q": "dukcapil", "format": "xlsx"}))
    assert list(book[0]) == HEADER and [r[0] for r in book[1:]] == ["dukcapil"]
    answer = client.get("/staff/", {"role": "disdukcapil_head", "format": "print"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Petugas" in page and "Peran: " in page and "<td>head</td>" in page
    assert "<td>kec_officer</td>" not in page
    assert [a["format"] for a in export_audits("accounts.staff.export")] == ["xlsx", "print"]


def test_the_page_has_the_buttons(cast, client_for):
    page = client_for(cast.admin).get("/staff/").content.decode()
    assert "format=csv" in page and "format=print" in page


@pytest.mark.parametrize("who", ["outsider", "kec_officer", "dukcapil", "head"])
def test_export_needs_account_management(cast, client_for, who):
    for fmt in ("csv", "xlsx", "print"):
        assert client_for(getattr(cast, who)).get("/staff/", {"format": fmt}).status_code == 403
    assert not export_audits("accounts.staff.export")
