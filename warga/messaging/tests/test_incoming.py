"""Kannel callbacks (secret, addresses, unknown messages) and the Indonesian keywords."""

from __future__ import annotations

from itertools import count
from urllib.parse import urlencode

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from warga.messaging.keywords import register_keyword, registered_keywords
from warga.messaging.models import (
    IncomingSms,
    IncomingStatus,
    NumberPreference,
    SmsMessage,
    SmsPurpose,
    SmsStatus,
)
from warga.reports.models import Case

pytestmark = pytest.mark.django_db
_ids = count(1)


def incoming(client: Client, secret: str, sender: str, text: str, *, ref: str | None = None, **extra):
    """Kannel hands over an SMS; the request commits, so the handling queued for after the commit
    runs (as the task queue would), and its reply is queued."""
    query = {
        "secret": secret,
        "from": sender,
        "to": "1234",
        "text": text,
        "id": ref or f"k-{next(_ids)}",
        **extra,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.get("/api/v1/sms/kannel/incoming?" + urlencode(query))


def replies_to(number: str) -> list[str]:
    return list(
        SmsMessage.objects.filter(to=number, purpose=SmsPurpose.REPLY)
        .order_by("id")
        .values_list("text", flat=True)
    )


@pytest.fixture
def client() -> Client:
    return Client()


# --- callback authentication ------------------------------------------------------------------


def test_forged_callbacks_are_refused(client, secret, regions):
    for path in ("/api/v1/sms/kannel/incoming", "/api/v1/sms/kannel/dlr"):
        for secret_part in ("", "secret=wrong&", "secret=t3stsecre&", "secret=t3stsecretX&", "secret=&"):
            response = client.get(f"{path}?{secret_part}from=6281200000001&text=INFO&ref=1&status=1")
            assert response.status_code == 403, (path, secret_part)
            assert response.json()["code"] == "sms.callback_forbidden"
    assert IncomingSms.objects.count() == 0


def test_callbacks_refused_when_no_secret_is_configured(client, settings, regions):
    settings.KANNEL_CALLBACK_SECRET = ""
    response = client.get("/api/v1/sms/kannel/incoming?secret=&from=6281200000001&text=INFO")
    assert response.status_code == 403


def test_allowed_addresses(client, secret, settings, regions):
    settings.KANNEL_CALLBACK_ALLOWED_IPS = ["10.0.0.0/8"]
    assert incoming(client, secret, "6281200000001", "INFO").status_code == 403
    settings.KANNEL_CALLBACK_ALLOWED_IPS = ["127.0.0.1"]
    assert incoming(client, secret, "6281200000001", "INFO").status_code == 200


def test_dlr_endpoint(client, secret):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    ok = client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=1&smsc_reply=&fid=F1")
    assert ok.status_code == 200
    assert ok.json() == {"message_id": m.pk, "status": "delivered"}
    unknown = client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref=987654&status=1")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "sms.unknown_message"
    bad = client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=x")
    assert bad.status_code == 422
    m.refresh_from_db()
    assert (m.status, m.gateway_message_id) == ("delivered", "F1")


# --- keywords ---------------------------------------------------------------------------------


def test_info_and_unknown_keyword(client, secret, regions):
    assert incoming(client, secret, "6281200000001", "info").status_code == 200
    assert incoming(client, secret, "6281200000001", "HALO pak").status_code == 200
    texts = replies_to("+6281200000001")
    assert len(texts) == 2
    assert "CEK" in texts[0] and "LAPOR" in texts[0] and "BERHENTI" in texts[0]
    assert "INFO" in texts[1]
    assert IncomingSms.objects.filter(status=IncomingStatus.HANDLED).count() == 2


def test_cek_with_unknown_code(client, secret, regions):
    incoming(client, secret, "6281200000001", "CEK zz999")
    (reply,) = replies_to("+6281200000001")
    assert "ZZ999" in reply


def test_cek_answers_through_the_applications_selector(client, secret, regions, monkeypatch):
    """CEK hands the code to the applications app's selector and sends back its line as is."""
    from warga.applications import selectors

    seen = []
    real = selectors.application_status_for_sms

    def status_for_sms(*, tracking_code):
        seen.append(tracking_code)
        return real(tracking_code=tracking_code) or "Berkas tidak ada"

    monkeypatch.setattr(selectors, "application_status_for_sms", status_for_sms)
    incoming(client, secret, "6281200000001", "cek ab12")
    assert seen == ["AB12"]
    assert replies_to("+6281200000001") == ["Berkas tidak ada"]


def test_retried_callback_is_stored_and_answered_once(client, secret, regions):
    for _ in range(3):
        assert incoming(client, secret, "6281200000001", "INFO", ref="same-id").status_code == 200
    assert IncomingSms.objects.count() == 1
    assert len(replies_to("+6281200000001")) == 1


def test_lapor_creates_a_citizen_report_in_the_residents_desa(client, secret, people):
    incoming(client, secret, "6281200000001", "LAPOR jalan rusak di RT 01, mohon diperbaiki")
    report = Case.objects.get()
    assert report.channel == "sms"
    assert report.reporter_phone == "+6281200000001"
    assert report.desa == people.siti.desa
    assert report.text == "jalan rusak di RT 01, mohon diperbaiki"
    (reply,) = replies_to("+6281200000001")
    assert report.reference in reply
    incoming(client, secret, "6281299999999", "LAPOR banjir")  # unknown number: kabupaten sees it
    assert Case.objects.get(reporter_phone="+6281299999999").desa is None
    incoming(client, secret, "6281299999999", "LAPOR")
    assert "LAPOR" in replies_to("+6281299999999")[-1]
    assert Case.objects.count() == 2


def test_berhenti_and_daftar(client, secret, people):
    number = "+6281200000001"
    incoming(client, secret, "6281200000001", "BERHENTI")
    phone = people.siti.phones.get()
    assert phone.opted_out_at is not None
    assert NumberPreference.objects.get(number=number).opted_out_at is not None
    assert "DAFTAR" in replies_to(number)[-1]  # the reply itself still reaches the resident
    incoming(client, secret, "6281200000001", "daftar")
    phone.refresh_from_db()
    assert phone.opted_out_at is None and phone.consent_broadcast
    assert NumberPreference.objects.get(number=number).opted_out_at is None
    incoming(client, secret, "6281200000001", "stop")
    phone.refresh_from_db()
    assert phone.opted_out_at is not None


def test_person_status_only_to_their_verified_number(client, secret, people):
    from django.utils import timezone

    from warga.cards.models import KtpCard

    KtpCard.objects.create(resident=people.siti, status="printed", status_at=timezone.now())
    incoming(client, secret, "6281200000001", "KTP")
    assert replies_to("+6281200000001") == ["KTP-el SITI: sudah dicetak."]
    incoming(client, secret, "6281200000002", "status ktp")  # no card yet, 45 years old
    assert replies_to("+6281200000002") == [
        "KTP-el BUDI: belum rekam: datang ke kantor kecamatan atau kegiatan jemput bola."
    ]
    # asking about someone else's NIK from one's own number reveals nothing
    incoming(client, secret, "6281200000001", f"STATUS {people.budi.nik}")
    assert "terverifikasi" in replies_to("+6281200000001")[-1]
    assert "BUDI" not in replies_to("+6281200000001")[-1]
    # an unverified number gets no personal answer
    incoming(client, secret, "6281200000004", "KTP")
    assert "tidak terdaftar" in replies_to("+6281200000004")[-1]


def test_flood_from_one_number_is_stored_without_reply_storm(client, secret, settings, regions):
    settings.SMS_INCOMING_LIMIT = 5
    for i in range(20):
        assert incoming(client, secret, "6281200000009", f"INFO {i}").status_code == 200
    assert IncomingSms.objects.filter(sender="+6281200000009").count() == 20
    assert len(replies_to("+6281200000009")) == 5
    assert IncomingSms.objects.filter(status=IncomingStatus.RATE_LIMITED).count() == 15


def test_incoming_from_a_foreign_or_invalid_number_is_stored_not_answered(client, secret, regions):
    assert incoming(client, secret, "447911123456", "INFO").status_code == 200
    assert incoming(client, secret, "abc", "INFO").status_code == 200
    assert IncomingSms.objects.filter(status=IncomingStatus.FAILED).count() == 2
    assert SmsMessage.objects.count() == 0


def test_missing_sender_is_refused(client, secret):
    response = client.get(f"/api/v1/sms/kannel/incoming?secret={secret}&text=INFO")
    assert response.status_code == 422
    assert IncomingSms.objects.count() == 0


def test_pluggable_keyword(client, secret, regions):
    register_keyword("SAMPEL", lambda ctx: f"Nomor antrian untuk {ctx.args or 'umum'}: A-12")
    try:
        assert "SAMPEL" in registered_keywords()
        incoming(client, secret, "6281200000001", "sampel kk")
        assert replies_to("+6281200000001") == ["Nomor antrian untuk kk: A-12"]
    finally:
        from warga.messaging import keywords

        keywords._HANDLERS.pop("SAMPEL", None)
    with pytest.raises(ValueError):
        register_keyword("two words", lambda ctx: None)


def test_a_burst_handled_late_answers_its_first_messages(settings, regions):
    """Six SMS stored before any is handled (a busy consumer): the first five are answered."""
    from warga.messaging.services import sms_incoming_handle

    settings.SMS_INCOMING_LIMIT = 5
    stored = [
        IncomingSms.objects.create(
            sender="+6281200000019",
            text=f"INFO {i}",
            keyword="INFO",
            gateway="kannel",
            gateway_ref=f"burst-{i}",
            status=IncomingStatus.RECEIVED,
        )
        for i in range(6)
    ]
    statuses = [sms_incoming_handle(incoming_id=sms.pk).status for sms in stored]
    assert statuses == [IncomingStatus.HANDLED] * 5 + [IncomingStatus.RATE_LIMITED]
    assert len(replies_to("+6281200000019")) == 5


def test_an_sms_with_control_characters_is_kept_and_answered(client, secret, regions):
    """A stray NUL or escape from a phone never loses the SMS: it is stored cleaned and answered."""
    response = incoming(client, secret, "6281200000031", "INFO\x00 \x1bhalo")
    assert response.status_code == 200
    stored = IncomingSms.objects.get(sender="+6281200000031")
    assert stored.text == "INFO   halo" and stored.status == IncomingStatus.HANDLED
    assert len(replies_to("+6281200000031")) == 1


@pytest.mark.parametrize("ts", ["99999999999999999", "999999999999", "-5", "abc", "0"])
def test_impossible_timestamp_is_replaced_by_the_receipt_time(client, secret, ts):
    before = timezone.now()
    response = incoming(client, secret, "6281200000001", "INFO", ts=ts)
    assert response.status_code == 200
    stored = IncomingSms.objects.get(sender="+6281200000001")
    assert stored.received_at >= before


def test_delivery_report_with_an_impossible_timestamp_is_applied(client, secret):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    response = client.get(
        f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=1&ts=99999999999999999&att=abc"
    )
    assert response.status_code == 422  # a malformed attempt is refused, never a server error
    response = client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=1&ts=99999999999999999")
    assert response.status_code == 200
    assert response.json()["status"] == SmsStatus.DELIVERED
