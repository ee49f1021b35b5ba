"""The queue and the statistics as CSV, XLSX and print, with the page's filters and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.applications.models import Application
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db


def test_queue_exports_follow_filters_scope_and_access(cast, client_for, flow):
    first = flow.submit(child_name="Anak Pertama")
    late = flow.submit(child_name="Anak Kedua")
    Application.objects.filter(pk=late.pk).update(stage_due_on=timezone.localdate() - timedelta(days=3))
    officer = client_for(cast.kec_verifier)

    rows = csv_rows(officer.get("/applications/?status=all&format=csv"))
    assert rows[0][:3] == ["Kode", "Layanan", "Pemohon"]
    assert {r[0] for r in rows[1:]} == {first.tracking_code, late.tracking_code}
    rows = csv_rows(officer.get("/applications/?status=all&overdue=on&format=csv"))
    assert [r[0] for r in rows[1:]] == [late.tracking_code]

    sheet = xlsx_rows(officer.get("/applications/?status=all&format=xlsx"))
    assert len(sheet) == 3

    page = officer.get("/applications/?status=all&overdue=on&format=print").content.decode()
    assert "Kecamatan Purwakarta" in page and "Hanya yang terlambat" in page and "Semua berkas aktif" in page
    assert late.tracking_code in page and first.tracking_code not in page

    audits = export_audits("applications.queue.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1]["rows"] == 1 and audits[1]["filters"] == {"status": "all", "overdue": "True"}

    assert csv_rows(client_for(cast.outsider).get("/applications/?status=all&format=csv"))[1:] == []
    assert client_for(cast.admin).get("/applications/?format=csv").status_code == 403


def test_queue_export_refused_above_the_row_cap(cast, client_for, flow, settings):
    flow.submit()
    flow.submit()
    settings.EXPORT_MAX_ROWS = 1
    response = client_for(cast.kec_verifier).get("/applications/?status=all&format=csv", follow=True)
    assert response.redirect_chain[0][0] == "/applications/?status=all"
    assert "paling banyak 1" in response.content.decode()
    assert export_audits("applications.queue.export") == []


def test_stats_exports(cast, client_for, flow):
    flow.submit()
    rows = csv_rows(client_for(cast.head).get("/applications/stats/?format=csv"))
    assert rows[0] == ["Kantor", "Layanan", "Diterima", "Selesai", "Terlambat"]
    assert len(rows) == 2 and rows[1][2] == "1"
    assert len(xlsx_rows(client_for(cast.head).get("/applications/stats/?format=xlsx"))) == 2
    page = client_for(cast.head).get("/applications/stats/?format=print").content.decode()
    assert "Dari" in page and "Statistik permohonan" in page
    assert export_audits("applications.stats.export")[0]["rows"] == 1
    assert csv_rows(client_for(cast.outsider).get("/applications/stats/?format=csv"))[1:] == []
    assert client_for(cast.kec_officer).get("/applications/stats/?format=csv").status_code == 403
