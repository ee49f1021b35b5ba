"""XLSX import (all rows or none, bombs refused before parsing) and exports that follow the list's
filters and the officer's scope, each audited."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from warga.audit.models import AuditLog
from warga.org.models import Unit
from warga.stakeholders import services
from warga.stakeholders.models import Stakeholder

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


def _csv(answer) -> list[list[str]]:
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_follows_the_filters_and_the_scope(cast, client_for, people, make):
    make(people.dinkes, name="Radar Kesehatan", kind="media", topics=["information"])
    make(people.dinkes, name="Kader Melati", kind="organisation")
    make(people.dinsos, name="Panti Harapan", kind="media")
    client = client_for(people.dinkes)
    everything = _csv(client.post("/stakeholders/export/", {"format": "csv", "active": "yes"}))
    names = {row[1] for row in everything[1:]}
    assert {"Radar Kesehatan", "Kader Melati"} <= names and "Panti Harapan" not in names
    media = _csv(client.post("/stakeholders/export/", {"format": "csv", "kind": "media", "active": "yes"}))
    assert [row[1] for row in media[1:]] == ["Radar Kesehatan"]
    assert media[0][:3] == ["kind", "name", "organisation"]
    log = AuditLog.objects.filter(action="stakeholders.stakeholder.export").order_by("-pk").first()
    assert log is not None and log.summary["kind"] == "media" and log.summary["rows"] == 1
    xlsx = client.post("/stakeholders/export/", {"format": "xlsx", "kind": "media", "active": "yes"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert [v[1] for v in values[1:]] == ["Radar Kesehatan"]


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
    assert client_for(people.kadis).post("/stakeholders/export/", {"format": "csv"}).status_code == 403
