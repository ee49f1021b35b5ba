"""The audit log list's export and print view: the page's filters, an audit row of its own."""

from __future__ import annotations

import pytest

from warga.audit.services import audit_record
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db

HEADER = ["Waktu", "Petugas", "Unit", "Aksi", "Objek", "Alamat", "Saluran"]


def _entries(cast) -> None:
    audit_record(
        actor=cast.actor(cast.kec_officer), action="registry.resident.view", object_type="r", object_id=1
    )
    audit_record(actor=cast.actor(cast.dukcapil), action="cards.print", object_type="c", object_id=2)


def test_csv_and_xlsx_follow_the_filters(cast, client_for):
    _entries(cast)
    client = client_for(cast.head)
    rows = csv_rows(client.get("/audit/", {"username": "kec_officer", "format": "csv"}))
    assert rows[0] == HEADER
    assert [r[3] for r in rows[1:]] == ["registry.resident.view"]
    assert rows[1][1] == "kec_officer" and rows[1][4] == "r 1"
    book = xlsx_rows(client.get("/audit/", {"action": "cards", "format": "xlsx"}))
    assert list(book[0]) == HEADER and [r[3] for r in book[1:]] == ["cards.print"]
    audits = export_audits("audit.log.export")
    assert audits[0] == {"format": "csv", "rows": 1, "filters": {"username": "kec_officer"}}
    assert audits[1]["format"] == "xlsx" and audits[1]["filters"] == {"action": "cards"}


def test_print_view_shows_the_filters(cast, client_for):
    _entries(cast)
    answer = client_for(cast.head).get("/audit/", {"action": "cards", "format": "print"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Log audit" in page and "Aksi: cards" in page
    assert "cards.print" in page and "registry.resident.view" not in page
    assert 'href="/audit/?action=cards"' in page
    assert export_audits("audit.log.export")[-1]["format"] == "print"


def test_the_page_has_the_buttons(cast, client_for):
    page = client_for(cast.head).get("/audit/", {"action": "cards"}).content.decode()
    assert "format=csv" in page and "format=xlsx" in page and "format=print" in page


@pytest.mark.parametrize("who", ["kec_officer", "dukcapil", "outsider"])
def test_export_needs_the_audit_capability(cast, client_for, who):
    for fmt in ("csv", "xlsx", "print"):
        assert client_for(getattr(cast, who)).get("/audit/", {"format": fmt}).status_code == 403
    assert not export_audits("audit.log.export")
