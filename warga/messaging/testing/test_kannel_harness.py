"""The Kannel harness against the real Debian Kannel: sendsms -> phone, DLRs, phone -> incoming URL.

Plain pytest, no Django. Needs the Debian packages ``kannel`` and ``kannel-extras``.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from warga.messaging.testing.kannel import KannelHarness, find_kannel

pytestmark = [
    pytest.mark.kannel,
    pytest.mark.skipif(
        find_kannel() is None,
        reason="Kannel is not installed (needs bearerbox and smsbox from Debian package 'kannel' "
        "and fakesmsc from 'kannel-extras')",
    ),
]

PHONE = "6281234567890"
SHORTCODE = "1234"
SECRET = "s3cret"  # noqa: S105 - only for this test


@dataclass
class Recorder:
    """A tiny HTTP server on 127.0.0.1 that records every request Kannel makes."""

    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, raw_path: str) -> None:
        parsed = urllib.parse.urlsplit(raw_path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        with self.cond:
            self.requests.append((parsed.path, query))
            self.cond.notify_all()

    def wait_for(
        self, path: str, predicate: Callable[[dict[str, str]], bool], timeout: float = 10.0
    ) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for req_path, query in self.requests:
                    if req_path == path and predicate(query):
                        return query
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching {path} request within {timeout}s: {self.requests!r}")
                self.cond.wait(timeout=remaining)


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            rec.record(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def kannel(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KannelHarness]:
    workdir: Path = tmp_path_factory.mktemp("kannel")
    with KannelHarness(
        workdir,
        incoming_url=recorder.base + "/api/v1/sms/kannel/incoming?secret=" + SECRET,
        dlr_base_url=recorder.base + "/api/v1/sms/kannel/dlr?secret=" + SECRET,
    ) as harness:
        yield harness


def test_sendsms_reaches_phone_and_reports_delivery(kannel: KannelHarness, recorder: Recorder) -> None:
    dlr_url = kannel.dlr_url("mt-1")
    status, body = kannel.send_sms(
        PHONE, "Jadwal rekam KTP-el: Senin 08.00", sender="WARGA", dlr_mask=27, dlr_url=dlr_url
    )
    assert (status, body) == (202, "0: Accepted for delivery")

    msg = kannel.wait_for_received(lambda m: m.receiver == PHONE and "KTP-el" in m.text)
    assert (msg.sender, msg.text, msg.coding) == ("WARGA", "Jadwal rekam KTP-el: Senin 08.00", 0)

    dlr_path = "/api/v1/sms/kannel/dlr"
    acked = recorder.wait_for(dlr_path, lambda q: q.get("ref") == "mt-1" and q.get("status") == "8")
    delivered = recorder.wait_for(dlr_path, lambda q: q.get("ref") == "mt-1" and q.get("status") == "1")
    assert acked["secret"] == delivered["secret"] == SECRET
    assert acked["smsc_reply"] == "ACK/"
    assert (delivered["to"], delivered["from"], delivered["smsc"]) == (PHONE, "WARGA", "fake")


def test_sendsms_ucs2_text(kannel: KannelHarness, recorder: Recorder) -> None:
    text = "Undangan hajat — ꦲꦗꦠ 🎉"
    status, _ = kannel.send_sms(
        PHONE, text, sender="WARGA", coding=2, charset="UTF-8", dlr_mask=1, dlr_url=kannel.dlr_url("mt-ucs2")
    )
    assert status == 202
    msg = kannel.wait_for_received(lambda m: m.coding == 2 and "hajat" in m.text)
    assert msg.text == text
    assert msg.payload == text.encode("utf-16-be")
    recorder.wait_for("/api/v1/sms/kannel/dlr", lambda q: q.get("ref") == "mt-ucs2" and q["status"] == "1")


def test_incoming_sms_reaches_incoming_url(kannel: KannelHarness, recorder: Recorder) -> None:
    kannel.inject_incoming(PHONE, SHORTCODE, "CEK  ABC123")
    query = recorder.wait_for("/api/v1/sms/kannel/incoming", lambda q: "ABC123" in q.get("text", ""))
    assert query["secret"] == SECRET
    assert (query["from"], query["to"], query["text"]) == (PHONE, SHORTCODE, "CEK  ABC123")
    assert (query["coding"], query["charset"], query["smsc"]) == ("0", "UTF-8", "fake")
    assert query["ts"].isdigit() and query["id"]

    kannel.inject_incoming(PHONE, SHORTCODE, "Daftar ꦲ 🎉", coding=2)
    query = recorder.wait_for("/api/v1/sms/kannel/incoming", lambda q: q.get("text", "").startswith("Daftar"))
    assert query["text"] == "Daftar ꦲ 🎉"
    assert (query["coding"], query["charset"]) == ("0", "UTF-8")  # mo-recode turned UCS-2 into UTF-8
