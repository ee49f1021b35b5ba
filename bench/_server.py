"""The processes an installation runs, started by a benchmark, and HTTP clients that talk to them.

`start_web()` runs gunicorn with the command line `manage.py serve` uses; `start_consumer()` runs
the Huey consumer the same way (`run_huey --quiet --flush-locks`, as serve and
deploy/systemd/warga-tasks.service start it). Both inherit the benchmark's environment
(DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL, WARGA_DATA_DIR, SECRET_KEY), so they see the
benchmark's database and queue. Each runs in its own process group and writes to its own log.

`Officer` is one logged-in client with its own keep-alive connection: a browser session (cookie
and CSRF header, as the pages' htmx calls send them) or a bearer token (an API client).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A child process in its own process group, output to a log file."""

    def __init__(self, name: str, argv: list[str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # its own group: only what this process started
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self._log.close()


_WORKER_READY = re.compile(r"web process \d+ ready")  # warga/wsgi.py's last word


def start_web(
    log_dir: Path, *, workers: int | None = None, threads: int | None = None
) -> tuple[Process, int]:
    """gunicorn as `manage.py serve` runs it, on a free loopback port; returns once it answers."""
    from warga.core.management.commands.serve import web_command

    workers = workers or int(os.environ.get("WEB_CONCURRENCY", "2"))
    threads = threads or int(os.environ.get("WEB_THREADS", "4"))
    port = free_port()
    web = Process(
        "web",
        web_command(sys.executable, host="127.0.0.1", port=port, workers=workers, threads=threads),
        log_dir / "web.log",
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if not web.alive():
            raise SystemExit("the web server exited:\n" + web.log()[-3000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()  # any answer: the server is up (its checks may fail here)
            conn.close()
            # ... and every worker has loaded the application (a worker still loading takes no
            # requests: the first seconds would be served by fewer workers than configured).
            while len(_WORKER_READY.findall(web.log())) < workers:
                if time.monotonic() > deadline or not web.alive():
                    raise SystemExit("the web workers did not start:\n" + web.log()[-3000:])
                time.sleep(0.1)
            return web, port
        except OSError:
            time.sleep(0.3)
    web.stop()
    raise SystemExit("the web server did not start")


def start_consumer(log_dir: Path) -> Process:
    """The Huey consumer as `manage.py serve` and deploy/systemd run it."""
    from warga.core.management.commands.serve import consumer_command

    return Process(
        "consumer", consumer_command(sys.executable, str(ROOT / "manage.py")), log_dir / "consumer.log"
    )


# Huey logs, at INFO, "Executing <module>.<task>: <id>" and "<module>.<task>: <id> executed in 0.012s"
# (the benchmark's settings raise the huey logger to INFO in the consumer). Counted by number, not
# by id: the log filter masks anything that looks like a phone number, which a task id can.
_EXECUTING = re.compile(r"Executing ([\w.]+): ")
# A scheduled task's line carries its eta ("@2026-12-07 12:06:17.715651") and one with retries left
# says so ("2 retries"); the log's mask may have replaced digits of either with "[phone]".
_EXECUTED = re.compile(r"([\w.]+): \S+(?: .*?)? executed in ([0-9.]+)s")
_FAILED = re.compile(r"Unhandled exception in task ")


class ConsumerLog:
    """What the consumer ran, read from its log: tasks started, finished (with run times), failed."""

    def __init__(self, text: str) -> None:
        self.started: dict[str, int] = defaultdict(int)
        for m in _EXECUTING.finditer(text):
            self.started[m[1]] += 1
        self.seconds: dict[str, list[float]] = defaultdict(list)
        for m in _EXECUTED.finditer(text):
            self.seconds[m[1]].append(float(m[2]))
        self.failed = len(_FAILED.findall(text))
        finished = sum(len(v) for v in self.seconds.values()) + self.failed
        self.in_flight = sum(self.started.values()) - finished

    def ran(self, name: str) -> int:
        return self.started.get(name, 0)


def consumer_started(consumer: Process, timeout: float = 120.0) -> None:
    """Return once the consumer says it has started."""
    deadline = time.monotonic() + timeout
    while "consumer started" not in consumer.log():
        if time.monotonic() > deadline or not consumer.alive():
            raise SystemExit("the consumer did not start:\n" + consumer.log()[-3000:])
        time.sleep(0.2)


def wait_for_drain(
    consumer: Process, *, until: Any = None, timeout: float = 1800.0
) -> tuple[float, ConsumerLog]:
    """Seconds until nothing is queued or scheduled, no task runs and `until(ran)` (if given)
    holds; with what the consumer ran."""
    from huey.contrib.djhuey import HUEY

    started = time.monotonic()
    while True:
        ran = ConsumerLog(consumer.log())
        idle = HUEY.pending_count() == 0 and HUEY.scheduled_count() == 0 and ran.in_flight == 0
        if idle and (until is None or until(ran)):
            return time.monotonic() - started, ran
        if not consumer.alive():
            raise SystemExit("the consumer exited:\n" + consumer.log()[-3000:])
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the queue was not drained in {timeout:.0f} s")
        time.sleep(0.05)


def session_cookie(user: Any) -> str:
    """A logged-in session for `user`, as the login page would leave it (login itself not timed)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


class Officer:
    """One logged-in client with its own connection to the server (reopened when closed)."""

    def __init__(self, port: int, *, session: str | None = None, token: str | None = None) -> None:
        self.port = port
        self.headers: dict[str, str] = {}
        if session is not None:
            csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret of the cookie's form
            self.headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"
            self.headers["X-CSRFToken"] = csrf
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"
        self.connect()

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes, float]:
        """Status, body and milliseconds from sending the request to the last byte of the answer."""
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection: connect again and resend.
                self.conn.close()
                self.connect()
                if attempt == 2:
                    raise
                continue
            return response.status, data, (time.perf_counter() - started) * 1000
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes, float]:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any) -> tuple[int, Any, float]:
        status, data, ms = self.request("POST", path, json.dumps(payload).encode(), "application/json")
        return status, json.loads(data) if data else None, ms

    def close(self) -> None:
        self.conn.close()
