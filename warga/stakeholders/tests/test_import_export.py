"""XLSX import (all rows or none, bombs refused before parsing) and exports that follow the list's
filters and the officer's scope, each audited."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.org.models import Unit
from warga.stakeholders import services
from warga.stakeholders.models import Stakeholder
from warga.stakeholders.tables import EXPORT_FIELDS

pytestmark = pytest.mark.django_db

HEADER = ["kind", "name", "organisation", "position", "topics", "region", "phone", "sms_consent",
          "consent_on", "consent_channel", "consent_evidence"]  # fmt: skip


def _xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("pemangku.xlsx", out.getvalue(), content_type="application/octet-stream")


def _rows(cast) -> list[list[object]]:
    desa = cast.desa.code
    return [
        ["pkk", "Ibu Euis", "TP PKK", "Ketua Pokja", "health,women_children", desa, "081299000111", "ya",
         "2026-01-05", "form", "Formulir"],
        ["media", "Radar Tasik", "Radar Tasik", "Redaksi", "information", desa, "", "tidak", "", "", ""],
    ]  # fmt: skip


def _unit(code: str = "dinkes") -> str:
    return str(Unit.objects.get(code=code).pk)


def test_a_good_workbook_is_imported_whole(cast, client_for, people):
    client = client_for(people.dinkes)
    answer = client.post("/stakeholders/import/", {"file": _xlsx(_rows(cast)), "unit": _unit()})
    assert answer.status_code == 302
    euis = Stakeholder.objects.get(name="Ibu Euis")
    assert euis.sms_consent and euis.phone == "+6281299000111" and euis.unit.code == "dinkes"
    assert Stakeholder.objects.filter(name="Radar Tasik", sms_consent=False).exists()
    assert AuditLog.objects.filter(action="stakeholders.stakeholder.import").exists()


def test_one_bad_row_stores_nothing_and_names_the_row(cast, client_for, people):
    rows = _rows(cast)
    rows.append(["bpd", "Agus", "", "", "", cast.other_desa.code, "0812", "ya", "", "", ""])
    before = Stakeholder.objects.count()
    answer = client_for(people.dinkes).post("/stakeholders/import/", {"file": _xlsx(rows), "unit": _unit()})
    assert answer.status_code == 200
    assert Stakeholder.objects.count() == before
    problems = answer.context["problems"]
    assert {p["row"] for p in problems} == {4}
    assert {"phone", "consent_on", "consent_channel", "consent_evidence"} <= {p["field"] for p in problems}
    assert 'data-testid="problems"' in answer.content.decode()


def test_a_row_outside_the_officers_area_is_refused(cast, client_for):
    rows = _rows(cast)
    rows[1][5] = cast.other_desa.code
    before = Stakeholder.objects.count()
    answer = client_for(cast.kec_officer).post(
        "/stakeholders/import/",
        {"file": _xlsx(rows), "unit": str(Unit.objects.get(kind="kecamatan", area=cast.kecamatan).pk)},
    )
    assert answer.status_code == 200
    assert [p["field"] for p in answer.context["problems"]] == ["region"]
    assert Stakeholder.objects.count() == before


def test_an_oversized_workbook_is_refused_before_it_is_read(cast, client_for, people, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_MAX_ROWS", 3)
    rows = _rows(cast) * 3  # six rows declared by the sheet's dimension
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1))
    answer = client_for(people.dinkes).post("/stakeholders/import/", {"file": _xlsx(rows), "unit": _unit()})
    assert answer.status_code == 200
    assert not opened
    assert answer.context["form"].non_field_errors()
    assert not Stakeholder.objects.filter(name="Ibu Euis").exists()


def test_a_file_that_is_not_a_workbook_is_refused(cast, client_for, people):
    answer = client_for(people.dinkes).post(
        "/stakeholders/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a zip"), "unit": _unit()}
    )
    assert answer.status_code == 200
    assert answer.context["form"].non_field_errors()


def test_export_follows_the_filters_and_the_scope(cast, client_for, people, make):
    make(people.dinkes, name="Radar Kesehatan", kind="media", topics=["information"])
    make(people.dinkes, name="Kader Melati", kind="organisation", consent=False)
    make(people.dinsos, name="Panti Harapan", kind="media")
    client = client_for(people.dinkes)
    everything = csv_rows(client.post("/stakeholders/export/", {"format": "csv", "active": "yes"}))
    assert everything[0] == list(EXPORT_FIELDS)
    names = {row[1] for row in everything[1:]}
    assert {"Radar Kesehatan", "Kader Melati"} <= names and "Panti Harapan" not in names
    media = csv_rows(
        client.post("/stakeholders/export/", {"format": "csv", "kind": "media", "active": "yes"})
    )
    assert [row[1] for row in media[1:]] == ["Radar Kesehatan"]
    assert media[0][:3] == ["kind", "name", "organisation"]
    radar = dict(zip(media[0], media[1], strict=True))
    assert radar["topics"] == "information" and radar["phone"].startswith("'+62812990")  # never a formula
    assert (radar["sms_consent"], radar["consent_channel"], radar["consent_evidence"]) == (
        "ya", "form", "Formulir bertanda tangan"
    )  # fmt: skip
    assert radar["consent_on"] == (timezone.localdate() - timedelta(days=3)).isoformat()
    assert (radar["unit"], radar["active"]) == ("Dinas Kesehatan", "ya")
    kader = csv_rows(
        client.post("/stakeholders/export/", {"format": "csv", "consent": "no", "active": "yes"})
    )
    assert [(r[1], r[9], r[10]) for r in kader[1:]] == [("Kader Melati", "tidak", "")]

    xlsx = xlsx_rows(
        client.post("/stakeholders/export/", {"format": "xlsx", "kind": "media", "active": "yes"})
    )
    assert list(xlsx[0]) == list(EXPORT_FIELDS) and [v[1] for v in xlsx[1:]] == ["Radar Kesehatan"]

    audits = export_audits("stakeholders.stakeholder.export")
    assert [a["format"] for a in audits] == ["csv", "csv", "csv", "xlsx"]
    assert audits[1] == {"format": "csv", "rows": 1, "filters": {"kind": "media", "active": "yes"}}

    everyone = csv_rows(client_for(people.kominfo).post("/stakeholders/export/", {"format": "csv"}))
    assert {"Radar Kesehatan", "Kader Melati", "Panti Harapan"} <= {r[1] for r in everyone[1:]}


def test_print_view_in_words_with_the_filters_and_no_search_in_the_audit(cast, client_for, people, make):
    make(people.dinkes, name="Radar Kesehatan", kind="media", topics=["information", "health"])
    make(people.dinkes, name="Radio Sehat", kind="media", consent=False)
    make(people.dinkes, name="Kader Melati", kind="organisation")
    make(people.dinsos, name="Radar Sosial", kind="media")
    answer = client_for(people.dinkes).post(
        "/stakeholders/export/", {"format": "print", "kind": "media", "q": "Radar", "active": "yes"}
    )
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert "Pemangku kepentingan" in page and "Dinas Kesehatan" in page
    assert "Jenis: Media" in page and "Radar" in page  # the officer's own filters, in words
    assert "Radar Kesehatan" in page and "Radio Sehat" not in page and "Kader Melati" not in page
    assert "Radar Sosial" not in page  # another unit's register
    assert '<th scope="col">Persetujuan SMS</th>' in page and "diberikan (Formulir bertanda tangan)" in page
    assert 'href="/stakeholders/"' in page  # back to the list, not to the export's address
    audit = export_audits("stakeholders.stakeholder.export")[-1]
    assert audit == {"format": "print", "rows": 1, "filters": {"kind": "media", "q": True, "active": "yes"}}
    assert "Radar" not in str(audit)


def test_an_unknown_format_or_a_list_too_long_goes_back_to_the_list(cast, client_for, people, make, settings):
    make(people.dinkes, name="Radar Kesehatan", kind="media")
    make(people.dinkes, name="Kader Melati", kind="organisation")
    client = client_for(people.dinkes)
    answer = client.post("/stakeholders/export/", {"format": "pdf"})
    assert answer.status_code == 302 and answer["Location"] == "/stakeholders/"
    settings.EXPORT_MAX_ROWS = 1
    answer = client.post("/stakeholders/export/", {"format": "csv", "active": "yes"})
    assert answer.status_code == 302 and answer["Location"] == "/stakeholders/"
    assert not export_audits("stakeholders.stakeholder.export")


def test_an_export_imports_back(cast, client_for, people, make):
    make(people.dinkes, name="Yayasan Gizi", kind="ngo", topics=["health", "women_children"])
    client = client_for(people.dinkes)
    exported = client.post("/stakeholders/export/", {"format": "xlsx", "kind": "ngo", "active": "yes"})
    data = b"".join(exported.streaming_content)
    Stakeholder.objects.filter(name="Yayasan Gizi").update(name="Yayasan Gizi lama")
    answer = client.post(
        "/stakeholders/import/",
        {"file": SimpleUploadedFile("back.xlsx", data), "unit": _unit()},
    )
    assert answer.status_code == 302, answer.context["problems"] if answer.context else answer
    again = Stakeholder.objects.get(name="Yayasan Gizi")
    assert again.topic_list() == ["health", "women_children"] and again.sms_consent


def test_export_needs_manage(cast, client_for, people):
    for fmt in ("csv", "xlsx", "print"):
        assert client_for(people.kadis).post("/stakeholders/export/", {"format": fmt}).status_code == 403
    assert client_for(people.kadis).get("/stakeholders/export/?format=csv").status_code in (403, 405)
