"""Facts benchmark at Cianjur scale: a year of daily facts for every desa and metric, the
dashboards that read them, and the nightly rebuild of one day from a 2.6 million register.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_facts nice -n 10 \
        python -m bench.facts.run

Set-up (skipped when already there): the Cianjur regions and units; BENCH_RESIDENTS (2,638,825)
residents by plain SQL (desa, age, marriage, life status; a share recorded or print-ready for
KTP-el), a day of life events, KTP-el transitions and cases for the rebuild to count; and
BENCH_DAYS (365) days of facts for every registered metric, generated directly (COPY): every
desa for the desa-level metrics (three parts a day for those kept per category), every
kecamatan and service for the applications, the kabupaten for SMS and PPID.

Timed, through the full middleware in process, p50/p95 over BENCH_PAGES (100) loads as the
bupati (regional viewer, kabupaten area): the dashboard of a count (kabupaten → kecamatan),
a ratio, a median, a stock, a kecamatan → desa table, a desa, a year by month, the CSV export,
the home page and the public indicators; the raw limit `/bench/bare` in the same run. Then the
nightly rebuild of yesterday, BENCH_REBUILDS (3) times. Goals: any dashboard page p95 ≤ 200 ms;
the rebuild of one day ≤ 2 min.

With BENCH_PREPARE_ONLY=1 it stops after the set-up: the data can be made while the host is busy
and timed later, when it is quiet.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.facts.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.facts.metrics import Rollup, all_metrics  # noqa: E402
from warga.facts.models import Fact  # noqa: E402
from warga.facts.services import facts_rebuild_day  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.regions.models import Region, RegionLevel  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.registry.models import Resident  # noqa: E402

KAB = settings.WARGA_REGION_CODE
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "2638825"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
PAGES = int(os.environ.get("BENCH_PAGES", "100"))
REBUILDS = int(os.environ.get("BENCH_REBUILDS", "3"))
SERVICES = ["akta-lahir", "akta-mati", "kk-baru", "kk-ubah", "pindah", "ktp-el", "kia", "datang"]

RESIDENTS_SQL = """
INSERT INTO registry_resident (nik, full_name, name_key, birth_place, birth_date, sex, religion, marital_status,
    occupation, education, blood_type, citizenship, father_name, mother_name, rw, rt, address, relationship,
    life_status, ever_married, created_at, updated_at, version, desa_id, ktp_status)
SELECT '3203' || lpad(g::text, 12, '0'), 'Warga ' || g, 'warga ' || g, 'Cianjur', p.birth, p.sex, 'islam',
       CASE WHEN p.married THEN 'kawin' ELSE 'belum_kawin' END, '', '', '', 'WNI', '', '',
       1 + g %% 9, 1 + g %% 7, '', '', CASE WHEN p.r3 < 0.01 THEN 'dead' ELSE 'alive' END, p.married,
       now(), now(), 1, (%(desa)s::text[])[1 + floor(p.r1 * %(ndesa)s)::int],
       CASE WHEN p.r4 < 0.02 THEN 'prr' WHEN p.r4 < 0.7 AND p.adult THEN 'handed_over' ELSE '' END
FROM generate_series(%(first)s, %(last)s) g
CROSS JOIN LATERAL (
    SELECT r1, r3, r4,
           current_date - (floor(power(r2, 1.25) * 85 * 365.25))::int AS birth,
           CASE WHEN r2 > 0.5 THEN 'F' ELSE 'M' END AS sex,
           power(r2, 1.25) * 85 >= 22 AND r3 < 0.8 AS married,
           power(r2, 1.25) * 85 >= 17 AS adult
    FROM (SELECT random() AS r1, random() AS r2, random() AS r3, random() AS r4 WHERE g > 0) x
) p
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def desas() -> list[str]:
    return list(
        Region.objects.filter(code__within=KAB, level=RegionLevel.DESA).values_list("code", flat=True)
    )


def prepare_register() -> None:
    have = Resident.objects.count()
    if have >= RESIDENTS:
        return
    codes = desas()
    log(f"inserting {RESIDENTS - have:,} residents")
    started = time.monotonic()
    step = 500_000
    for first in range(have + 1, RESIDENTS + 1, step):
        last = min(RESIDENTS, first + step - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(RESIDENTS_SQL, {"desa": codes, "ndesa": len(codes), "first": first, "last": last})
        log(f"  {last:,} residents")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_resident")
    log(f"register ready in {time.monotonic() - started:.0f} s")


def prepare_day(day: date) -> None:
    """A day of events for the rebuild to count: births and deaths registered, cases received."""
    from warga.registry.models import LifeEvent, LifeEventType
    from warga.reports.models import Case

    if LifeEvent.objects.filter(occurred_on=day).exists():
        return
    rng = random.Random(7)
    codes = desas()
    events = [
        LifeEvent(
            type=rng.choice([LifeEventType.BIRTH, LifeEventType.DEATH]),
            occurred_on=day,
            desa_id=rng.choice(codes),
        )
        for _ in range(400)
    ]
    LifeEvent.objects.bulk_create(events)
    moment = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(
        hours=9
    )
    Case.objects.bulk_create(
        [
            Case(
                tracking_code=f"BF{i:08d}",
                text="Laporan sintetis",
                channel="web",
                category=rng.choice(["sakit", "jalan", "air", "listrik_padam"]),
                desa_id=code,
                region_id=code,
                received_at=moment,
            )
            for i, code in enumerate(rng.choice(codes) for _ in range(300))
        ]
    )


def _fact_rows(day: date, codes: list[str], kecamatan: list[str], rng: random.Random):
    for metric in all_metrics():
        if metric.level == RegionLevel.KABUPATEN:
            targets = [(KAB, "")]
        elif metric.level == RegionLevel.KECAMATAN:
            targets = [(k, s) for k in kecamatan for s in SERVICES[:4]]
        elif metric.parts:
            targets = [(c, p) for c in codes for p in ("sakit", "jalan", "air")]
        else:
            targets = [(c, "") for c in codes]
        for code, part in targets:
            kec = code[:8] if code.count(".") >= 2 else None
            if metric.rollup == Rollup.RATIO:
                den = rng.randint(1, 30)
                yield (metric.key, code, kec, day, part, rng.randint(0, den), den, None)
            elif metric.rollup == Rollup.MEDIAN:
                hist = {str(d): rng.randint(1, 5) for d in rng.sample(range(0, 15), 3)}
                yield (metric.key, code, kec, day, part, sum(hist.values()), None, hist)
            else:
                yield (metric.key, code, kec, day, part, rng.randint(0, 7000), None, None)


def prepare_facts(today: date) -> None:
    first = today - timedelta(days=DAYS - 1)
    # Days are loaded oldest first, each replacing what a stopped run left: today's rows mean done.
    if Fact.objects.filter(day=first).exists() and Fact.objects.filter(day=today).exists():
        return
    import json

    codes = desas()
    kecamatan = sorted({c[:8] for c in codes})
    rng = random.Random(1)
    log(f"generating {DAYS} days of facts for {len(codes)} desa and {len(all_metrics())} metrics")
    started = time.monotonic()
    total = 0
    columns = "metric, region_id, kecamatan_id, day, part, value, denominator, histogram"
    day = first
    while day <= today:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM facts_fact WHERE day = %s", [day])
            with cursor.cursor.copy(f"COPY facts_fact ({columns}) FROM STDIN") as copy:
                for row in _fact_rows(day, codes, kecamatan, rng):
                    copy.write_row((*row[:7], None if row[7] is None else json.dumps(row[7])))
                    total += 1
        day += timedelta(days=1)
        if (day - first).days % 30 == 0:
            log(f"  {(day - first).days} days, {total:,} facts")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE facts_fact")
    log(f"{total:,} facts in {time.monotonic() - started:.0f} s")


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("run on PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    today = timezone.localdate()
    prepare_register()
    prepare_day(today - timedelta(days=1))
    prepare_facts(today)
    if os.environ.get("BENCH_PREPARE_ONLY"):
        log("data ready (BENCH_PREPARE_ONLY): nothing timed")
        return
    bupati = staff_create(
        actor=None,
        username=f"bupati-{int(time.time())}",
        password="bench-password-123",
        full_name="Bupati",
        roles=[Role.REGIONAL_VIEWER],
        unit_id=None,
        area_code=KAB,
    )
    client = Client()
    client.force_login(bupati)
    anonymous = Client()
    kec = sorted({c[:8] for c in desas()})[0]
    desa = desas()[0]
    year = f"start={(today - timedelta(days=DAYS - 1)).isoformat()}&end={today.isoformat()}"
    pages = {
        "raw: GET /bench/bare (bare view)": (anonymous, "/bench/bare"),
        "count, kabupaten → kecamatan (30 days)": (client, "/facts/?metric=cases.received"),
        "ratio, kabupaten (30 days)": (client, "/facts/?metric=cases.on_time"),
        "median with parts, kabupaten (30 days)": (client, "/facts/?metric=applications.days"),
        "stock, kabupaten (30 days)": (client, "/facts/?metric=residents.living"),
        "count, kecamatan → desa (30 days)": (client, f"/facts/?metric=cases.received&area={kec}"),
        "count, one desa (30 days)": (client, f"/facts/?metric=cases.received&area={desa}"),
        "count, kabupaten, a year by month": (client, f"/facts/?metric=cases.received&grain=month&{year}"),
        "stock, kabupaten, a year by week": (client, f"/facts/?metric=residents.living&grain=week&{year}"),
        "CSV export, kabupaten (30 days)": (client, "/facts/export/?metric=cases.received&format=csv"),
        "home page of the bupati (3 charts)": (client, "/"),
        "public indicators (anonymous)": (anonymous, "/facts/indikator/"),
    }
    timings: dict[str, list[float]] = {}
    for name, (c, path) in pages.items():
        for _ in range(5):
            c.get(path)
        samples = []
        for _ in range(PAGES):
            start = time.perf_counter()
            r = c.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (path, r.status_code)
        timings[name] = samples
        log(f"{name}: p95 {pct(samples, 95):.1f} ms")
    # The raw query: the count dashboard's grouped sum (kabupaten → kecamatan, 30 days) as one
    # hand-written statement, no ORM, no scope, no page.
    raw_sql = (
        "SELECT kecamatan_id, SUM(value), SUM(denominator) FROM facts_fact WHERE metric = %s "
        "AND day BETWEEN %s AND %s AND (region_id = %s OR region_id LIKE %s) GROUP BY kecamatan_id"
    )
    raw_args = ["cases.received", today - timedelta(days=29), today, KAB, KAB + ".%"]
    samples = []
    with connection.cursor() as cursor:
        for i in range(PAGES + 5):
            start = time.perf_counter()
            cursor.execute(raw_sql, raw_args)
            cursor.fetchall()
            if i >= 5:
                samples.append((time.perf_counter() - start) * 1000)
    timings["raw: the count's grouped SQL, 30 days"] = samples
    rebuilds = []
    for _ in range(REBUILDS):
        start = time.perf_counter()
        rows = facts_rebuild_day(day=today - timedelta(days=1))
        rebuilds.append(time.perf_counter() - start)
        log(f"rebuild of yesterday: {rows:,} facts in {rebuilds[-1]:.1f} s")

    print()
    print(
        f"database: {connection.vendor}; residents: {Resident.objects.count():,}; "
        f"facts: {Fact.objects.count():,}; metrics: {len(all_metrics())}"
    )
    print(f"{'page':<45}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        print(f"{name:<45}{len(values):>6}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    worst = max(pct(v, 95) for n, v in timings.items() if not n.startswith("raw"))
    print(f"worst dashboard p95: {worst:.1f} ms — {'within' if worst <= 200 else 'OVER'} the 200 ms goal")
    print(
        f"nightly rebuild of one day: {min(rebuilds):.1f}–{max(rebuilds):.1f} s — "
        f"{'within' if max(rebuilds) <= 120 else 'OVER'} the 2 min goal"
    )


if __name__ == "__main__":
    sys.exit(main())
