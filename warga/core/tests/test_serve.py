"""`manage.py serve` supervises the web server, the task consumer and the SMS dispatcher on their
own: killing one restarts it, the web server keeps answering and sending resumes; SIGTERM stops
them all. On the embedded task queue and on Redis."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from warga.messaging.testing.processes import ManagedProcess, process_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["embedded", "redis"])
def queue_env(request, tmp_path) -> dict[str, str]:
    """The task queue of the serve under test: the embedded SQLite store or Redis (a database
    number of its own, emptied, so parallel runs do not share tasks or locks)."""
    if request.param == "embedded":
        return {}
    url = f"redis://127.0.0.1:6379/{8 + os.getpid() % 8}"
    if not redis_reachable(url):
        pytest.skip("no Redis at 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    request.addfinalizer(client.flushdb)
    return {"REDIS_URL": url}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> dict[str, int]:
    """The child processes of `pid` by role: web, consumer, sms-dispatcher."""
    found: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) != pid:
            continue
        for role, marker in (
            ("web", "gunicorn"),
            ("consumer", "run_huey"),
            ("sms-dispatcher", "sms_dispatcher"),
        ):
            if marker in cmdline:
                found[role] = int(stat.parent.name)
    return found


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_web_keeps_answering_while_consumer_and_dispatcher_are_killed(tmp_path, queue_env):
    from django.db import connection

    from warga.messaging.models import SmsMessage, SmsPurpose, SmsStatus

    port = free_port()
    env = process_env(
        WARGA_DATA_DIR=str(tmp_path),
        SMS_LEASE_SECONDS="10",
        SMS_DISPATCHER_POLL_SECONDS="0.2",
        SMS_QUIET_HOURS="",
        **queue_env,
    )
    serve = ManagedProcess(
        ["serve", "--port", str(port), "--workers", "1", "--threads", "2"], env, tmp_path / "serve.log"
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        wait_for(lambda: len(children(serve.pid)) == 3, 30, "three children\n" + serve.log(), interval=0.2)

        def web_up() -> bool:
            try:
                return get(url) in (200, 503)
            except OSError:
                return False

        wait_for(web_up, 60, "the web server answers\n" + serve.log(), interval=0.3)
        before = children(serve.pid)

        failures: list[str] = []
        stop = threading.Event()

        def probe() -> None:
            while not stop.is_set():
                try:
                    get(url)
                except OSError as error:
                    failures.append(str(error))
                time.sleep(0.1)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()

        os.kill(before["consumer"], signal.SIGKILL)
        os.kill(before["sms-dispatcher"], signal.SIGKILL)
        wait_for(
            lambda: (
                (now := children(serve.pid)).get("consumer") not in (None, before["consumer"])
                and now.get("sms-dispatcher") not in (None, before["sms-dispatcher"])
            ),
            30,
            "consumer and dispatcher started again\n" + serve.log(),
            interval=0.2,
        )
        # Sending resumes by itself: a message queued after the kill is sent by the new dispatcher.
        message = SmsMessage.objects.create(to="+6281234500001", text="Tes", purpose=SmsPurpose.NOTICE)

        def sent() -> bool:
            connection.close()  # read what the dispatcher committed
            return SmsMessage.objects.get(pk=message.pk).status not in (SmsStatus.QUEUED, SmsStatus.SENDING)

        wait_for(sent, 60, "the restarted dispatcher sends\n" + serve.log(), interval=0.3)
        stop.set()
        prober.join(5)
        assert failures == []
        assert children(serve.pid)["web"] == before["web"]  # never restarted
        assert serve.alive()

        after = children(serve.pid)
        serve.signal(signal.SIGTERM)
        assert serve.wait(30) == 0, serve.log()
        for pid in after.values():
            assert (
                not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
            )
    finally:
        serve.stop()


def test_clients_that_connect_together_are_served_by_every_worker(tmp_path):
    """A connection is closed after each answer (`WEB_KEEPALIVE` 0), so four clients that connect
    at the same moment do not all stay with the worker that accepted them: their requests are
    spread over the workers, as the access log's process ids show."""
    port = free_port()
    env = process_env(WARGA_DATA_DIR=str(tmp_path))
    serve = ManagedProcess(
        ["serve", "--port", str(port), "--workers", "2", "--threads", "2", "--no-dispatcher"],
        env,
        tmp_path / "serve.log",
    )
    try:

        def web_up() -> bool:
            try:
                return get(f"http://127.0.0.1:{port}/healthz") in (200, 503)
            except OSError:
                return False

        wait_for(web_up, 60, "the web server answers\n" + serve.log(), interval=0.3)
        # Both workers have loaded the application (each logs "web process … ready").
        wait_for(
            lambda: len(re.findall(r"web process \d+ ready", serve.log())) >= 2,
            60,
            "two workers ready\n" + serve.log(),
            interval=0.3,
        )
        before = len(serve.log())
        barrier = threading.Barrier(4)
        closes: list[str] = []
        errors: list[BaseException] = []

        def client() -> None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.connect()
                barrier.wait()
                for _ in range(15):
                    conn.request("GET", "/healthz")
                    response = conn.getresponse()
                    response.read()
                    closes.append(response.getheader("Connection", ""))
                conn.close()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len(closes) == 60 and {c.lower() for c in closes} == {"close"}
        line = re.compile(r'"GET /healthz" \d+ \d+ms pid=<(\d+)>')
        wait_for(lambda: len(line.findall(serve.log()[before:])) >= 60, 10, serve.log()[-3000:])
        pids = line.findall(serve.log()[before:])
        assert len(set(pids)) == 2, serve.log()[-3000:]
    finally:
        serve.stop()
