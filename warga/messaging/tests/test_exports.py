"""The broadcasts and the SMS statistics as CSV, XLSX and print, with the page's filters and scope."""

from __future__ import annotations

import pytest

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.messaging.models import Broadcast, SmsMessage

pytestmark = pytest.mark.django_db


def _broadcast(cast, name, area, **extra):
    return Broadcast.objects.create(
        name=name, template="Posyandu besok", area=area, created_by=cast.kec_verifier, recipients_estimate=3,
        **extra,
    )  # fmt: skip


def test_broadcasts_export_follow_filters_scope_and_access(cast, client_for):
    _broadcast(cast, "Posyandu RW 1", cast.desa)
    _broadcast(cast, "Vaksin RW 2", cast.desa, status="rejected")
    _broadcast(cast, "Kerja bakti", cast.other_desa)
    officer = client_for(cast.kec_officer)

    rows = csv_rows(officer.get("/sms/broadcasts/?format=csv"))
    assert rows[0][:3] == ["Nama", "Jenis", "Wilayah"]
    assert {r[0] for r in rows[1:]} == {"Posyandu RW 1", "Vaksin RW 2"}
    rows = csv_rows(officer.get("/sms/broadcasts/?status=rejected&format=csv"))
    assert [r[0] for r in rows[1:]] == ["Vaksin RW 2"] and rows[1][4] == "ditolak"
    assert len(xlsx_rows(officer.get("/sms/broadcasts/?format=xlsx"))) == 3
    page = officer.get("/sms/broadcasts/?status=rejected&format=print").content.decode()
    assert "Kecamatan Purwakarta" in page and "Status: ditolak" in page
    assert "Vaksin RW 2" in page and "Posyandu RW 1" not in page

    audits = export_audits("sms.broadcasts.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"status": "rejected"}}

    outsider = csv_rows(client_for(cast.outsider).get("/sms/broadcasts/?format=csv"))
    assert [r[0] for r in outsider[1:]] == ["Kerja bakti"]
    assert client_for(cast.desa_operator).get("/sms/broadcasts/?format=csv").status_code == 403


def test_stats_export(cast, client_for):
    mine = _broadcast(cast, "Posyandu RW 1", cast.desa)
    SmsMessage.objects.create(
        to="+6281200000001", text="x", purpose="broadcast", status="delivered", broadcast=mine
    )
    SmsMessage.objects.create(
        to="+6281200000002", text="x", purpose="broadcast", status="failed", broadcast=mine, segments=2
    )
    SmsMessage.objects.create(to="+6281200000003", text="x", purpose="otp", status="delivered")
    officer = client_for(cast.kec_officer)
    rows = csv_rows(officer.get("/sms/stats/?days=7&format=csv"))
    assert rows[0][:4] == ["Hari", "Pesan", "Bagian SMS", "Diterima"]
    assert len(rows) == 2 and rows[1][1:4] == ["2", "3", "1"]  # only the area's broadcast
    assert csv_rows(client_for(cast.dukcapil).get("/sms/stats/?format=csv"))[1][1] == "3"
    assert len(xlsx_rows(officer.get("/sms/stats/?format=xlsx"))) == 2
    page = officer.get("/sms/stats/?days=7&format=print").content.decode()
    assert "Statistik SMS" in page and "Hari: 7" in page and "Kecamatan Purwakarta" in page
    assert export_audits("sms.stats.export")[0] == {"format": "csv", "rows": 1, "filters": {"days": "7"}}
    assert csv_rows(client_for(cast.outsider).get("/sms/stats/?format=csv"))[1:] == []
    assert client_for(cast.desa_operator).get("/sms/stats/?format=csv").status_code == 403


def test_invitations_export_follow_filters_scope_and_access(cast, people, client_for):
    from warga.messaging.services import invitation_refuse, invitation_request

    def ask(resident, number, text, scope="rt"):
        return invitation_request(resident=resident, number=number, scope=scope, text=text, channel="sms")

    ask(people.siti, "+6281200000001", "Syukuran khitanan Sabtu 10.00")
    refused = ask(people.budi, "+6281200000002", "Hajatan pernikahan Minggu", scope="rw")
    invitation_refuse(
        actor=cast.actor(cast.desa_operator), invitation_id=refused.pk, reason="Isi berisi promosi."
    )
    ask(people.elsewhere, "+6281200000008", "=Kenduri di desa lain")
    operator = client_for(cast.desa_operator)

    rows = csv_rows(operator.get("/sms/invitations/?format=csv"))  # the page's default: waiting ones
    assert rows[0][:3] == ["Diterima", "Warga", "Desa"]
    assert [(r[1], r[6], r[8]) for r in rows[1:]] == [
        ("SITI AMINAH", "Syukuran khitanan Sabtu 10.00", "menunggu operator desa")
    ]
    assert "+6281200000001" not in ",".join(rows[1])  # the resident's number stays out
    rows = csv_rows(operator.get("/sms/invitations/?status=refused&format=csv"))
    assert [(r[1], r[5], r[7], r[9]) for r in rows[1:]] == [
        ("BUDI SANTOSO", "RW saya", "SMS", "Isi berisi promosi.")
    ]
    everything = xlsx_rows(operator.get("/sms/invitations/?status=all&format=xlsx"))
    assert sorted(r[1] for r in everything[1:]) == ["BUDI SANTOSO", "SITI AMINAH"]
    page = operator.get("/sms/invitations/?status=refused&format=print").content.decode()
    assert "Undangan warga" in page and "Status: ditolak" in page
    assert "Hajatan pernikahan Minggu" in page and "Syukuran khitanan" not in page

    audits = export_audits("sms.invitations.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "xlsx", "print"]
    assert audits[0] == {"format": "csv", "rows": 1, "filters": {"status": "pending"}}
    assert audits[2] == {"format": "xlsx", "rows": 2, "filters": {}}

    admin = csv_rows(client_for(cast.admin).get("/sms/invitations/?status=all&format=csv"))
    assert "'=Kenduri di desa lain" in [r[6] for r in admin[1:]]  # never a formula
    assert client_for(cast.kec_officer).get("/sms/invitations/?format=csv").status_code == 403
