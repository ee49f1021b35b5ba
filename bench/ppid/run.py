"""PPID benchmark: the PPID utama's list of information requests and the annual report on a
large number of requests (server time, in process, through the full middleware).

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_ppid \
        BENCH_REQUESTS=100000 nice -n 10 python -m bench.ppid.run

N requests (BENCH_REQUESTS, default 100,000) are written with COPY on PostgreSQL (plain INSERT
on SQLite) over the last 365 days, spread over the units receiving requests (kecamatan offices
more than the OPDs), with forwards (15 %), extensions (10 %), notices of every outcome with the
working days they took, deliveries, 8 % still open (the oldest of them overdue and escalated),
objections to 3 % (a third decided, some taken to the Komisi Informasi), one event per step;
then VACUUM ANALYZE, as autovacuum does after a bulk load.

Timed, p50/p95 over BENCH_PAGES loads (300 for the list, 100 for the report): the PPID utama's
`/ppid/requests/` and its API list `GET /api/v1/information-requests/` (goal p95 ≤ 150 ms each)
and `/ppid/report/?year=<this year>` (goal p95 ≤ 1 s); in the same run the raw limit
`/bench/bare` and, for each, its own SQL on the PPID tables (captured from one load) executed
directly on the connection: the database's share.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ppid.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.core.workdays import WorkCalendar  # noqa: E402
from warga.org.models import Unit, UnitKind  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.ppid.models import InformationRequest, Objection, RequestEvent  # noqa: E402
from warga.ppid.services.intake import request_units  # noqa: E402
from warga.regions.models import Region  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402

KAB = settings.WARGA_REGION_CODE
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
PAGES = int(os.environ.get("BENCH_PAGES", "300"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "100"))
BATCH = 10_000
OUTCOMES = (
    ["granted"] * 60 + ["partly"] * 10 + ["refused"] * 8 + ["not_held"] * 10 + ["not_documented"] * 5
    + ["elsewhere"] * 7
)  # fmt: skip
GROUNDS = list("abcdefghij")
REQUEST_COLUMNS = [
    "number", "year", "serial", "channel", "requester_kind", "requester_name", "requester_nik",
    "legal_papers", "legal_papers_type", "address", "phone", "email", "information", "purpose",
    "access_mode", "copy_form", "delivery", "region", "receiving_unit", "holding_unit", "status",
    "received_at", "received_on", "due_on", "extended_at", "extension_reason", "outcome",
    "exemption_ground", "consequence_test", "other_body", "decision_note", "copy_cost", "decided_at",
    "decided_on", "answer_days", "delivered_at", "escalation_level", "escalated_at", "version",
    "updated_at",
]  # fmt: skip
OBJECTION_COLUMNS = [
    "request", "ground", "reason", "filed_at", "filed_on", "due_on", "status", "answer", "decided_at",
    "decided_on", "dispute_filed_on", "dispute_reference", "dispute_outcome", "dispute_decided_on",
    "dispute_note", "version", "topic",
]  # fmt: skip
EVENT_COLUMNS = ["request", "action", "from_status", "to_status", "unit", "at", "note"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _copy(model: type, names: list[str], rows: list[tuple[object, ...]]) -> None:
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in names]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def prepare() -> None:
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    have = InformationRequest.objects.count()
    if have < REQUESTS:
        log(f"inserting {REQUESTS - have:,} information requests")
        started = time.monotonic()
        insert_requests(have, REQUESTS - have)
        log(f"requests ready in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def insert_requests(start: int, count: int) -> None:
    rng = random.Random(start + 14)
    calendar = WorkCalendar()
    units = request_units()
    kecamatan = [u.pk for u in units if u.kind == UnitKind.KECAMATAN_OFFICE]
    offices = [u.pk for u in units if u.kind != UnitKind.KECAMATAN_OFFICE]
    now = timezone.now()
    today = timezone.localdate()
    serials: dict[int, int] = {}
    for values in InformationRequest.objects.order_by().values("year").annotate(last=Max("serial")):
        serials[values["year"]] = values["last"]
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        rows, plans = [], []
        for _ in range(size):
            received_at = now - timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 600))
            received_on = timezone.localdate(received_at)
            year = received_on.year
            serials[year] = serials.get(year, 0) + 1
            receiving = rng.choice(kecamatan) if rng.random() < 0.6 else rng.choice(offices)
            forwarded = rng.random() < 0.15
            holding = rng.choice([u for u in offices if u != receiving]) if forwarded else receiving
            extended = rng.random() < 0.10
            due_on = calendar.add(received_on, 10)
            if extended:
                due_on = calendar.add(due_on, 7)
            age = (today - received_on).days
            open_ = rng.random() < 0.08 or age < 3
            outcome = "" if open_ else rng.choice(OUTCOMES)
            days = min(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10] * 9 + list(range(11, 26))), max(age - 1, 0))
            if extended and not open_:
                days = min(days + rng.randint(2, 6), max(age - 1, 0))
            decided_on = calendar.add(received_on, days) if not open_ else None
            decided_at = (
                timezone.make_aware(datetime.combine(decided_on, received_at.timetz().replace(tzinfo=None)))
                if decided_on
                else None
            )
            giving = outcome in ("granted", "partly")
            delivered = giving and rng.random() < 0.85
            status = "received" if open_ else ("delivered" if delivered else "answered")
            overdue = open_ and due_on < today
            rows.append(
                (
                    f"PPID/{year}/{serials[year]:06d}", year, serials[year],
                    rng.choice(["web", "web", "web", "desk", "letter", "email"]),
                    "person", "Pemohon Sintetis", f"3214{rng.randint(10**11, 10**12 - 1)}", "", "",
                    "Jl. Sintetis 1", f"0812{rng.randint(10**7, 10**8 - 1)}", "",
                    "Data anggaran dan kegiatan tahun berjalan.", "Penelitian.", "copy", "soft", "download",
                    KAB, receiving, holding, status, received_at, received_on, due_on,
                    received_at + timedelta(days=8) if extended else None,
                    "Dokumen di arsip." if extended else "", outcome,
                    rng.choice(GROUNDS) if outcome in ("refused", "partly") else "",
                    "UK/1" if outcome in ("refused", "partly") else "",
                    "Kantor Pertanahan" if outcome == "elsewhere" else "", "", 0, decided_at, decided_on,
                    calendar.between(received_on, decided_on) if decided_on else None,
                    decided_at + timedelta(days=2) if delivered and decided_at else None,
                    (2 if rng.random() < 0.5 else 1) if overdue else 0, now if overdue else None, 1,
                    decided_at or received_at,
                )
            )  # fmt: skip
            plans.append((forwarded, holding, outcome, decided_on, decided_at, received_at))
        with transaction.atomic():
            _copy(InformationRequest, REQUEST_COLUMNS, rows)
            numbers = [row[0] for row in rows]
            ids = dict(InformationRequest.objects.filter(number__in=numbers).values_list("number", "pk"))
            events, objections = [], []
            for row, (forwarded, holding, outcome, decided_on, decided_at, received_at) in zip(
                rows, plans, strict=True
            ):
                pk = ids[row[0]]
                events.append((pk, "file", "", "received", None, received_at, ""))
                if forwarded:
                    events.append(
                        (pk, "forward", "received", "received", holding, received_at + timedelta(hours=5), "")
                    )
                if decided_at:
                    events.append((pk, "decide", "received", "answered", None, decided_at, ""))
                objects = (outcome != "granted" and rng.random() < 0.12) or rng.random() < 0.01
                if outcome and decided_on and objects:
                    filed_on = calendar.add(decided_on, rng.randint(1, 20))
                    if filed_on > today:
                        continue
                    decided = rng.random() < 0.7 and calendar.add(filed_on, 10) <= today
                    ob_decided_on = calendar.add(filed_on, rng.randint(3, 25)) if decided else None
                    if ob_decided_on and ob_decided_on > today:
                        ob_decided_on, decided = None, False
                    dispute = decided and rng.random() < 0.3
                    dispute_on = (
                        calendar.add(ob_decided_on, rng.randint(1, 14)) if dispute and ob_decided_on else None
                    )
                    if dispute_on and dispute_on > today:
                        dispute_on = None
                    objections.append(
                        (
                            pk, rng.choice(["refused", "not_answered", "not_as_asked", "late", "cost"]),
                            "Keberatan sintetis.",
                            timezone.make_aware(datetime.combine(filed_on, received_at.timetz().replace(tzinfo=None))),
                            filed_on, calendar.add(filed_on, 30),
                            rng.choice(["upheld", "dismissed", "dismissed"]) if decided else "filed",
                            "Jawaban." if decided else "", now if decided else None, ob_decided_on,
                            dispute_on, "KI/BENCH" if dispute_on else "",
                            rng.choice(["pending", "mediated", "granted", "rejected"]) if dispute_on else "",
                            None, "", 1, "",
                        )
                    )  # fmt: skip
            _copy(RequestEvent, EVENT_COLUMNS, events)
            _copy(Objection, OBJECTION_COLUMNS, objections)
        done += size
        log(f"  {done:,} requests")


def main() -> None:
    prepare()
    suffix = str(int(time.time()))
    utama = staff_create(
        actor=None,
        username=f"ppid-{suffix}",
        password="bench-password-123",
        full_name="PPID Utama",
        roles=[Role.PPID_OFFICER],
        unit_id=Unit.objects.get(code="diskominfo").pk,
        area_code=KAB,
    )
    client = Client()
    client.force_login(utama)
    anonymous = Client()
    year = timezone.localdate().year

    def pages(c: Client, path: str, n: int) -> list[float]:
        for _ in range(10):
            c.get(path)
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            r = c.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (path, r.status_code)
        return samples

    def raw(path: str, n: int) -> tuple[list[float], int]:
        """The page's own SQL on the PPID tables, captured from one load, run directly."""
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        statements = [q["sql"] for q in captured.captured_queries if "ppid_" in q["sql"]]
        samples = []
        with connection.cursor() as cursor:
            for i in range(n + 10):
                start = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                if i >= 10:
                    samples.append((time.perf_counter() - start) * 1000)
        return samples, len(statements)

    list_path, report_path = "/ppid/requests/", f"/ppid/report/?year={year}"
    api_path = "/api/v1/information-requests/"
    timings: dict[str, list[float]] = {}
    timings["raw: GET /bench/bare (bare view)"] = pages(anonymous, "/bench/bare", PAGES)
    timings["raw SQL of the list page"], list_statements = raw(list_path, PAGES)
    timings["list /ppid/requests/, PPID utama"] = pages(client, list_path, PAGES)
    timings["raw SQL of the API list"], api_statements = raw(api_path, PAGES)
    timings[f"API GET {api_path}"] = pages(client, api_path, PAGES)
    timings["raw SQL of the report page"], report_statements = raw(report_path, REPORTS)
    timings[f"report /ppid/report/?year={year}"] = pages(client, report_path, REPORTS)

    print()
    in_year = InformationRequest.objects.filter(year=year).count()
    print(
        f"database: {connection.vendor}; requests: {InformationRequest.objects.count():,} "
        f"({in_year:,} in {year}); objections: {Objection.objects.count():,}; "
        f"events: {RequestEvent.objects.count():,}"
    )
    print(
        f"statements on the PPID tables: list {list_statements}, API list {api_statements}, "
        f"report {report_statements}"
    )
    print(f"{'operation':<45}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        print(f"{name:<45}{len(values):>6}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    for name, goal in (
        ("list /ppid/requests/, PPID utama", 150),
        (f"API GET {api_path}", 150),
        (f"report /ppid/report/?year={year}", 1000),
    ):
        p95 = pct(timings[name], 95)
        print(f"{name}: p95 {p95:.0f} ms — {'within' if p95 <= goal else 'OVER'} the {goal} ms goal")


if __name__ == "__main__":
    sys.exit(main())
