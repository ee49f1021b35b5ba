"""Queues benchmark: a day of a busy office — 30 counters, 3,000 tickets — through the production
HTTP path (server time as a browser on the loopback sees it).

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_queues \\
        nice -n 10 python -m bench.queues.run

The Disdukcapil's queue gets six services and 30 counters (each serving two or three services);
BENCH_TICKETS (3,000) tickets are issued at the kiosk (in process, before the server starts).
The server is gunicorn with the command line `manage.py serve` uses (2 workers × 4 threads;
WEB_CONCURRENCY and WEB_THREADS override) on 127.0.0.1, the Huey consumer beside it
(`bench._server`). The counters then work through the day in turns, each pressing "call next"
on its page as the browser does (an htmx POST with the session and CSRF cookies and the
X-CSRFToken header, on a keep-alive connection; the answer is the current ticket's part of the
page) and "finish"; after each call the call screen reads its feed
(`/antrean/layar/<id>/feed.json`, anonymous, its own connection) and the counter page polls its
waiting count. Timed, p50/p95: call next, finish, the screen's feed, the counter's poll, and the
raw limit `/bench/bare` (a bare view behind the same middleware, same server) in the same run.
Goals: call next p95 ≤ 50 ms, the screen's update p95 ≤ 100 ms on PostgreSQL. Whatever day it
runs, today counts as a working day and the office is open all day. Run again on the same
database, it sets the previous run's tickets of today aside. At the end it checks that every
ticket was called exactly once and finished.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.queues.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from bench._server import Officer, session_cookie, start_consumer, start_web  # noqa: E402
from warga.accounts.services import staff_create  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.org.models import Unit  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.queues.models import QueueOffice, Ticket, TicketEvent, TicketStatus  # noqa: E402
from warga.queues.services import (  # noqa: E402
    ServiceInput,
    _common,
    counter_save,
    office_setup,
    service_save,
    ticket_issue,
)
from warga.regions.models import Region  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402

KAB = settings.WARGA_REGION_CODE
TICKETS = int(os.environ.get("BENCH_TICKETS", "3000"))
COUNTERS = int(os.environ.get("BENCH_COUNTERS", "30"))
RAW = int(os.environ.get("BENCH_PAGES", "300"))
SERVICES = [
    ServiceInput(code="KTP", letter="A", name="Perekaman KTP-el", kind="ktp_recording"),
    ServiceInput(code="CETAK", letter="B", name="Cetak KTP-el", kind="ktp_printing"),
    ServiceInput(code="KK", letter="C", name="Kartu Keluarga", kind="kk"),
    ServiceInput(code="AKTA", letter="D", name="Akta", kind="akta"),
    ServiceInput(code="AMBIL", letter="E", name="Pengambilan dokumen", kind="pickup"),
    ServiceInput(code="KONSUL", letter="F", name="Konsultasi", kind="consultation"),
]
CURRENT = re.compile(r'data-testid="current">([^<]*)<')
SHOWN = re.compile(r'id="counter-shown" name="shown" value="([^"]*)"')


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare() -> tuple[QueueOffice, list[int], str, set[int]]:
    """The office, its counters, the counter officer's session key and the tickets issued."""
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    # Today is a working day for the benchmark, whatever day it runs (tickets are issued here).
    _common.WorkCalendar.is_working_day = lambda self, day: True  # type: ignore[method-assign]
    suffix = str(int(time.time()))
    dukcapil = Unit.objects.get(code="disdukcapil")
    admin = staff_create(
        actor=None,
        username=f"admin-{suffix}",
        password="bench-password-123",
        full_name="Admin",
        roles=[Role.SYSTEM_ADMIN],
        unit_id=dukcapil.pk,
        area_code=KAB,
    )
    officer = staff_create(
        actor=None,
        username=f"loket-{suffix}",
        password="bench-password-123",
        full_name="Petugas Loket",
        roles=[Role.DISDUKCAPIL_VERIFIER],
        unit_id=dukcapil.pk,
        area_code=KAB,
    )
    manager = Actor.for_user(admin)
    # A fresh day each run: the previous run's tickets of today are set aside.
    Ticket.objects.filter(office__unit=dukcapil).exclude(status=TicketStatus.CANCELLED).update(
        status=TicketStatus.CANCELLED
    )
    office = office_setup(
        actor=manager, unit_id=dukcapil.pk, opens_at=clock(0, 0), closes_at=clock(23, 59), booking_days=14
    )
    services = [service_save(actor=manager, office_id=office.pk, data=s) for s in SERVICES]
    counters = []
    for n in range(1, COUNTERS + 1):
        served = [services[n % 6].pk, services[(n + 1) % 6].pk] + ([services[0].pk] if n % 3 == 0 else [])
        counters.append(counter_save(actor=manager, office_id=office.pk, number=n, service_ids=served).pk)
    log(f"issuing {TICKETS:,} tickets at the kiosk")
    started = time.monotonic()
    issued = {
        ticket_issue(actor=None, office=office, service_id=services[i % 6].pk).pk for i in range(TICKETS)
    }
    log(f"tickets issued in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # The officer's session, as a login leaves it (the server reads it from the database).
    return office, counters, session_cookie(officer), issued


def main() -> None:
    office, counters, session, issued = prepare()
    log_dir = Path(os.environ["WARGA_DATA_DIR"])
    # The server gets its own connections: close this process's before it forks its workers.
    connection.close()
    web, port = start_web(log_dir)
    consumer = start_consumer(log_dir)  # beside the web server, as `manage.py serve` runs them
    try:
        officer = Officer(port, session=session)
        status, page, _ms = officer.get(f"/antrean/loket/{counters[0]}/")
        assert status == 200 and b'data-testid="call-next"' in page, (status, page[:500])
        officer.headers["HX-Request"] = "true"  # the counter page's buttons and poll are htmx
        officer.headers["Origin"] = f"http://127.0.0.1:{port}"
        screen = Officer(port)
        feed = f"/antrean/layar/{office.pk}/feed.json"
        form = "application/x-www-form-urlencoded"

        def timed(client: Officer, method: str, path: str, body: str | None = None) -> tuple[float, str]:
            status, data, ms = client.request(
                method, path, body.encode() if body else None, form if body else None
            )
            text = data.decode()
            assert status == 200, (status, text[:500])
            return ms, text

        for _ in range(20):
            screen.get("/bench/bare")
            screen.get(feed)
        raw = [timed(screen, "GET", "/bench/bare")[0] for _ in range(RAW)]
        calls: list[float] = []
        finishes: list[float] = []
        feeds: list[float] = []
        polls: list[float] = []
        refused = 0
        served = 0
        call, finish = urlencode({"action": "call"}), urlencode({"action": "finish"})
        log("the day: counters call and finish in turns")
        while served < len(issued):
            progressed = False
            for pk in counters:
                url = f"/antrean/loket/{pk}/aksi/"
                elapsed, text = timed(officer, "POST", url, call)
                calls.append(elapsed)
                refused += "alert-danger" in text
                feeds.append(timed(screen, "GET", feed)[0])
                current = CURRENT.search(text)
                shown = SHOWN.search(text)
                poll = f"/antrean/loket/{pk}/?" + urlencode({"shown": shown.group(1) if shown else ""})
                polls.append(timed(officer, "GET", poll)[0])
                if current and current.group(1).strip() not in ("", "—"):
                    elapsed, text = timed(officer, "POST", url, finish)
                    finishes.append(elapsed)
                    refused += "alert-danger" in text
                    served += 1
                    progressed = True
            if not progressed:
                break
    finally:
        consumer.stop()
        web.stop()

    called = dict(
        TicketEvent.objects.filter(ticket_id__in=issued, action="call")
        .values_list("ticket_id")
        .annotate(n=Count("pk"))
        .values_list("ticket_id", "n")
    )
    done = Ticket.objects.filter(pk__in=issued, status=TicketStatus.DONE).count()
    rows = {
        "raw: GET /bench/bare (bare view)": raw,
        "call next (counter page, htmx)": calls,
        "finish (counter page, htmx)": finishes,
        "call screen feed (anonymous)": feeds,
        "counter page's 5 s poll (htmx)": polls,
    }
    print()
    print(
        f"database: {connection.vendor}; server: gunicorn and the consumer (as manage.py serve); "
        f"counters: {len(counters)}; "
        f"tickets served: {served:,} of {len(issued):,}"
    )
    print(f"{'operation':<40}{'n':>7}{'median ms':>12}{'p95 ms':>10}")
    for name, values in rows.items():
        print(f"{name:<40}{len(values):>7}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    raw_median = pct(raw, 50)
    for name in ("call next (counter page, htmx)", "call screen feed (anonymous)"):
        print(f"{name}: {pct(rows[name], 50) / raw_median:.1f}× the raw limit (median)")
    ok_call = pct(calls, 95) <= 50
    ok_screen = pct(feeds, 95) <= 100
    print(
        f"call next p95 ≤ 50 ms: {'met' if ok_call else 'NOT met'}; screen p95 ≤ 100 ms: {'met' if ok_screen else 'NOT met'}"
    )
    twice = sum(1 for n in called.values() if n != 1)
    print(
        f"checks: every ticket finished: {done == len(issued)} ({done:,}); called more than once: {twice}; "
        f"refusals shown: {refused}"
    )
    assert done == len(issued) and twice == 0 and len(called) == len(issued) and refused == 0


if __name__ == "__main__":
    sys.exit(main())
