"""Benchmark: a broadcast end to end on the production path (goal ≥ 200 msg/s and ≥ 0.3× raw).

    .venv/bin/python bench/sms/production_path.py [--recipients N] [--concurrency C] [--reuse]

Fresh PostgreSQL database (DATABASE_URL, default warga_bench_sms_pp), the Purwakarta regions and
N residents with one verified, consenting phone each; a private Kannel (bearerbox + smsbox +
fakesmsc, warga.messaging.testing.kannel); then `manage.py serve` exactly as in production
(gunicorn with the delivery-report WSGI path, the Huey consumer, the SMS dispatcher process) with
SMS_RATE_PER_SECOND above the goal. A broadcast to all N is composed by one officer and approved
by another through the services the pages call; the clock runs from the approval to the last
delivery report applied. Raw limits in the same run, each at the same concurrency and with no
database and no Warga: (a) N bare sendsms requests straight to smsbox, no delivery reports;
(b) the same work as the production path done the simplest way: N sendsms requests asking for
delivery reports, timed until a bare WSGI receiver on gunicorn (bench/sms/_dlr_sink.py) has
taken N reports. Prints the ratios to both, and the counts of messages, of messages fakesmsc
received and of delivery reports applied.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "benchsecret"
TEXT = "Yth. {nama}: perekaman KTP-el keliling hari Selasa di kantor desa."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (503 while nothing is set up is fine)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def officers():
    """A composing officer and an approving verifier of the kabupaten (as the pages' users)."""
    from warga.accounts.services import staff_create
    from warga.core.permissions import Role
    from warga.core.scoping import Actor
    from warga.org.models import Unit
    from warga.org.services import units_create_standard
    from warga.regions.models import Region

    kab = Region.objects.get(code="32.14")
    units_create_standard(region=kab)
    unit = Unit.objects.get(code="disdukcapil")
    users = []
    for name, role in (
        ("bench_composer", Role.DISDUKCAPIL_VERIFIER),
        ("bench_approver", Role.DISDUKCAPIL_HEAD),
    ):
        users.append(
            staff_create(
                actor=None,
                username=f"{name}_{os.getpid()}",
                password="bench-password-123",
                full_name=name,
                roles=[role],
                unit_id=unit.pk,
                area_code=kab.code,
            )
        )
    return [Actor.for_user(u) for u in users]


def raw_kannel(
    harness, n: int, concurrency: int, *, reports_to: str = "", count_file: Path | None = None
) -> float:
    """Seconds for n bare sendsms requests at the given concurrency (distinct numbers). With
    `reports_to`: each asks for a delivery report to that URL, and the clock runs until
    `count_file` shows n reports received."""
    params = {
        "username": harness.username,
        "password": harness.password,
        "from": "PEMKAB",
        "charset": "UTF-8",
    }
    if reports_to:
        params["dlr-mask"] = "19"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def one(i: int) -> int:
        extra = {"dlr-url": f"{reports_to}?ref={i}&status=%d&ts=%T"} if reports_to else {}
        query = urllib.parse.urlencode({**params, **extra, "to": f"62899{i:08d}", "text": f"raw {i}"})
        with opener.open(f"{harness.sendsms_url}?{query}", timeout=30) as response:
            return int(response.status)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        statuses = list(pool.map(one, range(n)))
    assert all(s in (200, 202) for s in statuses), set(statuses)
    if count_file is not None:
        last, seen = time.perf_counter(), -1
        while True:
            got = count_file.stat().st_size
            if got != seen:
                seen, last = got, time.perf_counter()
            if got >= n or time.perf_counter() - last > 60:
                break
            time.sleep(0.05)
        assert seen >= n, f"the bare receiver got {seen} of {n} delivery reports"
        return last - t0
    return time.perf_counter() - t0


def raw_with_reports(harness, n: int, concurrency: int, web_workers: int, work: Path) -> float:
    """The raw limit of the same work: sendsms with delivery reports to a bare receiver."""
    port = free_port()
    count_file = work / "sink.count"
    count_file.write_bytes(b"")
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "_dlr_sink:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(web_workers),
            "--threads",
            "4",
            "--chdir",
            str(Path(__file__).resolve().parent),
        ],
        env={**os.environ, "BENCH_SINK_FILE": str(count_file)},
        stdout=open(work / "sink.log", "wb"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", 60)
        count_file.write_bytes(b"")
        return raw_kannel(
            harness, n, concurrency, reports_to=f"http://127.0.0.1:{port}/dlr", count_file=count_file
        )
    finally:
        sink.terminate()
        sink.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=50_000)
    # The installation's default unless asked otherwise: the path production runs.
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--rate", type=int, default=int(os.environ.get("BENCH_RATE", "2000")))
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep the residents of an earlier run")
    args = parser.parse_args()
    n = args.recipients

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/warga_bench_sms_pp")
    os.environ["HUEY_IMMEDIATE"] = "0"
    os.environ["SMS_DISPATCH_INLINE"] = "0"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the bench package
    from _setup import django_setup
    from broadcast_1m import bulk_people

    django_setup(fresh=not args.reuse)
    from django.conf import settings

    from bench._scope import outside_scope

    if args.concurrency is None:
        args.concurrency = settings.SMS_SEND_CONCURRENCY

    # The benchmark sets up and counts across the whole kabupaten, as a management command would.
    outside_scope()
    from django.db import connection

    from warga.messaging.broadcasts import broadcast_approve, broadcast_create
    from warga.messaging.models import Broadcast, BroadcastStatus, SmsMessage, SmsStatus
    from warga.messaging.testing.kannel import KannelHarness
    from warga.regions.services import regions_load
    from warga.registry.models import Phone

    if args.reuse:
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {SmsMessage._meta.db_table}, {Broadcast._meta.db_table} RESTART IDENTITY CASCADE"
            )
    else:
        regions_load(only="32.14")
        t0 = time.perf_counter()
        bulk_people(n)
        print(f"set-up: {n:,} residents with phones in {time.perf_counter() - t0:.1f} s")
    assert Phone.objects.count() == n, "--recipients must match the residents of the reused database"
    composer, approver = officers()

    port = free_port()
    site = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="warga-bench-pp-"))
    harness = KannelHarness(
        work / "kannel",
        incoming_url=f"{site}/api/v1/sms/kannel/incoming?secret={SECRET}",
        log_level=int(os.environ.get("BENCH_KANNEL_LOG_LEVEL", "1")),  # info, as in deploy/kannel
        max_pending_requests=None,  # Kannel's default, as in deploy/kannel
    )
    harness.start()
    env = {
        **os.environ,
        "SMS_GATEWAY": "kannel",
        "KANNEL_SENDSMS_URL": harness.sendsms_url,
        "KANNEL_USERNAME": harness.username,
        "KANNEL_PASSWORD": harness.password,
        "KANNEL_CALLBACK_SECRET": SECRET,
        "KANNEL_CALLBACK_BASE_URL": site,
        "SITE_URL": site,
        "SMS_SENDER_ID": "PEMKAB",
        "SMS_QUIET_HOURS": "",
        "SMS_RATE_PER_SECOND": str(args.rate),
        "SMS_SEND_CONCURRENCY": str(args.concurrency),
        "LOG_LEVEL": "WARNING",
    }
    serve = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.web_workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=open(work / "serve.log", "wb"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(site + "/healthz", 180)
        broadcast = broadcast_create(
            actor=composer, text=TEXT, area_code="32.14", segment={}, name="bench production path"
        )
        t0 = time.perf_counter()
        approved_at = time.time()
        broadcast_approve(actor=approver, broadcast_id=broadcast.pk)  # commits; the consumer queues it
        last_report = t0
        seen = -1
        queued_at = handed_at = None
        while True:
            total = SmsMessage.objects.filter(broadcast=broadcast).count()
            if queued_at is None and total == n:
                queued_at = time.perf_counter() - t0
            if (
                handed_at is None
                and total == n
                and not SmsMessage.objects.filter(broadcast=broadcast, handed_at__isnull=True).exists()
            ):
                handed_at = time.perf_counter() - t0
            open_ = SmsMessage.objects.filter(
                broadcast=broadcast, status__in=(SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.SENT)
            ).count()
            reports = SmsMessage.objects.filter(broadcast=broadcast, dlr_at__isnull=False).count()
            if reports != seen:
                seen, last_report = reports, time.perf_counter()
            broadcast.refresh_from_db()
            if total == n and open_ == 0 and broadcast.status == BroadcastStatus.DONE:
                break
            if time.perf_counter() - last_report > 120:
                print(f"stalled: {total:,} rows, {open_:,} open, {reports:,} reports; see {work}/serve.log")
                break
            time.sleep(1.0)  # polling costs the database too; the end is read from it below
        last_dlr = SmsMessage.objects.filter(broadcast=broadcast).aggregate(m=__max("dlr_at"))["m"]
        end_to_end = (last_dlr.timestamp() - approved_at) if last_dlr else max(last_report, t0) - t0
        if os.environ.get("BENCH_PHASE_MARK"):  # lets an outside CPU sampler split the phases
            Path(os.environ["BENCH_PHASE_MARK"]).touch()
        counts = dict(
            SmsMessage.objects.filter(broadcast=broadcast)
            .values_list("status")
            .annotate(n=__count())
            .order_by()
        )
        received = len(harness.received_by_phone())
        raw_s = raw_kannel(harness, n, args.concurrency)
        raw_dlr_s = raw_with_reports(harness, n, args.concurrency, args.web_workers, work)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=40)
        except subprocess.TimeoutExpired:
            serve.kill()
        harness.stop()

    e2e_rate = n / end_to_end if end_to_end else 0.0
    raw_rate = n / raw_s
    print(
        f"production path: {n:,} recipients, approval → last delivery report {end_to_end:.1f} s = "
        f"{e2e_rate:,.0f} msg/s (SMS_RATE_PER_SECOND={args.rate}, SMS_SEND_CONCURRENCY={args.concurrency}, "
        f"{args.web_workers} web workers)"
    )
    print(
        f"timeline: outbox rows written after {queued_at or 0:.1f} s, all handed to Kannel after {handed_at or 0:.1f} s"
    )
    print(f"messages by status: {counts}; fakesmsc received {received:,}; delivery reports applied {seen:,}")
    print(
        f"raw Kannel + fakesmsc: {n:,} sendsms in {raw_s:.1f} s = {raw_rate:,.0f} msg/s at {args.concurrency} in flight"
    )
    raw_dlr_rate = n / raw_dlr_s
    print(
        f"raw Kannel + fakesmsc with delivery reports to a bare receiver: {n:,} in {raw_dlr_s:.1f} s = "
        f"{raw_dlr_rate:,.0f} msg/s"
    )
    print(
        f"ratio end to end / raw: {e2e_rate / raw_rate:.2f} against bare sendsms, "
        f"{e2e_rate / raw_dlr_rate:.2f} against sendsms with reports (goals: ≥ 200 msg/s and ≥ 0.3)"
    )


def __count():
    from django.db.models import Count

    return Count("id")


def __max(field: str):
    from django.db.models import Max

    return Max(field)


if __name__ == "__main__":
    main()
