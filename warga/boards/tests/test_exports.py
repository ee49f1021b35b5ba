"""The announcements of the village boards as CSV, XLSX and print, with the page's filter and
scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.boards.services import announcement_create, announcement_moderate
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db


def _post(actor, desa, text):
    now = timezone.now()
    return announcement_create(
        actor=actor, desa_codes=[desa.code], text=text, starts_at=now, ends_at=now + timedelta(days=1)
    )[0]


def test_announcements_export_follow_filters_scope_and_access(cast, client_for):
    posyandu = _post(cast.actor(cast.kec_officer), cast.desa, "Posyandu Selasa di Balai Desa")
    _post(cast.actor(cast.kec_officer), cast.desa, "Kerja bakti Minggu pagi")
    announcement_moderate(actor=cast.actor(cast.kec_verifier), announcement_id=posyandu.pk, approve=True)
    elsewhere = _post(cast.actor(cast.outsider), cast.other_desa, "Vaksinasi di kecamatan lain")
    officer = client_for(cast.kec_verifier)

    rows = csv_rows(officer.get("/boards/?format=csv"))
    assert rows[0][:3] == ["Desa", "Dari", "Teks"]
    assert {r[2] for r in rows[1:]} == {"Posyandu Selasa di Balai Desa", "Kerja bakti Minggu pagi"}
    rows = csv_rows(officer.get("/boards/?status=approved&format=csv"))
    assert [r[2] for r in rows[1:]] == ["Posyandu Selasa di Balai Desa"]
    assert len(xlsx_rows(officer.get("/boards/?format=xlsx"))) == 3
    page = officer.get("/boards/?status=pending&format=print").content.decode()
    assert "Kecamatan Purwakarta" in page and "Status: menunggu moderasi" in page
    assert "Kerja bakti" in page and "Posyandu" not in page

    audits = export_audits("boards.announcements.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"status": "approved"}}

    outsider = csv_rows(client_for(cast.outsider).get("/boards/?format=csv"))
    assert [r[2] for r in outsider[1:]] == [elsewhere.text]
    assert client_for(cast.printer).get("/boards/?format=csv").status_code == 403
