"""Behind the reverse proxy the README recommends, the Kannel allow-list checks the client the
proxy reports, not the proxy itself; a client that is not a trusted proxy cannot claim an address."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from warga.messaging.models import SmsMessage, SmsStatus

from .test_callbacks_wsgi import keep_connection  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
KANNEL = "10.1.2.3"


def wsgi_get(url: str, *, peer: str, forwarded_for: str = "") -> int:
    from urllib.parse import urlsplit

    from warga.wsgi import application

    parts = urlsplit(url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "REMOTE_ADDR": peer,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if forwarded_for:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    seen: dict[str, int] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])

    b"".join(application(environ, start_response))
    return seen["status"]


@pytest.fixture
def allow_kannel(settings, secret):
    settings.KANNEL_CALLBACK_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXIES = [PROXY]
    return secret


def test_delivery_report_through_the_proxy_checks_the_forwarded_client(allow_kannel, keep_connection):  # noqa: F811
    m = SmsMessage.objects.create(to="+6281234567890", text="x", purpose="notice", status=SmsStatus.SENT)
    url = f"/api/v1/sms/kannel/dlr?secret={allow_kannel}&ref={m.pk}&status=1"
    assert wsgi_get(url, peer=PROXY, forwarded_for=KANNEL) == 200
    # The proxy appends the real peer: a forged first entry does not help an outsider.
    assert wsgi_get(url, peer=PROXY, forwarded_for=f"{KANNEL}, 192.0.2.9") == 403
    # Not through the proxy: X-Forwarded-For is not believed.
    assert wsgi_get(url, peer="192.0.2.9", forwarded_for=KANNEL) == 403
    # Without trusted proxies the proxy's own address is what counts (and it is not Kannel).
    from django.conf import settings

    settings.TRUSTED_PROXIES = []
    assert wsgi_get(url, peer=PROXY, forwarded_for=KANNEL) == 403


def test_incoming_sms_through_the_proxy_checks_the_forwarded_client(allow_kannel, regions):
    client = Client()
    url = f"/api/v1/sms/kannel/incoming?secret={allow_kannel}&from=6281200000001&text=INFO"
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=KANNEL).status_code == 200
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.9").status_code == 403
    assert client.get(url, REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=KANNEL).status_code == 403
