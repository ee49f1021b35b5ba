"""Log lines never carry a NIK, KK number or phone number: Warga's own logging (every handler in
settings.LOGGING) and gunicorn's access and error logs, as `manage.py serve` starts it."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings

from warga.core.logmask import MaskPersonalFilter, mask

NIK = "3214015708900003"
KK = "3214012005150001"
PHONES = ["+6281234567890", "081234567891", "6281234567892", "+62 812-3456-7893", "0812.3456.7894"]


def assert_clean(text: str) -> None:
    for secret in [NIK, KK, *PHONES]:
        digits = "".join(ch for ch in secret if ch.isdigit())
        assert digits not in "".join(ch for ch in text if ch.isdigit() or ch == "\n"), secret
        assert secret not in text, secret


def test_mask_keeps_other_numbers():
    line = f"GET /applications/42/ 200 13ms nik={NIK} to={PHONES[0]} id=1234567 year=2025"
    masked = mask(line)
    assert_clean(masked)
    assert "/applications/42/" in masked and "13ms" in masked and "1234567" in masked and "2025" in masked


def test_every_configured_handler_masks(settings):
    """Swap the configured handlers' streams and log as application code and Django would."""
    configured = set(settings.LOGGING["handlers"])
    loggers = [logging.getLogger(), logging.getLogger("huey"), logging.getLogger("django")]
    # (pytest adds capture handlers of its own; the configured ones carry their config name)
    handlers = {h for lg in loggers for h in lg.handlers if h.name in configured}
    assert {h.name for h in handlers} == configured
    assert all(any(isinstance(f, MaskPersonalFilter) for f in h.filters) for h in handlers)
    buffer = io.StringIO()
    saved = {h: h.setStream(buffer) for h in handlers}  # type: ignore[attr-defined]
    try:
        logging.getLogger("warga.registry").warning("looked up %s for %s", NIK, PHONES[1])
        logging.getLogger("django.request").error("Internal Server Error: /residents/%s/%s", KK, PHONES[0])
        logging.getLogger("huey").error("task failed for %s", PHONES[3])
        try:
            raise ValueError(f"bad NIK {NIK} / {PHONES[4]}")
        except ValueError:
            logging.getLogger("warga.applications").exception("submit failed for %s", PHONES[2])
    finally:
        for h, stream in saved.items():
            h.setStream(stream)  # type: ignore[attr-defined]
    output = buffer.getvalue()
    assert "looked up [nik] for [phone]" in output and "ValueError: bad NIK [nik]" in output
    assert_clean(output)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_and_error_logs_are_masked(tmp_path):
    """gunicorn started with the arguments `manage.py serve` gives it; requests whose paths hold
    a NIK and phone numbers."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "warga.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "WARGA_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "warga.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
                "--logger-class",
                "warga.core.logmask.GunicornLogger",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            paths = [f"/api/v1/nik/{NIK}/check", f"/track/{PHONES[0]}/", f"/x/{PHONES[1]}/{KK}"]
            deadline = time.monotonic() + 60
            served = 0
            while served < len(paths) and time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{paths[served]}", timeout=10)
                except urllib.error.HTTPError:
                    pass
                except OSError:
                    time.sleep(0.3)
                    continue
                served += 1
            assert served == len(paths), log.read_text()
            time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    output = log.read_text()
    assert output.count('"GET ') >= len(paths), output  # the access lines are there
    assert "/api/v1/nik/[nik]/check" in output, output
    assert_clean(output)


def test_successful_delivery_reports_stay_out_of_the_access_log(tmp_path):
    """One report arrives per SMS sent: the successful ones are recorded on their messages, not
    as access lines; a refused report is still logged. The path is the callbacks' own."""
    import datetime
    import logging
    import types

    from gunicorn.config import Config

    from warga.core.logmask import DLR_PATH, GunicornLogger
    from warga.messaging.callbacks import DLR_PATH as CALLBACK_PATH

    assert DLR_PATH == CALLBACK_PATH
    log = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log))
    cfg.set("access_log_format", '"%(m)s %(U)s" %(s)s')
    logger = GunicornLogger(cfg)

    def hit(path: str, status: int) -> None:
        resp = types.SimpleNamespace(
            status=f"{status} X", status_code=status, headers=[], sent=2, response_length=2
        )
        req = types.SimpleNamespace(headers=[], method="GET", path=path, query="", uri=path, version=(1, 1))
        environ = {
            "PATH_INFO": path,
            "RAW_URI": path,
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        logger.access(resp, req, environ, datetime.timedelta(milliseconds=3))

    hit(DLR_PATH, 200)
    hit(DLR_PATH, 403)
    hit("/healthz", 200)
    for handler in logging.getLogger("gunicorn.access").handlers:
        handler.flush()
    lines = log.read_text().splitlines()
    assert lines == [f'"GET {DLR_PATH}" 403', '"GET /healthz" 200'], lines
