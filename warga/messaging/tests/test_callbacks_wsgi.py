"""The lean WSGI path for Kannel's delivery reports gives the same answers as the API operation."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from warga.messaging.models import SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


@dataclass
class Answer:
    status_code: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class WsgiClient:
    """Calls warga.wsgi.application as gunicorn does (the test client would bypass the wrapper)."""

    def __init__(self, remote_addr: str = "127.0.0.1"):
        from warga.wsgi import application

        self.app = application
        self.remote_addr = remote_addr

    def get(self, url: str) -> Answer:
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "REMOTE_ADDR": self.remote_addr,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
        }
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

        body = b"".join(self.app(environ, start_response))
        return Answer(seen["status"], body, seen["headers"])


@pytest.fixture
def keep_connection():
    """Inside a test transaction the connection must stay open: Django's test client disconnects
    the same receivers around its requests."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["api", "wsgi"])
def dlr_client(request, keep_connection):
    return Client() if request.param == "api" else WsgiClient()


def test_dlr_answers(dlr_client, secret):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    ok = dlr_client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=1&smsc_reply=&fid=F1")
    assert ok.status_code == 200
    assert ok.json() == {"message_id": m.pk, "status": "delivered"}
    again = dlr_client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=2&smsc_reply=x")
    assert again.json() == {"message_id": m.pk, "status": "delivered"}  # never leaves a final state
    unknown = dlr_client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref=987654&status=1")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "sms.unknown_message"
    assert unknown.json()["message"] == "Pesan tidak dikenal."
    bad = dlr_client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=x")
    assert bad.status_code == 422
    assert bad.json()["code"] == "sms.dlr_type"
    m.refresh_from_db()
    assert (m.status, m.gateway_message_id, m.dlr_status) == ("delivered", "F1", 1)


def test_accepted_report_moves_a_sending_message_to_sent(dlr_client, secret):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENDING)
    ok = dlr_client.get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=8&smsc_reply=ACK")
    assert ok.json() == {"message_id": m.pk, "status": "sent"}
    m.refresh_from_db()
    assert m.status == SmsStatus.SENT and m.sent_at is not None and m.dlr_status == 8


@pytest.mark.parametrize("secret_part", ["", "secret=wrong&", "secret=t3stsecretX&", "secret=&"])
def test_forged_reports_are_refused(dlr_client, secret, secret_part):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    response = dlr_client.get(f"/api/v1/sms/kannel/dlr?{secret_part}ref={m.pk}&status=1")
    assert response.status_code == 403
    assert response.json()["code"] == "sms.callback_forbidden"
    m.refresh_from_db()
    assert m.status == SmsStatus.SENT


def test_reports_only_from_allowed_addresses(secret, settings, keep_connection):
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    settings.KANNEL_CALLBACK_ALLOWED_IPS = ["10.0.0.0/8"]
    url = f"/api/v1/sms/kannel/dlr?secret={secret}&ref={m.pk}&status=1"
    assert WsgiClient("127.0.0.1").get(url).status_code == 403
    assert WsgiClient("10.1.2.3").get(url).status_code == 200


def test_other_requests_go_to_django(secret, monkeypatch, keep_connection):
    import warga.wsgi

    seen = []

    def django(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b""]

    monkeypatch.setattr(warga.wsgi.application, "app", django)
    WsgiClient().get("/api/v1/sms/kannel/incoming?secret=x")
    WsgiClient().get("/healthz")
    assert WsgiClient().get(f"/api/v1/sms/kannel/dlr?secret={secret}&ref=1&status=1").status_code == 404
    assert seen == ["/api/v1/sms/kannel/incoming", "/healthz"]
