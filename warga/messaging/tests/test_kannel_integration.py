"""Warga against a real Kannel (bearerbox + smsbox + fakesmsc on loopback ports): sendsms,
delivery reports back to Warga's live server, an incoming CEK and its reply."""

from __future__ import annotations

import time

import pytest

from warga.messaging.models import IncomingSms, IncomingStatus, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.services import sms_send
from warga.messaging.testing.kannel import KannelHarness, find_kannel

pytestmark = [
    pytest.mark.kannel,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(find_kannel() is None, reason="Kannel (bearerbox, smsbox, fakesmsc) is not installed"),
]
SECRET = "k4nnelsecret"


def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def kannel(tmp_path, live_server, settings, regions):
    harness = KannelHarness(
        tmp_path, incoming_url=f"{live_server.url}/api/v1/sms/kannel/incoming?secret={SECRET}"
    )
    with harness:
        settings.SMS_GATEWAY = "kannel"
        settings.KANNEL_SENDSMS_URL = harness.sendsms_url
        settings.KANNEL_USERNAME = harness.username
        settings.KANNEL_PASSWORD = harness.password
        settings.KANNEL_CALLBACK_SECRET = SECRET
        settings.SITE_URL = live_server.url
        settings.SMS_SENDER_ID = "PEMKAB"
        settings.SMS_QUIET_HOURS = ""
        yield harness


def test_send_deliver_receive_and_reply(kannel, monkeypatch):
    # 1. A message goes out through sendsms and reaches the phone.
    message = sms_send(to="0812-0000-0001", text="Kode verifikasi Warga: 482913", purpose="otp")
    got = kannel.wait_for_received(lambda m: m.receiver == "6281200000001", timeout=10)
    assert got.text == "Kode verifikasi Warga: 482913"
    assert got.sender == "PEMKAB"
    assert got.coding == 0

    # 2. Its delivery report comes back to Warga and updates the message.
    delivered = wait_until(
        lambda: SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.DELIVERED).first()
    )
    assert delivered.attempts == 1
    assert delivered.gateway == "kannel"
    assert delivered.sent_at and delivered.delivered_at
    assert delivered.dlr_status in (1, 8)

    # 3. A phone sends "CEK <code>": stored, answered, and the reply reaches the phone.
    kannel.inject_incoming("6281200000002", "1234", "CEK ab12cd")
    stored = wait_until(
        lambda: IncomingSms.objects.filter(sender="+6281200000002", status=IncomingStatus.HANDLED).first()
    )
    assert stored.text == "CEK ab12cd"
    assert stored.gateway == "kannel" and stored.gateway_ref
    reply = kannel.wait_for_received(lambda m: m.receiver == "6281200000002", timeout=10)
    assert "AB12CD" in reply.text
    assert SmsMessage.objects.get(pk=stored.reply_id).purpose == SmsPurpose.REPLY
    wait_until(lambda: SmsMessage.objects.filter(pk=stored.reply_id, status=SmsStatus.DELIVERED).exists())


def test_ucs2_and_multipart(kannel):
    text = "Undangan hajat — Ibu Siti, Sabtu 10.00 di RT 01. " * 3  # em dash: UCS-2, 3 parts
    message = sms_send(to="081200000003", text=text.strip(), purpose="notice")
    assert (message.encoding, message.segments) == ("ucs2", 3)
    got = kannel.wait_for_received(lambda m: m.receiver == "6281200000003", timeout=10)
    assert got.text == text.strip()
    assert got.parts == 3
    wait_until(lambda: SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.DELIVERED).exists())


def test_wrong_credentials_are_retried_not_lost(kannel, settings):
    settings.KANNEL_PASSWORD = "wrong"
    message = sms_send(to="081200000004", text="Halo", purpose="notice")
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    assert message.attempts == 1 and "403" in message.error
    assert message.not_before is not None
    assert kannel.received_by_phone() == []


def test_kannel_down_means_retry_later(settings, regions):
    settings.SMS_GATEWAY = "kannel"
    settings.KANNEL_SENDSMS_URL = "http://127.0.0.1:9/cgi-bin/sendsms"  # nothing listens
    message = sms_send(to="081200000005", text="Halo", purpose="notice")
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    # Kannel could not have it, and the outage is not the message's fault: no attempt is counted
    # (a restart of Kannel must not use up every queued message's attempts); sending pauses.
    assert message.attempts == 0 and "not reachable" in message.error


def test_sendsms_without_answer_is_never_resent(settings, regions):
    """Kannel took the request but no answer came: the outcome is unknown, so the message is not
    retried (at most once)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    settings.SMS_GATEWAY = "kannel"
    settings.KANNEL_SENDSMS_URL = f"http://127.0.0.1:{server.getsockname()[1]}/cgi-bin/sendsms"
    settings.KANNEL_TIMEOUT_SECONDS = 0.5
    try:
        message = sms_send(to="081200000006", text="Halo", purpose="notice")
    finally:
        for conn in accepted:
            conn.close()
        server.close()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED  # outcome unknown; a late delivery report may correct it
    assert message.attempts == 1 and "did not answer" in message.error
