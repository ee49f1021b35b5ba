"""Benchmark: sustained sending into a real Kannel (bearerbox + smsbox + fakesmsc) and the
delivery reports coming back (goal ≥ 200 messages per second, DLRs at the same rate).

    .venv/bin/python bench/sms/kannel_throughput.py [N] [CONCURRENCY]

Starts a private Kannel on loopback ports (warga.messaging.testing.kannel), Warga's WSGI app
under gunicorn as the callback target (DLRs), queues N broadcast messages and times the
dispatcher (`sms_dispatch`, claim → throttle → sendsms → record) until every message is
handed over, then until every DLR is processed. Raw limit, same run: N bare sendsms calls
straight to smsbox with the same concurrency (no database, no DLR).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 32
SECRET = "benchsecret"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from warga.messaging.testing.kannel import KannelHarness

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/warga_bench_sms_tp")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="warga-bench-kannel-"))
    harness = KannelHarness(
        work,
        incoming_url=f"{site}/api/v1/sms/kannel/incoming?secret={SECRET}",
        max_messages=5,
        log_level=int(os.environ.get("BENCH_KANNEL_LOG_LEVEL", "1")),  # as in deploy/kannel (info)
    )
    harness.start()
    env = {
        "SMS_GATEWAY": "kannel",
        "KANNEL_SENDSMS_URL": harness.sendsms_url,
        "KANNEL_USERNAME": harness.username,
        "KANNEL_PASSWORD": harness.password,
        "KANNEL_CALLBACK_SECRET": SECRET,
        "SITE_URL": site,
        "SMS_QUIET_HOURS": "",
        "SMS_RATE_PER_SECOND": os.environ.get("BENCH_RATE", "1000"),
        "SMS_SEND_CONCURRENCY": str(CONCURRENCY),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    from _setup import django_setup

    django_setup(fresh=True)
    web = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "warga.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("BENCH_WEB_WORKERS", "4"),
            "--threads",
            os.environ.get("BENCH_WEB_THREADS", "4"),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        run(harness, site)
    finally:
        web.terminate()
        web.wait(timeout=10)
        harness.stop()


def run(harness, site: str) -> None:
    import urllib.request

    from warga.messaging.models import SmsMessage, SmsStatus
    from warga.messaging.services import sms_dispatch

    for _ in range(100):  # wait for gunicorn
        try:
            urllib.request.urlopen(site + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    SmsMessage.objects.bulk_create(
        SmsMessage(
            to=f"+62812{i:08d}",
            text=f"Yth. warga {i}: posyandu Selasa 08.00 di balai desa.",
            purpose="broadcast",
            priority=90,
        )
        for i in range(N)
    )
    t0 = time.perf_counter()
    result = sms_dispatch(max_seconds=3600, batch=200, concurrency=CONCURRENCY)
    sent_s = time.perf_counter() - t0
    assert result.sent == N, result
    while True:
        done = SmsMessage.objects.filter(status=SmsStatus.DELIVERED).count()
        if done == N or time.perf_counter() - t0 > sent_s + 120:
            break
        time.sleep(0.2)
    dlr_s = time.perf_counter() - t0
    received = len(harness.received_by_phone())
    print(
        f"dispatch: {N:,} messages handed to Kannel in {sent_s:.1f} s = {N / sent_s:,.0f} msg/s "
        f"({CONCURRENCY} senders); fakesmsc received {received:,}"
    )
    print(
        f"DLRs: {done:,}/{N:,} delivered after {dlr_s:.1f} s = {done / dlr_s:,.0f} DLR/s end to end "
        f"(KANNEL_DLR_MASK={os.environ.get('KANNEL_DLR_MASK', '19')})"
    )

    # Raw limit: bare sendsms calls, same concurrency, no Warga in the loop.
    def bare(i: int) -> int:
        return harness.send_sms(f"62813{i:08d}", "raw benchmark message")[0]

    t1 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        codes = list(pool.map(bare, range(N)))
    raw_s = time.perf_counter() - t1
    print(
        f"raw sendsms limit: {N:,} in {raw_s:.1f} s = {N / raw_s:,.0f} msg/s (answers {sorted(set(codes))})"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
