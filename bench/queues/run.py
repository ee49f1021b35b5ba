"""Queues benchmark: a day of a busy office — 30 counters, 3,000 tickets — through the full
middleware, in process (server time).

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_queues \
        nice -n 10 python -m bench.queues.run

The Disdukcapil's queue gets six services and 30 counters (each serving two or three services);
BENCH_TICKETS (3,000) tickets are issued at the kiosk. Then the counters work through the day
in turns, each pressing "call next" on its page (htmx POST, the panel comes back) and "finish";
after each call the call screen reads its feed (`/antrean/layar/<id>/feed.json`, anonymous).
Timed, p50/p95: call next, finish, the screen's feed, and the raw limit `/bench/bare` (a bare
view behind the same middleware) in the same run. Goals: call next p95 ≤ 50 ms, the screen's
update p95 ≤ 100 ms on PostgreSQL. Whatever day it runs, today counts as a working day and the
office is open all day.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import time as clock

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
from django.test import Client  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.org.models import Unit  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.queues.models import QueueOffice, Ticket, TicketStatus  # noqa: E402
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


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare() -> tuple[QueueOffice, list[int], Client]:
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    # Today is a working day for the benchmark, whatever day it runs.
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
    Ticket.objects.filter(office__unit=dukcapil).update(status=TicketStatus.CANCELLED)
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
    for i in range(TICKETS):
        ticket_issue(actor=None, office=office, service_id=services[i % 6].pk)
    log(f"tickets issued in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(officer)
    return office, counters, client


def main() -> None:
    office, counters, client = prepare()
    anonymous = Client()
    feed = f"/antrean/layar/{office.pk}/feed.json"

    def timed(call) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    for _ in range(20):
        anonymous.get("/bench/bare")
        anonymous.get(feed)
    raw = [timed(lambda: anonymous.get("/bench/bare")) for _ in range(RAW)]
    calls: list[float] = []
    finishes: list[float] = []
    screen: list[float] = []
    served = 0
    log("the day: counters call and finish in turns")
    while served < TICKETS:
        progressed = False
        for pk in counters:
            url = f"/antrean/loket/{pk}/aksi/"
            calls.append(timed(lambda: client.post(url, {"action": "call"}, HTTP_HX_REQUEST="true")))  # noqa: B023
            screen.append(timed(lambda: anonymous.get(feed)))
            if Ticket.objects.filter(counter_id=pk, status=TicketStatus.CALLED).exists():
                finishes.append(timed(lambda: client.post(url, {"action": "finish"}, HTTP_HX_REQUEST="true")))  # noqa: B023
                served += 1
                progressed = True
        if not progressed:
            break
    rows = {
        "raw: GET /bench/bare (bare view)": raw,
        "call next (counter page, htmx)": calls,
        "finish (counter page, htmx)": finishes,
        "call screen feed (anonymous)": screen,
    }
    print()
    print(f"database: {connection.vendor}; counters: {len(counters)}; tickets served: {served:,}")
    print(f"{'operation':<40}{'n':>7}{'median ms':>12}{'p95 ms':>10}")
    for name, values in rows.items():
        print(f"{name:<40}{len(values):>7}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    raw_median = pct(raw, 50)
    for name in ("call next (counter page, htmx)", "call screen feed (anonymous)"):
        print(f"{name}: {pct(rows[name], 50) / raw_median:.1f}× the raw limit (median)")
    ok_call = pct(calls, 95) <= 50
    ok_screen = pct(screen, 95) <= 100
    print(
        f"call next p95 ≤ 50 ms: {'met' if ok_call else 'NOT met'}; screen p95 ≤ 100 ms: {'met' if ok_screen else 'NOT met'}"
    )


if __name__ == "__main__":
    sys.exit(main())
