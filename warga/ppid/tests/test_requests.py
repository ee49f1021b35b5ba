"""Requests through the pages: the public form, receipt and tracking; desk entry; who sees what;
the clock across cuti bersama and the extension; forwarding; decisions, documents and links."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from warga.audit.models import AuditLog
from warga.core.scoping import Actor
from warga.messaging.models import SmsMessage
from warga.ppid.models import AnswerDocument, InformationRequest, RequestEvent, RequestStatus
from warga.ppid.services import RequestInput, download_token, request_due, request_file
from warga.ppid.services.documents import LINK_SALT

from .conftest import NIK, form_data

pytestmark = pytest.mark.django_db


def _pdf_bytes(text: str = "Rekap") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, text)
    return bytes(pdf.output())


def _file(actor_user=None, *, unit=None, **extra) -> InformationRequest:
    data = RequestInput(
        name="Siti",
        nik=NIK,
        address="Jl. Merdeka 5",
        phone="081200007001",
        information="Data gizi",
        purpose="Penelitian",
        unit_id=unit.pk if unit else None,
        **extra,
    )
    actor = Actor.for_user(actor_user) if actor_user else None
    return request_file(actor=actor, channel="desk" if actor else "web", data=data)


def _at(monkeypatch, day: date) -> None:
    moment = timezone.make_aware(datetime.combine(day, time(9, 0)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- The public form -------------------------------------------------------------------------------


def test_public_form_registers_with_a_number_receipt_and_sms(people, client):
    page = client.get("/ppid/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post("/ppid/", form_data(people.kec_unit))
    assert response.status_code == 302 and response["Location"] == "/ppid/terkirim/"
    filed = InformationRequest.objects.get()
    year = timezone.localdate().year
    assert filed.number == f"PPID/{year}/000001" and filed.number not in response["Location"]
    assert filed.receiving_unit == people.kec_unit == filed.holding_unit
    assert filed.due_on == request_due(filed.received_on)
    assert filed.phone == "+6281200007001" and filed.requester_nik == NIK
    assert filed.number in client.get("/ppid/terkirim/").content.decode()
    receipt = client.get("/ppid/tanda-bukti/")
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    (sms,) = SmsMessage.objects.filter(to="+6281200007001")
    assert filed.number in sms.text
    assert RequestEvent.objects.filter(request=filed, action="file").exists()
    assert AuditLog.objects.filter(action="ppid.request.file", object_id=str(filed.pk)).exists()
    # The next one gets the next number.
    client.post("/ppid/", form_data())
    assert InformationRequest.objects.order_by("-pk").first().number == f"PPID/{year}/000002"


def test_portal_shows_the_card(people, client):
    assert "/ppid/" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "", "nik": ""}, "name"),
        ({"nik": "3214011203860000"}, "nik"),  # serial 0000
        ({"nik": "12345"}, "nik"),
        ({"phone": "", "email": ""}, "phone"),
        ({"requester_kind": "legal_body", "nik": ""}, "legal_papers"),
        ({"delivery": "email", "email": ""}, "email"),
    ],
)
def test_public_form_refuses_bad_input_and_stores_nothing(people, client, changes, field):
    response = client.post("/ppid/", form_data(**changes))
    assert response.status_code == 422
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not InformationRequest.objects.exists() and not SmsMessage.objects.exists()


def test_legal_body_papers_are_checked_by_content(people, client):
    fake = SimpleUploadedFile("akta.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post("/ppid/", form_data(requester_kind="legal_body", nik="", legal_papers=fake))
    assert response.status_code == 422 and "legal_papers" in response.context["form"].errors
    papers = SimpleUploadedFile("akta.pdf", _pdf_bytes("Akta"), content_type="application/pdf")
    response = client.post("/ppid/", form_data(requester_kind="legal_body", nik="", legal_papers=papers))
    assert response.status_code == 302
    filed = InformationRequest.objects.get()
    assert filed.requester_nik == "" and filed.legal_papers_type == "application/pdf"


def test_nul_bytes_are_refused(people, client):
    response = client.post("/ppid/", form_data(information="Data\x00gizi"))
    assert response.status_code == 400
    assert not InformationRequest.objects.exists()


def test_public_form_is_rate_limited(people, client, settings):
    settings.PPID_RATE_LIMITS = {"file": (1, 3600)}
    assert client.post("/ppid/", form_data()).status_code == 302
    assert client.post("/ppid/", form_data()).status_code == 429
    assert InformationRequest.objects.count() == 1


def test_tracking_by_posted_number_shows_no_personal_data(people, client):
    filed = _file(unit=people.kec_unit)
    response = client.post("/ppid/lacak/", {"number": filed.number.lower().replace("/", " ")})
    page = response.content.decode()
    assert response.status_code == 200 and filed.number in page and people.kec_unit.name in page
    for personal in ("Siti", NIK, "7001", "Data gizi"):
        assert personal not in page
    assert client.post("/ppid/lacak/", {"number": "PPID/2020/999999"}).status_code == 404


# --- Desk entry and who sees what -----------------------------------------------------------------------


def test_desk_entry_by_a_pembantu_lands_in_their_unit(people, client_for):
    client = client_for(people.kec)
    response = client.post("/ppid/requests/new/", {**form_data(), "channel": "letter"})
    filed = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ppid/requests/{filed.pk}/"
    assert (filed.channel, filed.receiving_unit, filed.created_by) == ("letter", people.kec_unit, people.kec)
    # A pembantu cannot register for another unit.
    response = client.post("/ppid/requests/new/", {**form_data(people.dinkes_unit), "channel": "desk"})
    assert response.status_code == 404


def test_a_pembantu_sees_only_their_units_requests(people, client_for):
    mine = _file(unit=people.kec_unit)
    theirs = _file(unit=people.dinkes_unit)
    kec = client_for(people.kec)
    listing = kec.get("/ppid/requests/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert kec.get(f"/ppid/requests/{theirs.pk}/").status_code == 404
    assert client_for(people.other_kec).get(f"/ppid/requests/{mine.pk}/").status_code == 404
    for everyone in (people.utama, people.atasan):
        listing = client_for(everyone).get("/ppid/requests/").content.decode()
        assert mine.number in listing and theirs.number in listing
    # Officers without a PPID role are refused; the read of a request is audited.
    assert client_for(people.kec_unit and _counter(people)).get("/ppid/requests/").status_code == 403
    assert client_for(people.utama).get(f"/ppid/requests/{mine.pk}/").status_code == 200
    assert AuditLog.objects.filter(action="ppid.informationrequest.view", object_id=str(mine.pk)).exists()


def _counter(people):
    from warga.accounts.models import User

    return User.objects.get(username="kec_officer")


# --- The clock -------------------------------------------------------------------------------------------


def test_the_clock_skips_cuti_bersama_and_extends_once(people, client_for, monkeypatch):
    # Thursday 27 March 2025: 28 March is cuti bersama (Nyepi), 31 March–1 April Idul Fitri,
    # 2–4 and 7 April cuti bersama, 18 April Good Friday.
    _at(monkeypatch, date(2025, 3, 27))
    filed = _file(unit=people.kec_unit)
    assert filed.received_on == date(2025, 3, 27)
    assert filed.due_on == date(2025, 4, 22)  # 10 working days: 8–11, 14–17, 21, 22 April
    client = client_for(people.kec)
    response = client.post(f"/ppid/requests/{filed.pk}/act/", {"action": "extend", "note": ""})
    assert response.status_code == 200 and "note" in response.context["form"].errors
    response = client.post(
        f"/ppid/requests/{filed.pk}/act/", {"action": "extend", "note": "Data masih dikumpulkan dari desa."}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.due_on == date(2025, 5, 2) and filed.extended  # + 7 working days (1 May is a holiday)
    response = client.post(f"/ppid/requests/{filed.pk}/act/", {"action": "extend", "note": "Lagi."})
    assert response.status_code == 200
    assert "2025-05-02" in str(response.context["form"].non_field_errors())  # the date it runs to
    filed.refresh_from_db()
    assert filed.due_on == date(2025, 5, 2)
    assert any("2025" in s.text or "02-05-2025" in s.text for s in SmsMessage.objects.filter(to=filed.phone))


def test_overdue_requests_escalate_to_the_utama_then_the_atasan(people, monkeypatch):
    from warga.ppid.services import requests_escalate_overdue

    _at(monkeypatch, date(2025, 3, 27))
    filed = _file(unit=people.kec_unit)
    assert requests_escalate_overdue(today=date(2025, 4, 22)) == 0  # due today: not yet overdue
    assert requests_escalate_overdue(today=date(2025, 4, 26)) == 0  # Saturday: nothing happens
    _at(monkeypatch, date(2025, 4, 23))
    assert requests_escalate_overdue(today=date(2025, 4, 23)) == 1
    filed.refresh_from_db()
    assert filed.escalation_level == 1
    assert SmsMessage.objects.filter(to="+6281277700011", text__contains=filed.number).exists()
    assert requests_escalate_overdue(today=date(2025, 4, 24)) == 0  # one working day later: wait
    assert requests_escalate_overdue(today=date(2025, 4, 25)) == 1
    assert SmsMessage.objects.filter(to="+6281277700012", text__contains=filed.number).exists()


# --- Forwarding ------------------------------------------------------------------------------------------


def test_forwarding_keeps_the_number_and_the_clock(people, client_for, client):
    filed = _file(unit=people.kec_unit)
    number, due = filed.number, filed.due_on
    kec = client_for(people.kec)
    response = kec.post(
        f"/ppid/requests/{filed.pk}/act/",
        {"action": "forward", "unit": str(people.dinkes_unit.pk), "note": "Data gizi ada di Dinkes."},
    )
    assert response.status_code == 302 and response["Location"] == "/ppid/requests/"
    filed.refresh_from_db()
    assert (filed.number, filed.due_on, filed.holding_unit) == (number, due, people.dinkes_unit)
    assert filed.receiving_unit == people.kec_unit
    event = RequestEvent.objects.get(request=filed, action="forward")
    assert event.unit == people.dinkes_unit and event.note == "Data gizi ada di Dinkes."
    # The kecamatan no longer sees it; Dinkes does; the requester sees who holds it now.
    assert kec.get(f"/ppid/requests/{filed.pk}/").status_code == 404
    assert client_for(people.dinkes).get(f"/ppid/requests/{filed.pk}/").status_code == 200
    assert people.dinkes_unit.name in client.post("/ppid/lacak/", {"number": number}).content.decode()
    assert SmsMessage.objects.filter(to=filed.phone, text__contains=people.dinkes_unit.name).exists()


def test_each_action_per_role(people, client_for):
    filed = _file(unit=people.kec_unit)
    url = f"/ppid/requests/{filed.pk}/act/"
    forward = {"action": "forward", "unit": str(people.dinkes_unit.pk), "note": "x"}
    assert client_for(people.atasan).post(url, forward).status_code == 403  # no ppid.handle
    assert client_for(people.dinkes).post(url, forward).status_code == 404  # not their unit's
    # A pembantu may not "assign" (the utama's action); the utama may.
    response = client_for(people.kec).post(url, {"action": "assign", "unit": str(people.dinkes_unit.pk)})
    assert response.status_code == 200 and InformationRequest.objects.get().holding_unit == people.kec_unit
    assert (
        client_for(people.utama)
        .post(url, {"action": "assign", "unit": str(people.dinkes_unit.pk)})
        .status_code
        == 302
    )
    assert InformationRequest.objects.get().holding_unit == people.dinkes_unit


# --- Decisions, documents and links -------------------------------------------------------------------------


def test_refusal_needs_the_ground_and_the_consequence_test(people, client_for):
    filed = _file(unit=people.kec_unit)
    client = client_for(people.kec)
    url = f"/ppid/requests/{filed.pk}/act/"
    response = client.post(url, {"action": "decide", "outcome": "refused"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "exemption_ground" in errors and "consequence_test" in errors
    response = client.post(
        url, {"action": "decide", "outcome": "refused", "exemption_ground": "h", "consequence_test": "UK/04"}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.outcome, filed.exemption_ground) == ("answered", "refused", "h")
    assert client.get(f"/ppid/requests/{filed.pk}/notice.pdf").content.startswith(b"%PDF")
    # Delivering refused information is impossible.
    assert client.post(url, {"action": "deliver"}).status_code == 200


def test_held_elsewhere_names_the_other_body(people, client_for, client):
    filed = _file(unit=people.kec_unit)
    response = client_for(people.kec).post(
        f"/ppid/requests/{filed.pk}/act/",
        {"action": "decide", "outcome": "elsewhere", "other_body": "BPS Kabupaten Purwakarta"},
    )
    assert response.status_code == 302
    assert (
        "BPS Kabupaten Purwakarta" in client.post("/ppid/lacak/", {"number": filed.number}).content.decode()
    )


def test_answer_documents_are_checked_and_bound_to_the_holding_unit(people, client_for):
    filed = _file(unit=people.kec_unit)
    url = f"/ppid/requests/{filed.pk}/documents/"
    kec = client_for(people.kec)
    fake = SimpleUploadedFile("a.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = kec.post(url, {"name": "Rekap", "file": fake})
    assert response.status_code == 200 and "file" in response.context["attach"].errors
    # Another unit's pembantu cannot attach to this request: not found.
    other = client_for(people.dinkes).post(
        url, {"name": "Rekap", "file": SimpleUploadedFile("r.pdf", _pdf_bytes(), "application/pdf")}
    )
    assert other.status_code == 404
    assert not AnswerDocument.objects.exists()


def test_oversized_attachment_is_refused_before_reading(people, client_for, settings):
    settings.PPID_MAX_FILE_BYTES = 2000
    filed = _file(unit=people.kec_unit)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5000, content_type="application/pdf")
    response = client_for(people.kec).post(
        f"/ppid/requests/{filed.pk}/documents/", {"name": "Big", "file": big}
    )
    assert response.status_code == 200 and "file" in response.context["attach"].errors
    assert not AnswerDocument.objects.exists()


def test_granted_answer_is_downloaded_with_an_expiring_signed_link(people, client_for, client, settings):
    filed = _file(unit=people.kec_unit)
    kec = client_for(people.kec)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    png = SimpleUploadedFile("peta.png", out.getvalue(), content_type="image/png")
    pdf = SimpleUploadedFile("rekap.pdf", _pdf_bytes(), content_type="application/pdf")
    assert (
        kec.post(f"/ppid/requests/{filed.pk}/documents/", {"name": "Rekap", "file": pdf}).status_code == 302
    )
    assert kec.post(f"/ppid/requests/{filed.pk}/documents/", {"name": "Peta", "file": png}).status_code == 302
    doc = AnswerDocument.objects.order_by("pk").first()
    token = download_token(doc)
    # Not granted yet: the link gives nothing.
    assert client.get(f"/ppid/unduh/{token}/").status_code == 404
    kec.post(f"/ppid/requests/{filed.pk}/act/", {"action": "decide", "outcome": "granted", "copy_cost": "0"})
    # The requester proves the request and gets the links.
    page = client.post("/ppid/lacak/", {"number": filed.number, "contact": "0812-0000-7001"})
    links = page.context["requester"].links
    assert len(links) == 2
    response = client.get(links[0][1])
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditLog.objects.filter(action="ppid.document.download").count() == 1
    # A wrong contact gets no links; a forged or expired link is 404.
    page = client.post("/ppid/lacak/", {"number": filed.number, "contact": "081299999999"})
    assert "requester" not in page.context and "contact" in page.context["form"].errors
    forged = signing.TimestampSigner(salt="another").sign(f"{doc.pk}.{filed.pk}")
    assert client.get(f"/ppid/unduh/{forged}/").status_code == 404
    assert client.get(f"/ppid/unduh/{token[:-2]}xx/").status_code == 404
    settings.PPID_LINK_DAYS = -1
    assert client.get(f"/ppid/unduh/{token}/").status_code == 404
    assert signing.TimestampSigner(salt=LINK_SALT).unsign(token)  # the token itself was genuine


def test_decision_sms_and_deliver(people, client_for):
    filed = _file(unit=people.kec_unit)
    kec = client_for(people.kec)
    with TestCase.captureOnCommitCallbacks(execute=True):
        kec.post(
            f"/ppid/requests/{filed.pk}/act/",
            {"action": "decide", "outcome": "partly", "exemption_ground": "h", "consequence_test": "UK/1"},
        )
    sent = SmsMessage.objects.filter(to=filed.phone).order_by("pk")
    texts = list(sent.exclude(purpose="broadcast").values_list("text", flat=True))
    assert len(texts) == 2 and filed.number in texts[1]
    # ...and, consent-bound, the invitation to the satisfaction survey.
    assert "IKM" in sent.get(purpose="broadcast").text
    assert kec.post(f"/ppid/requests/{filed.pk}/act/", {"action": "deliver"}).status_code == 302
    filed.refresh_from_db()
    assert filed.status == RequestStatus.DELIVERED
