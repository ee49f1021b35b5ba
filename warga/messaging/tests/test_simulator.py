"""The SMS simulator: an administrator sends as a resident and sees the answer, on the embedded set-up."""

from __future__ import annotations

import re

from django.utils.html import escape

from warga.messaging.models import IncomingSms, IncomingStatus, SmsMessage

URL = "/sms/simulator/"


def _ref(html: str) -> str:
    return re.search(r'name="ref" value="([^"]+)"', html).group(1)


def test_incoming_sms_from_the_simulator_is_answered_on_screen(
    cast, client_for, regions, django_capture_on_commit_callbacks
):
    admin = client_for(cast.admin)
    page = admin.get(URL).content.decode()
    assert "Kirim sebagai warga" in page and "BERHENTI" in page
    with django_capture_on_commit_callbacks(execute=True):  # handled once the request commits
        response = admin.post(URL, {"phone": "0812 0000 0077", "text": "INFO", "ref": _ref(page)})
    assert response.status_code == 302
    assert response["Location"].endswith("?phone=%2B6281200000077")
    incoming = IncomingSms.objects.get()
    assert (incoming.sender, incoming.gateway, incoming.status) == ("+6281200000077", "simulator", "handled")
    reply = SmsMessage.objects.get(to="+6281200000077")
    shown = admin.get(URL, {"phone": "081200000077"}).content.decode()
    assert 'data-testid="sms-in"' in shown and ">INFO</div>" in shown
    assert escape(reply.text[:30]) in shown


def test_the_same_form_sent_twice_is_stored_once(
    cast, client_for, regions, django_capture_on_commit_callbacks
):
    admin = client_for(cast.admin)
    ref = _ref(admin.get(URL).content.decode())
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(URL, {"phone": "081200000078", "text": "INFO", "ref": ref})
    assert IncomingSms.objects.count() == 1
    assert SmsMessage.objects.filter(to="+6281200000078").count() == 1


def test_bad_input_changes_nothing(cast, client_for, regions):
    admin = client_for(cast.admin)
    ref = _ref(admin.get(URL).content.decode())
    for data in (
        {"phone": "abc", "text": "INFO", "ref": ref},
        {"phone": "081200000079", "text": "", "ref": ref},
        {"phone": "081200000079", "text": "x" * 481, "ref": ref},
        {"phone": "081200000079", "text": "INFO", "ref": "not-a-uuid"},
    ):
        response = admin.post(URL, data)
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode()
    assert IncomingSms.objects.count() == 0 and SmsMessage.objects.count() == 0


def test_only_the_administrator_and_only_on_the_development_gateway(cast, client_for, settings, regions):
    for user in (cast.outsider, cast.kec_officer, cast.dukcapil):
        assert client_for(user).post(URL, {"phone": "081200000080", "text": "INFO"}).status_code == 403
    assert client_for(None).post(URL, {"phone": "081200000080", "text": "INFO"}).status_code == 302
    settings.SMS_GATEWAY = "kannel"
    assert client_for(cast.admin).post(URL, {"phone": "081200000080", "text": "INFO"}).status_code == 404
    assert IncomingSms.objects.filter(status=IncomingStatus.RECEIVED).count() == 0
    assert IncomingSms.objects.count() == 0
