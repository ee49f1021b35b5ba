"""The registers: the Daftar Informasi Publik and the exempted information, on the public pages
and the officers' pages; their exports; a refusal citing the register; objection ground b."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF

from warga.audit.models import AuditLog
from warga.core.scoping import Actor
from warga.ppid.models import (
    ExemptInformation,
    InformationDocument,
    InformationRequest,
    Objection,
    PublicInformation,
)
from warga.ppid.services import (
    ExemptionInput,
    InformationInput,
    RequestInput,
    exemption_save,
    information_document_attach,
    information_save,
    request_file,
)

from .conftest import NIK

pytestmark = pytest.mark.django_db


def _pdf_bytes(text: str = "Rekap") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, text)
    return bytes(pdf.output())


def _entry(user, *, category="berkala", title="Profil kecamatan", summary="Struktur organisasi", **extra):
    data = {
        "category": category,
        "title": title,
        "summary": summary,
        "format": "soft",
        "retention": "5 tahun",
        "period": "2025",
        "published_on": timezone.localdate() - timedelta(days=10),
        **extra,
    }
    return information_save(actor=Actor.for_user(user), data=InformationInput(**data))


def _exempt(user, *, ground="h", title="Data pribadi penerima bansos", reference="UK/2026/01"):
    return exemption_save(
        actor=Actor.for_user(user),
        data=ExemptionInput(
            ground=ground,
            title=title,
            test_reference=reference,
            tested_on=timezone.localdate() - timedelta(days=30),
            consequence="Membuka rahasia pribadi.",
            period="5 tahun",
        ),
    )


def _form(**extra):
    return {
        "category": "berkala",
        "unit": "",
        "title": "Laporan keuangan 2025",
        "summary": "Neraca dan realisasi anggaran.",
        "format": "soft",
        "retention": "10 tahun",
        "period": "2025",
        "published_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        **extra,
    }


# --- The public DIP ---------------------------------------------------------------------------------


def test_public_dip_lists_filters_searches_and_pages(people, client):
    first_visit = client.get("/ppid/dip/")
    assert first_visit.status_code == 200 and 'data-testid="empty"' in first_visit.content.decode()
    kec = _entry(people.kec, title="Jadwal pelayanan KTP-el")
    dinkes = _entry(
        people.dinkes, category="serta_merta", title="Wabah demam berdarah", summary="Wilayah KLB"
    )
    gone = _entry(people.kec, title="Rencana lama")
    client_kec = Actor.for_user(people.kec)
    from warga.ppid.services import information_withdraw

    information_withdraw(actor=client_kec, entry_id=gone.pk, reason="Diganti rencana baru.")
    page = client.get("/ppid/dip/").content.decode()
    assert kec.title in page and dinkes.title in page and gone.title not in page
    page = client.get("/ppid/dip/", {"kind": "serta_merta"}).content.decode()
    assert dinkes.title in page and kec.title not in page
    page = client.get("/ppid/dip/", {"unit": people.kec_unit.pk}).content.decode()
    assert kec.title in page and dinkes.title not in page
    page = client.get("/ppid/dip/", {"q": "klb"}).content.decode()  # the summary, any case
    assert dinkes.title in page and kec.title not in page
    empty = client.get("/ppid/dip/", {"q": "tidak ada yang cocok"})
    assert empty.status_code == 200 and 'data-testid="empty"' in empty.content.decode()
    # An unknown category is a clear 400, listing nothing.
    bad = client.get("/ppid/dip/", {"kind": "rahasia"})
    assert bad.status_code == 400 and "kind" in bad.context["form"].errors
    # Pages of 25.
    for n in range(30):
        _entry(people.dinkes, category="setiap_saat", title=f"Dokumen nomor {n:02d}")
    first = client.get("/ppid/dip/", {"kind": "setiap_saat"})
    assert len(first.context["page"].object_list) == 25 and "page=2" in first.content.decode()
    second = client.get("/ppid/dip/", {"kind": "setiap_saat", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_portal_links_both_registers(people, client):
    page = client.get("/").content.decode()
    assert "/ppid/dip/" in page and "/ppid/dikecualikan/" in page


def test_document_is_downloaded_as_an_attachment_until_withdrawn(people, client, client_for):
    entry = _entry(people.kec)
    document = information_document_attach(
        actor=Actor.for_user(people.kec), entry_id=entry.pk, name="Profil", content=_pdf_bytes()
    )
    page = client.get("/ppid/dip/").content.decode()
    url = f"/ppid/dip/dokumen/{document.pk}/"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    kec = client_for(people.kec)
    assert kec.post(f"/ppid/registers/dip/{entry.pk}/withdraw/", {"reason": ""}).status_code == 200
    assert (
        kec.post(f"/ppid/registers/dip/{entry.pk}/withdraw/", {"reason": "Salah unggah."}).status_code == 302
    )
    assert client.get(url).status_code == 404
    entry.refresh_from_db()
    assert entry.withdrawn and entry.withdrawn_reason == "Salah unggah."  # kept, not deleted
    assert AuditLog.objects.filter(action="ppid.information.withdraw", object_id=str(entry.pk)).exists()


# --- Exports ----------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_exports_hold_what_the_filters_show(people, client, client_for):
    _entry(people.kec, title="Jadwal pelayanan")
    _entry(people.kec, category="setiap_saat", title="=HYPERLINK(1)")
    _entry(people.dinkes, title="Profil kesehatan")
    response = client.get("/ppid/dip/ekspor/", {"kind": "berkala", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv_rows(response)
    assert rows[0][0] == "Kategori"
    assert sorted(r[2] for r in rows[1:]) == ["Jadwal pelayanan", "Profil kesehatan"]
    rows = _csv_rows(client.get("/ppid/dip/ekspor/", {"unit": people.kec_unit.pk}))
    assert sorted(r[2] for r in rows[1:]) == ["'=HYPERLINK(1)", "Jadwal pelayanan"]  # never a formula
    response = client.get("/ppid/dip/ekspor/", {"q": "kesehatan", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Profil kesehatan"]
    assert client.get("/ppid/dip/ekspor/", {"kind": "nope"}).status_code == 400
    assert not AuditLog.objects.filter(action="ppid.register.export").exists()  # public data
    # The officer's export: their unit's entries, with the same filters, audited (the searched
    # text by name only), in Indonesian whatever the officer's language.
    kec = client_for(people.kec)
    kec.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _csv_rows(kec.get("/ppid/registers/dip/export/", {"kind": "berkala", "q": "jadwal"}))
    assert rows[0][0] == "Kategori" and [r[2] for r in rows[1:]] == ["Jadwal pelayanan"]
    assert rows[1][9] == "tercantum dalam daftar"
    audit = AuditLog.objects.get(action="ppid.register.export")
    assert (audit.object_type, audit.actor) == ("ppid.publicinformation", people.kec)
    assert audit.summary == {"format": "csv", "rows": 1, "filters": {"kind": "berkala", "q": True}}
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(kec.get("/ppid/registers/dip/export/", {"format": "xlsx"}).streaming_content))
    ).active
    assert sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "=HYPERLINK(1)",  # a text cell, never a formula
        "Jadwal pelayanan",
    ]
    assert next(sheet.iter_rows(min_row=2, values_only=True))[7] is not None


def test_exempt_register_public_and_export(people, client, client_for):
    _exempt(people.kec, ground="h", title="Data pribadi penerima bansos")
    _exempt(people.dinkes, ground="b", title="HPS alat kesehatan", reference="UK/2026/07")
    page = client.get("/ppid/dikecualikan/", {"kind": "b"}).content.decode()
    assert "HPS alat kesehatan" in page and "penerima bansos" not in page
    rows = _csv_rows(client.get("/ppid/dikecualikan/ekspor/", {"unit": people.kec_unit.pk}))
    assert rows[0][:3] == ["Dasar pengecualian (Pasal 17)", "Unit", "Informasi yang dikecualikan"]
    assert [r[2] for r in rows[1:]] == ["Data pribadi penerima bansos"]
    assert rows[1][3:5] == ["UK/2026/01", (timezone.localdate() - timedelta(days=30)).isoformat()]
    response = client.get("/ppid/dikecualikan/ekspor/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 3
    # The officer's: what they keep, audited as an export of this register.
    rows = _csv_rows(client_for(people.dinkes).get("/ppid/registers/exempt/export/", {"kind": "b"}))
    assert [r[2] for r in rows[1:]] == ["HPS alat kesehatan"]
    audit = AuditLog.objects.get(action="ppid.register.export")
    assert audit.object_type == "ppid.exemptinformation"
    assert audit.summary == {"format": "csv", "rows": 1, "filters": {"kind": "b"}}


# --- Officers ---------------------------------------------------------------------------------------


def test_pembantu_keeps_their_units_entries_only(people, client_for, client):
    kec = client_for(people.kec)
    response = kec.post("/ppid/registers/dip/new/", _form())
    entry = PublicInformation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ppid/registers/dip/{entry.pk}/"
    assert entry.unit == people.kec_unit and entry.created_by == people.kec
    assert AuditLog.objects.filter(action="ppid.information.create", object_id=str(entry.pk)).exists()
    # Another unit's pembantu: not found, for the page and for every write.
    theirs = _entry(people.dinkes, title="Profil kesehatan")
    url = f"/ppid/registers/dip/{theirs.pk}/"
    assert kec.get(url).status_code == 404
    assert kec.post(url, _form(title="Diubah")).status_code == 404
    assert kec.post(url + "withdraw/", {"reason": "x"}).status_code == 404
    assert (
        kec.post(url + "documents/", {"file": SimpleUploadedFile("a.pdf", _pdf_bytes())}).status_code == 404
    )
    theirs.refresh_from_db()
    assert theirs.title == "Profil kesehatan" and not theirs.withdrawn
    # Nor can they create one for another unit.
    assert kec.post("/ppid/registers/dip/new/", _form(unit=str(people.dinkes_unit.pk))).status_code == 404
    listing = kec.get("/ppid/registers/dip/").content.decode()
    assert entry.title in listing and theirs.title not in listing
    # The PPID utama keeps every unit's.
    utama = client_for(people.utama)
    assert theirs.title in utama.get("/ppid/registers/dip/").content.decode()
    assert utama.post(url, _form(title="Profil kesehatan 2025", version=theirs.version)).status_code == 302
    theirs.refresh_from_db()
    assert theirs.title == "Profil kesehatan 2025" and theirs.version == 2
    # The atasan and anonymous cannot write.
    assert client_for(people.atasan).get("/ppid/registers/dip/").status_code == 403
    assert client.post("/ppid/registers/dip/new/", _form()).status_code == 302  # to the login page
    assert PublicInformation.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"category": "rahasia"}, "category"),
        ({"published_on": ""}, "published_on"),
        ({"published_on": (date.today() + timedelta(days=30)).isoformat()}, "published_on"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_stored(people, client_for, changes, field):
    response = client_for(people.kec).post("/ppid/registers/dip/new/", _form(**changes))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not PublicInformation.objects.exists()


def test_uploads_are_checked_by_content_and_size(people, client_for, settings):
    entry = _entry(people.kec)
    kec = client_for(people.kec)
    url = f"/ppid/registers/dip/{entry.pk}/documents/"
    fake = SimpleUploadedFile("laporan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = kec.post(url, {"name": "Laporan", "file": fake})
    assert response.status_code == 200 and "file" in response.context["attach"].errors
    settings.PPID_MAX_FILE_BYTES = 2000
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5000, content_type="application/pdf")
    response = kec.post(url, {"name": "Besar", "file": big})
    assert response.status_code == 200 and "file" in response.context["attach"].errors
    assert not InformationDocument.objects.exists()
    settings.PPID_MAX_FILE_BYTES = 10 * 1024 * 1024
    ok = SimpleUploadedFile("laporan.pdf", _pdf_bytes(), content_type="application/pdf")
    assert kec.post(url, {"name": "Laporan", "file": ok}).status_code == 302
    assert InformationDocument.objects.get().content_type == "application/pdf"


def test_exempt_entries_are_kept_and_withdrawn(people, client_for):
    kec = client_for(people.kec)
    data = {
        "ground": "h",
        "unit": "",
        "title": "Rekam medis",
        "test_reference": "UK/2026/09",
        "tested_on": (timezone.localdate() - timedelta(days=5)).isoformat(),
        "consequence": "Rahasia pribadi pasien.",
        "period": "selamanya",
    }
    bad = kec.post("/ppid/registers/exempt/new/", {**data, "ground": "z", "consequence": ""})
    assert bad.status_code == 200 and {"ground", "consequence"} <= set(bad.context["form"].errors)
    assert kec.post("/ppid/registers/exempt/new/", data).status_code == 302
    entry = ExemptInformation.objects.get()
    assert entry.unit == people.kec_unit
    other = client_for(people.dinkes)
    assert other.get(f"/ppid/registers/exempt/{entry.pk}/").status_code == 404
    response = kec.post(f"/ppid/registers/exempt/{entry.pk}/withdraw/", {"reason": "Masa berlaku habis."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn and AuditLog.objects.filter(action="ppid.exemption.withdraw").exists()
    # A withdrawn entry can no longer be changed.
    response = kec.post(f"/ppid/registers/exempt/{entry.pk}/", {**data, "title": "Baru"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    entry.refresh_from_db()
    assert entry.title == "Rekam medis"


# --- A refusal citing the register ------------------------------------------------------------------


def _filed(people) -> InformationRequest:
    return request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            name="Siti",
            nik=NIK,
            address="Jl. 5",
            phone="081200007001",
            information="Data penerima bansos",
            purpose="Riset",
            unit_id=people.kec_unit.pk,
        ),
    )


def test_a_refusal_cites_a_register_entry_or_a_free_reference(people, client_for):
    entry = _exempt(people.dinkes, ground="h", reference="UK/2026/04")
    other = _exempt(people.dinkes, ground="b", title="HPS", reference="UK/2026/05")
    filed = _filed(people)
    kec = client_for(people.kec)
    page = kec.get(f"/ppid/requests/{filed.pk}/").content.decode()
    assert "UK/2026/04" in page and "<optgroup" in page  # offered, grouped by ground
    url = f"/ppid/requests/{filed.pk}/act/"
    # An entry of another ground is refused on its field.
    response = kec.post(
        url, {"action": "decide", "outcome": "refused", "exemption_ground": "h", "exemption_entry": other.pk}
    )
    assert response.status_code == 200 and "exemption_entry" in response.context["form"].errors
    # The entry alone gives the ground and the consequence test.
    response = kec.post(url, {"action": "decide", "outcome": "refused", "exemption_entry": entry.pk})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.exemption_ground, filed.consequence_test, filed.exemption_entry) == (
        "h",
        "UK/2026/04",
        entry,
    )
    # The free reference still works without an entry.
    second = _filed(people)
    response = kec.post(
        f"/ppid/requests/{second.pk}/act/",
        {"action": "decide", "outcome": "refused", "exemption_ground": "h", "consequence_test": "UK/lama"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.exemption_entry is None and second.consequence_test == "UK/lama"


# --- Objection ground b: periodic information not published -------------------------------------------


def _decided(people) -> InformationRequest:
    from warga.ppid.services import Decision, request_transition

    return request_transition(
        actor=Actor.for_user(people.kec),
        request_id=_filed(people).pk,
        action="decide",
        decision=Decision(outcome="not_documented"),
    )


def _object(client, number, **extra):
    return client.post(
        "/ppid/keberatan/",
        {
            "number": number,
            "contact": "081200007001",
            "ground": "not_published",
            "reason": "Informasi berkala tidak diumumkan.",
            **extra,
        },
    )


def test_objection_on_periodic_information_that_is_published_is_refused(people, client):
    entry = _entry(people.kec, title="Realisasi anggaran kecamatan")
    information_document_attach(
        actor=Actor.for_user(people.kec), entry_id=entry.pk, name="Realisasi", content=_pdf_bytes()
    )
    decided = _decided(people)
    response = _object(client, decided.number, information=entry.pk)
    assert response.status_code == 422
    message = " ".join(response.context["form"].errors["information"])
    assert "Realisasi anggaran kecamatan" in message and timezone.localdate().isoformat() in message
    assert not Objection.objects.exists()
    # Naming neither an entry nor a topic is refused too.
    assert "information" in _object(client, decided.number).context["form"].errors


def test_objection_on_periodic_information_not_published_is_filed(people, client, monkeypatch):
    without_document = _entry(people.kec, title="Jadwal pelayanan")
    decided = _decided(people)
    response = _object(client, decided.number, information=without_document.pk)
    assert response.status_code == 200
    objection = Objection.objects.get()
    assert objection.information == without_document and objection.ground == "not_published"


def test_periodic_information_not_renewed_for_six_months_is_not_published(people, client):
    stale = _entry(people.kec, title="Laporan semester lama")
    document = information_document_attach(
        actor=Actor.for_user(people.kec), entry_id=stale.pk, name="Lama", content=_pdf_bytes()
    )
    InformationDocument.objects.filter(pk=document.pk).update(created_at=timezone.now() - timedelta(days=200))
    decided = _decided(people)
    assert _object(client, decided.number, information=stale.pk).status_code == 200
    assert Objection.objects.get().information == stale


def test_objection_on_a_topic_not_in_the_register(people, client):
    decided = _decided(people)
    assert _object(client, decided.number, topic="Laporan keuangan desa").status_code == 200
    assert Objection.objects.get().topic == "Laporan keuangan desa"


# --- API ---------------------------------------------------------------------------------------------


def test_api_reads_publicly_and_writes_for_officers(people, client, client_for):
    _entry(people.kec, title="Jadwal pelayanan")
    listing = client.get("/api/v1/information-requests/registers/dip", {"category": "berkala"})
    assert listing.status_code == 200 and listing.json()["items"][0]["title"] == "Jadwal pelayanan"
    body = {
        "category": "setiap_saat",
        "title": "Daftar puskesmas",
        "summary": "Alamat dan jam layanan.",
        "retention": "1 tahun",
        "period": "2026",
        "published_on": timezone.localdate().isoformat(),
    }
    url = "/api/v1/information-requests/registers/dip"
    assert client.post(url, body, content_type="application/json").status_code == 401
    dinkes = client_for(people.dinkes)
    created = dinkes.post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["unit_id"] == people.dinkes_unit.pk
    entry_id = created.json()["id"]
    bad = dinkes.post(url, {**body, "category": "rahasia"}, content_type="application/json")
    assert bad.status_code == 422
    theirs = client_for(people.kec).put(f"{url}/{entry_id}", body, content_type="application/json")
    assert theirs.status_code == 404
    withdrawn = dinkes.post(
        f"{url}/{entry_id}/withdraw", {"reason": "Ganda."}, content_type="application/json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_reason"] == "Ganda."
    assert client.get(f"{url}/{entry_id}").status_code == 404  # no longer public
