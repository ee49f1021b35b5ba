"""Run Warga's three processes together and keep them running: the web server (gunicorn), the
task consumer (Huey) and the SMS dispatcher.

Each is supervised on its own: one that exits is started again after a back-off (1 s, doubling
up to 30 s, reset once it has run for a minute) and the others go on. SIGTERM or SIGINT stops
all of them: the signal is forwarded, each gets STOP_TIMEOUT seconds to finish (the dispatcher
finishes its requests in flight and releases its lease), then what is left is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_TIMEOUT = 20.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0


def web_keepalive() -> int:
    """Seconds gunicorn keeps a client's connection open between requests (`WEB_KEEPALIVE`, 0 by
    default: closed after each answer).

    A worker that accepts a connection serves every request sent on it. Clients that connect at
    the same moment (four phones starting their sync, the officers of an office opening their
    pages) are accepted together by whichever worker wakes first: with keep-alive, every request
    of those clients then waits for that one process (one Python interpreter lock, one core)
    while the other workers sit idle — seen in the sync benchmark as all four phones on one of
    two workers in most runs, and 75/25 in the others. Closed after each answer, the next
    request is accepted by a worker that is free, as behind nginx, which by default opens a new
    connection to its upstream for each request. The cost is one connection per request: on
    loopback (behind a reverse proxy, which keeps the browser's or phone's own connection open)
    about 0.1 ms; a client on the office's network without a proxy pays one round trip more."""
    return max(0, int(os.environ.get("WEB_KEEPALIVE", "0")))


def web_command(python: str, *, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The web server as serve runs it (benchmarks start the same command). The access log names
    the worker process of each request (`pid=<…>`): how the work is spread shows there."""
    return [
        python,
        "-m",
        "gunicorn",
        "warga.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        str(web_keepalive()),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(M)sms pid=%(p)s',
        "--logger-class",
        "warga.core.logmask.GunicornLogger",
    ]


def consumer_command(python: str, manage: str) -> list[str]:
    """The task consumer as serve runs it. --flush-locks: a task lock left by a killed consumer
    must not outlive it."""
    return [python, manage, "run_huey", "--quiet", "--flush-locks"]


@dataclass
class Child:
    name: str
    argv: list[str]
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float = 0.0
    restarts: int = field(default=0)


class Command(BaseCommand):
    help = "Run gunicorn, the Huey consumer and the SMS dispatcher together (the embedded set-up)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default=os.environ.get("WARGA_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-dispatcher", action="store_true", help="do not run the SMS dispatcher")

    def handle(
        self,
        *args: Any,
        port: int,
        host: str,
        workers: int,
        threads: int,
        no_dispatcher: bool,
        **options: Any,
    ) -> None:
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "warga.settings"),
        }
        children = [
            Child("web", web_command(python, host=host, port=port, workers=workers, threads=threads)),
            Child("consumer", consumer_command(python, manage)),
        ]
        if not no_dispatcher:
            children.append(Child("sms-dispatcher", [python, manage, "sms_dispatcher"]))

        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        def start(child: Child) -> None:
            # Own process group: a Ctrl-C in the terminal reaches serve only, which stops the
            # children in order instead of all at once.
            child.popen = subprocess.Popen(child.argv, env=env, cwd=settings.BASE_DIR, start_new_session=True)
            child.started_at = time.monotonic()

        for child in children:
            start(child)
        self.stdout.write(self.style.SUCCESS(f"Warga is running at http://{host}:{port}/  (Ctrl-C to stop)"))
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    if child.popen is not None and child.popen.poll() is not None:
                        code = child.popen.returncode
                        if now - child.started_at >= STABLE_AFTER:
                            child.backoff = 1.0
                        child.restart_at = now + child.backoff
                        self.stderr.write(
                            f"{child.name} exited ({code}); starting it again in {child.backoff:.0f} s"
                        )
                        child.backoff = min(child.backoff * 2, BACKOFF_MAX)
                        child.popen = None
                    if child.popen is None and now >= child.restart_at and not stopping:
                        child.restarts += 1
                        start(child)
                time.sleep(0.2)
        finally:
            running = [c.popen for c in children if c.popen is not None and c.popen.poll() is None]
            for popen in running:
                popen.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            for popen in running:
                try:
                    popen.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait()
