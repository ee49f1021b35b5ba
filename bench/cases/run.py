"""Cases benchmark: the handler's inbox, the public Open311 list and the SMS LAPOR path on a large
number of cases (server time, in process, through the full middleware).

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_cases \
        BENCH_CASES=500000 python -m bench.cases.run

N cases (BENCH_CASES, default 500,000) are inserted with plain SQL (COPY on PostgreSQL), spread
over the kabupaten's desas, the units and the statuses. Timed, p50/p95 over BENCH_PAGES loads
(300): the complaint handler's inbox `/reports/`, `GET /open311/v2/requests.json` (anonymous,
the default 90-day window, at most 1000 rows), and the raw limit `/bench/bare` (a bare view behind
the same middleware) in the same run. The SMS path: `LAPOR …` through Kannel's incoming callback
(`/api/v1/sms/kannel/incoming`) → case filed, routed and its reply queued; the time from the
callback request to the reply row existing, BENCH_SMS (50) times; goal ≤ 1 s.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.cases.settings")
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
from warga.messaging.models import SmsMessage, SmsPurpose  # noqa: E402
from warga.org.models import Unit, UnitKind  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.regions.models import Region, RegionLevel  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.reports.models import Case, CaseCategory, CaseKind, CaseStatus  # noqa: E402
from warga.reports.services import routing_rules_seed  # noqa: E402
from warga.reports.services.intake import TRACKING_ALPHABET, TRACKING_LENGTH  # noqa: E402

KAB = settings.WARGA_REGION_CODE
CASES = int(os.environ.get("BENCH_CASES", "500000"))
PAGES = int(os.environ.get("BENCH_PAGES", "300"))
SMS = int(os.environ.get("BENCH_SMS", "50"))
BATCH = 10_000
COLUMNS = [
    "tracking_code",
    "kind",
    "category",
    "channel",
    "text",
    "desa",
    "region",
    "reporter_name",
    "reporter_phone",
    "anonymous",
    "confidential",
    "status",
    "assigned_unit",
    "routed_unit",
    "routing_reason",
    "answer",
    "reason",
    "received_at",
    "verified_at",
    "assigned_at",
    "closed_at",
    "updated_at",
    "verify_due_on",
    "answer_due_on",
    "escalation_level",
    "rating_comment",
    "version",
    "client_ref",
    "public",
    "public_text",
]


ROOT = Path(__file__).resolve().parents[2]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def code_of(n: int) -> str:
    """A tracking code from a number (unique, from the same alphabet); the bench's own prefix "Y"
    keeps them apart from the random codes of the cases filed during the run only by chance."""
    digits = []
    base = len(TRACKING_ALPHABET)
    for _ in range(TRACKING_LENGTH - 1):
        n, r = divmod(n, base)
        digits.append(TRACKING_ALPHABET[r])
    return "Y" + "".join(reversed(digits))


def prepare() -> None:
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    routing_rules_seed()
    have = Case.objects.count()
    if have < CASES:
        log(f"inserting {CASES - have:,} cases")
        started = time.monotonic()
        insert_cases(have, CASES - have)
        log(f"cases ready in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load (PostgreSQL 13+ vacuums after inserts too): the
        # visibility map lets the inbox count its open cases from the index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _rows(start: int, count: int) -> list[tuple[object, ...]]:
    rng = random.Random(start)
    desas = list(
        Region.objects.filter(code__within=KAB, level=RegionLevel.DESA).values_list("code", flat=True)
    )
    units = list(Unit.objects.exclude(kind=UnitKind.DESA_OFFICE).values_list("pk", flat=True))
    kinds = [CaseKind.LAPORAN] * 7 + [CaseKind.PENGADUAN] * 2 + [CaseKind.ASPIRASI]
    categories = list(CaseCategory.values)
    finished = [CaseStatus.CLOSED] * 8 + [CaseStatus.REJECTED, CaseStatus.MERGED]
    open_ = [
        CaseStatus.NEW,
        CaseStatus.VERIFIED,
        CaseStatus.ASSIGNED,
        CaseStatus.ANSWERED,
        CaseStatus.NEED_INFO,
    ]
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for i in range(start, start + count):
        received = now - timedelta(days=rng.randint(0, 729), minutes=rng.randint(0, 1439))
        status = rng.choice(open_) if rng.random() < 0.15 else rng.choice(finished)
        assigned = status in (CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.CLOSED)
        unit = rng.choice(units) if assigned else None
        desa = rng.choice(desas)
        confidential = rng.random() < 0.1
        rows.append(
            (
                code_of(i),
                rng.choice(kinds),
                rng.choice(categories),
                rng.choice(["web", "sms", "counter", "field"]),
                "Laporan sintetis: jalan berlubang, listrik padam atau air tidak mengalir.",
                desa,
                desa,
                "Warga Sintetis",
                f"+62812{i % 10**8:08d}",
                False,
                confidential,
                status,
                unit,
                unit,
                "",
                "",
                "",
                received,
                received + timedelta(days=1) if status != CaseStatus.NEW else None,
                received + timedelta(days=1) if assigned else None,
                received + timedelta(days=6) if status in finished else None,
                received + timedelta(days=2),
                received.date() + timedelta(days=3),
                (today + timedelta(days=rng.randint(-5, 5))) if status == CaseStatus.ASSIGNED else None,
                1 if rng.random() < 0.02 else 0,
                "",
                1,
                "",
                # Moderated and published, as the handler does for street matters once verified.
                status != CaseStatus.NEW and not confidential and rng.random() < 0.6,
                "",
            )
        )
    return rows


def insert_cases(start: int, count: int) -> None:
    table = Case._meta.db_table
    columns = [Case._meta.get_field(name).column for name in COLUMNS]
    done = 0
    while done < count:
        rows = _rows(start + done, min(BATCH, count - done))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        done += len(rows)
        if done % 100_000 == 0 or done == count:
            log(f"  {done:,} cases")


def main() -> None:
    prepare()
    suffix = str(int(time.time()))
    handler = staff_create(
        actor=None,
        username=f"pengaduan-{suffix}",
        password="bench-password-123",
        full_name="Petugas Pengaduan",
        roles=[Role.COMPLAINT_HANDLER],
        unit_id=Unit.objects.get(code="diskominfo").pk,
        area_code=KAB,
    )
    client = Client()
    client.force_login(handler)
    anonymous = Client()

    def pages(c: Client, path: str) -> list[float]:
        for _ in range(20):
            c.get(path)
        samples = []
        for _ in range(PAGES):
            start = time.perf_counter()
            r = c.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (path, r.status_code)
        return samples

    timings: dict[str, list[float]] = {}
    timings["raw: GET /bench/bare (bare view)"] = pages(anonymous, "/bench/bare")
    timings["inbox /reports/, complaint handler"] = pages(client, "/reports/")
    timings["GET /open311/v2/requests.json"] = pages(anonymous, "/open311/v2/requests.json")

    consumer = None
    if not settings.HUEY.get("immediate"):
        # The production path: the callback only stores the SMS and queues its task; a real
        # consumer process picks it up. Started now, warmed up by one SMS that is not timed.
        consumer = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run_huey", "--quiet"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.cases.settings"},
            cwd=ROOT,
        )
    sms_ms: list[float] = []
    for i in range(-1 if consumer else 0, SMS):
        number = f"+62813{int(suffix) % 10**4:04d}{i % 10**4:04d}"
        params = {
            "secret": settings.KANNEL_CALLBACK_SECRET,
            "from": number,
            "to": "1500",
            "text": f"LAPOR jalan berlubang di RT {i % 20 + 1:02d} dekat sekolah",
            "id": f"bench-{suffix}-{i}",
            "ts": str(int(time.time())),
        }
        start = time.perf_counter()
        r = anonymous.get("/api/v1/sms/kannel/incoming", params)
        assert r.status_code == 200, r.content
        while not SmsMessage.objects.filter(to=number, purpose=SmsPurpose.REPLY).exists():
            if time.perf_counter() - start > 30:
                raise SystemExit(f"no reply to {number} after 30 s")
            time.sleep(0.005)
        if i >= 0:
            sms_ms.append((time.perf_counter() - start) * 1000)
    if consumer is not None:
        consumer.terminate()
        consumer.wait(timeout=30)
    path = "queue → consumer" if consumer else "task inline"
    timings[f"SMS LAPOR: callback → case → reply row ({path})"] = sms_ms

    print()
    print(f"database: {connection.vendor}; cases: {Case.objects.count():,}")
    print(f"{'operation':<45}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        print(f"{name:<45}{len(values):>6}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    raw = pct(timings["raw: GET /bench/bare (bare view)"], 50)
    for name in ("inbox /reports/, complaint handler", "GET /open311/v2/requests.json"):
        print(f"{name}: {pct(timings[name], 50) / raw:.1f}× the raw limit (median)")
    worst = max(sms_ms)
    print(f"SMS path: worst {worst:.0f} ms — {'within' if worst <= 1000 else 'OVER'} the 1 s goal")


if __name__ == "__main__":
    sys.exit(main())
