"""Outreach lists as CSV, XLSX and print; residents served outside the target list counted apart."""

from __future__ import annotations

import pytest

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.outreach.models import OutreachEvent, Target
from warga.outreach.services import event_targets_build

pytestmark = pytest.mark.django_db


def test_served_outside_the_target_list_is_counted_apart(cast, client_for, event, phone, make_resident):
    listed, waiting = make_resident(age=25), make_resident(age=30)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    walk_in = make_resident(age=40)  # came to the event without being on its list
    phone.download(event)
    results = phone.sync(
        [
            phone.record("ktp_recording", {"resident": listed.pk}),
            phone.record("ktp_recording", {"resident": walk_in.pk}),
        ]
    ).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert Target.objects.get(resident=walk_in).on_list is False
    assert Target.objects.get(resident=waiting).served_at is None

    officer = client_for(cast.dukcapil)
    events = officer.get("/outreach/").content.decode()
    assert "1 / 2" in events and "+ 1 di luar daftar" in events
    page = officer.get(f"/outreach/events/{event.pk}/").content.decode()
    assert "1 / 2" in page and "+ 1 di luar daftar" in page and "di luar daftar</span>" in page
    stats = officer.get("/outreach/results/").content.decode()
    assert "Di luar daftar" in stats
    rows = csv_rows(officer.get("/outreach/results/?format=csv"))
    header = rows[0]
    assert rows[1][header.index("Sasaran")] == "2"
    assert rows[1][header.index("Dilayani")] == "1"
    assert rows[1][header.index("Di luar daftar")] == "1"

    targets = csv_rows(officer.get(f"/outreach/events/{event.pk}/?format=csv"))
    assert len(targets) == 4
    on_list = {r[0]: r[3] for r in targets[1:]}
    assert on_list[walk_in.full_name] == "Tidak" and on_list[listed.full_name] == "Ya"
    assert len(xlsx_rows(officer.get(f"/outreach/events/{event.pk}/?format=xlsx&kind=ktp_recording"))) == 4
    printed = officer.get(f"/outreach/events/{event.pk}/?format=print&kind=ktp_recording").content.decode()
    assert "Belum rekam KTP-el" in printed and "Hari jemput bola" in printed
    assert export_audits("outreach.event.targets.export")[-1]["filters"]["kind"] == "ktp_recording"
    assert client_for(cast.outsider).get(f"/outreach/events/{event.pk}/?format=csv").status_code == 404


def test_events_export_filters_scope_and_access(cast, client_for, event, team):
    other = OutreachEvent.objects.create(
        team=team, date=event.date, desa=cast.other_desa, meeting_point="Aula", services=["ktp_recording"],
        created_by=cast.dukcapil, status="cancelled",
    )  # fmt: skip
    officer = client_for(cast.dukcapil)
    rows = csv_rows(officer.get("/outreach/?format=csv"))
    assert rows[0][0] == "Tanggal" and len(rows) == 3
    rows = csv_rows(officer.get("/outreach/?status=cancelled&format=csv"))
    assert len(rows) == 2 and rows[1][2] == "Aula"
    assert len(xlsx_rows(officer.get(f"/outreach/?team={team.pk}&format=xlsx"))) == 3
    printed = officer.get("/outreach/?status=cancelled&format=print").content.decode()
    assert "Status: Dibatalkan" in printed and "Dinas Kependudukan" in printed
    assert export_audits("outreach.events.export")[1] == {
        "format": "csv",
        "rows": 1,
        "filters": {"status": "cancelled"},
    }
    kec = csv_rows(client_for(cast.kec_officer).get("/outreach/?format=csv"))
    assert [r[2] for r in kec[1:]] == ["Balai desa"] and other.meeting_point not in str(kec)
    assert client_for(cast.printer).get("/outreach/?format=csv").status_code == 403
