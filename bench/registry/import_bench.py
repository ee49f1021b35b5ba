"""Import, raw-load and duplicate-scan benchmark on a Cianjur-size synthetic register.

    .venv/bin/python bench/registry/import_bench.py --db postgres --people 2638825
    .venv/bin/python bench/registry/import_bench.py --db sqlite --people 2638825

Phases, each in its own process so peak memory (ru_maxrss) is measured per phase:

  make    synthetic population of Kab. Cianjur (32.03) -> a SIAK-layout CSV + the planted duplicate pairs
  raw     the same rows loaded with no checks: csv.reader -> COPY (PostgreSQL) / executemany (SQLite)
          into registry_family and registry_resident (the limit an import could reach)
  import  import_create + import_run on the same file, as manage.py import_residents does (sniff,
          row checks, staging, whole-file checks, one publishing transaction with history and
          memberships); with --trace-heap under tracemalloc, for the Python heap peak only (it slows
          the import several times, and the raw phase is never traced, so no ratio is given then)
  scan    full duplicate scan; precision and recall against the planted pairs

Databases: PostgreSQL database `warga_bench_import` on 127.0.0.1 (recreated; not `warga_bench`,
which other benchmarks use), SQLite and the CSV files under /tmp/warga_bench_import.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("BENCH_IMPORT_WORK", "/tmp/warga_bench_import"))
# Its own database (other benchmarks use warga_bench); BENCH_IMPORT_DB names another.
DB_NAME = os.environ.get("BENCH_IMPORT_DB", "warga_bench_import")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
REGION = "32.03"


def env_for(db: str) -> dict[str, str]:
    env = dict(
        os.environ, SECRET_KEY="bench-only", DJANGO_SETTINGS_MODULE="warga.settings", HUEY_IMMEDIATE="0"
    )
    if db == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        env["WARGA_DATA_DIR"] = str(WORK / "pgdata")
    else:
        env.pop("DATABASE_URL", None)
        env["WARGA_DATA_DIR"] = str(WORK / "sqlite")
    env["IMPORT_MAX_ROWS"] = "3000000"
    return env


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """Largest peak of the processes a phase started and waited for (the import's staging processes)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench._scope import outside_scope

    outside_scope()


def run(db: str, *args: str) -> dict:
    cmd = [sys.executable, __file__, "--db", db, *args]
    out = subprocess.run(cmd, env=env_for(db), cwd=ROOT, check=True, capture_output=True, text=True)
    sys.stderr.write(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_database(db: str, *, from_template: bool = False) -> None:
    """An empty, migrated database with the Cianjur regions and one Disdukcapil account.

    PostgreSQL: the first one of a run is also kept as a template (`<database>_template`), and
    `from_template` copies it (a second instead of a migration) for the later phases."""
    template = f"{DB_NAME}_template"
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            if from_template:
                conn.execute(f"CREATE DATABASE {DB_NAME} TEMPLATE {template}")
                return
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    else:
        for suffix in ("", "-wal", "-shm"):
            (WORK / "sqlite" / f"warga.sqlite3{suffix}").unlink(missing_ok=True)
    env = env_for(db)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [*manage, "load_regions", "--only", "32"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, __file__, "--db", db, "--phase", "account"], env=env, cwd=ROOT, check=True
    )
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {template} TEMPLATE {DB_NAME}")


# --------------------------------------------------------------------------- phases (child processes)


def phase_account() -> dict:
    setup_django()
    from warga.accounts.services import staff_create
    from warga.org.models import Unit
    from warga.org.services import units_create_standard
    from warga.regions.models import Region

    region = Region.objects.get(code=REGION)
    units_create_standard(region=region)
    staff_create(
        actor=None,
        username="bench",
        password="bench-password-123",
        full_name="Bench",
        roles=["disdukcapil_verifier"],
        unit_id=Unit.objects.get(code="disdukcapil").pk,
        area_code=REGION,
    )
    return {}


def phase_make(people: int, seed: int, path: Path, planted: Path) -> dict:
    setup_django()
    import csv
    from datetime import date

    from warga.imports.export import HEADERS, household_rows
    from warga.regions.models import Region, RegionLevel
    from warga.registry.synthetic import PopulationGenerator, plan_desa

    started = time.perf_counter()
    desa = list(
        Region.objects.filter(code__within=REGION, level=RegionLevel.DESA)
        .order_by("code")
        .values_list("code", flat=True)
    )
    generator = PopulationGenerator(
        plan_desa(desa, people=people, seed=seed),
        seed=seed,
        today=date(2026, 6, 1),
        kabupaten_name="Cianjur",
        duplicate_rate=0.001,
    )
    pairs = []

    def tracked():
        for household in generator:
            if household.duplicate_of:
                pairs.append((household.duplicate_of, household.members[0].nik))
            yield household

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        rows = 0
        for row in household_rows(tracked()):
            writer.writerow(row)
            rows += 1
    with planted.open("w") as out:
        out.writelines(f"{a},{b}\n" for a, b in pairs)
    return {
        "rows": rows,
        "planted": len(pairs),
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_mb(),
        "bytes": path.stat().st_size,
    }


RAW_BASELINE = (
    "raw baseline: csv.reader over the same file -> the FINAL rows the import publishes (families, "
    "residents, memberships, family and resident history; SIAK words and dates mapped by dict look-up, "
    "name keys looked up from a table computed before the clock starts) -> one COPY per table "
    "(executemany on SQLite) into the real, empty, fully indexed tables (same constraints and triggers), "
    "all in one transaction; the rows are compared with the import's afterwards"
)

#: Tables the import publishes into, in the order the baseline loads them.
PUBLISHED = (
    "registry_family",
    "registry_resident",
    "registry_familymembership",
    "registry_familychange",
    "registry_residentchange",
)


def published_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in PUBLISHED:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def published_digest() -> dict[str, str]:
    """A digest per published table of every value an import sets (ids and times left out, a
    family named by its KK number): equal digests mean the same rows."""
    from django.db import connection

    queries = {
        "registry_family": "SELECT md5(string_agg(concat_ws('|', kk_number, desa_id, rw, rt, address, issued_on, "
        "is_active, version), ',' ORDER BY kk_number)) FROM registry_family",
        "registry_resident": "SELECT md5(string_agg(concat_ws('|', r.nik, r.full_name, r.name_key, r.birth_place, "
        "r.birth_date, r.sex, r.religion, r.marital_status, r.occupation, r.education, r.blood_type, r.citizenship, "
        "r.father_name, r.mother_name, r.mother_id, r.father_id, r.desa_id, r.rw, r.rt, r.address, f.kk_number, "
        "r.relationship, r.life_status, r.died_on, r.ever_married, r.ktp_status, r.version), ',' ORDER BY r.nik)) "
        "FROM registry_resident r LEFT JOIN registry_family f ON f.id = r.family_id",
        "registry_familymembership": "SELECT md5(string_agg(concat_ws('|', r.nik, f.kk_number, m.relationship, "
        "m.started_on, m.ended_on, m.end_reason), ',' ORDER BY r.nik, f.kk_number)) FROM registry_familymembership m "
        "JOIN registry_resident r ON r.id = m.resident_id JOIN registry_family f ON f.id = m.family_id",
        "registry_familychange": "SELECT md5(string_agg(concat_ws('|', f.kk_number, c.action, c.actor_id, "
        "c.event_id, c.changes::text), ',' ORDER BY f.kk_number)) FROM registry_familychange c "
        "JOIN registry_family f ON f.id = c.family_id",
        "registry_residentchange": "SELECT md5(string_agg(concat_ws('|', r.nik, c.action, c.actor_id, c.event_id, "
        "(c.changes::jsonb - 'family')::text, fc.kk_number), ',' ORDER BY r.nik)) FROM registry_residentchange c "
        "JOIN registry_resident r ON r.id = c.resident_id "
        "LEFT JOIN registry_family fc ON fc.id = (c.changes::jsonb -> 'family' ->> 1)::bigint",
    }
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        digests = {}
        for table, sql in queries.items():
            cursor.execute(sql)
            digests[table] = cursor.fetchone()[0]
    return digests


def _json_text(value: str) -> str:
    """A JSON string literal; names and addresses rarely need more than the quotes."""
    if '"' in value or "\\" in value or not value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return f'"{value}"'


#: Columns the baseline writes, per table (every column the import sets, defaults included).
RAW_COLUMNS = {
    "registry_family": "id, kk_number, desa_id, rw, rt, address, issued_on, is_active, created_at, updated_at, version",
    "registry_resident": "id, nik, full_name, name_key, birth_place, birth_date, sex, religion, marital_status, "
    "occupation, education, blood_type, citizenship, father_name, mother_name, mother_id, father_id, desa_id, rw, "
    "rt, address, family_id, relationship, life_status, died_on, ever_married, ktp_status, created_at, "
    "updated_at, version",
    "registry_familymembership": "family_id, resident_id, relationship, started_on, ended_on, end_reason",
    "registry_familychange": "family_id, at, actor_id, action, reason, event_id, changes",
    "registry_residentchange": "resident_id, at, actor_id, action, reason, event_id, changes",
}


class FinalRows:
    """The rows an import of a SIAK-layout CSV publishes, made from the cells with no checks."""

    def __init__(self, keys: dict[str, str], actor_id: int) -> None:
        from django.utils import timezone

        self.keys = keys
        self.actor_id = actor_id
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.reason = "Import #1"
        self.words: dict[int, dict[str, str]] = {}
        self.dates: dict[str, Any] = {}

    def word(self, table: dict[str, str], raw: str, default: str = "") -> str:
        from warga.imports import layouts

        cache = self.words.setdefault(id(table), {})
        value = cache.get(raw)
        if value is None:
            value = cache[raw] = layouts.lookup(table, raw) or default
        return value

    def __call__(self, reader: Iterator[list[str]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Per CSV row: (index in PUBLISHED, row) for every row of every table it gives."""
        from datetime import date

        from warga.imports import layouts

        now, actor_id, reason, word, dates = self.now, self.actor_id, self.reason, self.word, self.dates
        kk_ids: dict[str, int] = {}
        for rid, r in enumerate(reader, start=1):
            kk, full_name, desa = r[1], r[2], r[17]
            rw = int(r[16]) if r[16] else None
            rt = int(r[15]) if r[15] else None
            relationship = word(layouts.RELATIONSHIP, r[13])
            fid = kk_ids.get(kk)
            if fid is None:
                fid = kk_ids[kk] = len(kk_ids) + 1
                yield 0, (fid, kk, desa, rw, rt, r[14], None, True, now, now, 1)
                changes = (
                    f'{{"kk_number": [null, "{kk}"], "desa": [null, "{desa}"], "rw": [null, {rw or "null"}], '
                    f'"rt": [null, {rt or "null"}], "address": [null, {_json_text(r[14])}]}}'
                )
                yield 3, (fid, now, actor_id, "import", reason, None, changes)
            born = dates.get(r[4])
            if born is None:
                born = dates[r[4]] = date(int(r[4][6:10]), int(r[4][3:5]), int(r[4][:2]))
            sex = word(layouts.SEX, r[5])
            marital = word(layouts.MARITAL, r[7], "belum_kawin")
            yield 1, (
                rid, r[0], full_name, self.keys[full_name], r[3], born, sex, word(layouts.RELIGION, r[6]), marital,
                r[8], word(layouts.EDUCATION, r[9]), word(layouts.BLOOD, r[10]), "WNI", r[11], r[12], None, None,
                desa, rw, rt, r[14], fid, relationship, "alive", None, marital != "belum_kawin", "", now, now, 1,
            )  # fmt: skip
            yield 2, (fid, rid, relationship, self.today, None, "")
            changes = (
                f'{{"nik": [null, "{r[0]}"], "full_name": [null, {_json_text(full_name)}], '
                f'"birth_date": [null, "{born.isoformat()}"], "sex": [null, "{sex}"], "desa": [null, "{desa}"], '
                f'"family": [null, {fid}], "relationship": [null, "{relationship}"]}}'
            )
            yield 4, (rid, now, actor_id, "import", reason, None, changes)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _raw_postgres(path: Path, final: FinalRows, started: float) -> dict:
    """Every table's rows in COPY text format (formatted by psycopg, as the import's COPY is),
    spooled to temporary files in one pass over the CSV; then one COPY per table, one transaction."""
    import tempfile

    import psycopg
    from django.db import connection, transaction
    from psycopg.copy import FileWriter

    spools = [tempfile.SpooledTemporaryFile(max_size=64 << 20) for _ in PUBLISHED]  # noqa: SIM115
    connection.ensure_connection()
    raw = connection.connection
    copies = [psycopg.Copy(raw.cursor(), binary=False, writer=FileWriter(spool)) for spool in spools]
    writers = [copy.write_row for copy in copies]
    rows = 0
    for table, row in final(_csv_rows(path)):
        writers[table](row)
        rows += table == 1
    for copy in copies:
        copy.finish(None)
    prepared = time.perf_counter() - started
    steps: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table, spool in zip(PUBLISHED, spools, strict=True):
            step = time.perf_counter()
            spool.seek(0)
            with cursor.cursor.copy(f"COPY {table} ({RAW_COLUMNS[table]}) FROM STDIN") as copy:
                while chunk := spool.read(1 << 20):
                    copy.write(chunk)
            spool.close()
            steps[table] = round(time.perf_counter() - step, 3)
        step = time.perf_counter()
    steps["commit"] = round(time.perf_counter() - step, 3)
    return {"rows": rows, "csv_to_rows_s": prepared, "steps_s": steps}


def _raw_sqlite(path: Path, final: FinalRows) -> dict:
    """The same rows with executemany (SQLite has no COPY), in one transaction."""
    from django.db import connection, transaction

    marks = {t: ", ".join(["%s"] * (RAW_COLUMNS[t].count(",") + 1)) for t in PUBLISHED}
    buffers: list[list[tuple[Any, ...]]] = [[] for _ in PUBLISHED]
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:

        def flush() -> None:
            for table, buffer in zip(PUBLISHED, buffers, strict=True):
                if buffer:
                    sql = f"INSERT INTO {table} ({RAW_COLUMNS[table]}) VALUES ({marks[table]})"
                    cursor.executemany(sql, buffer)
                    buffer.clear()

        for table, row in final(_csv_rows(path)):
            buffers[table].append(row)
            if table == 1:
                rows += 1
                if rows % 20_000 == 0:
                    flush()
        flush()
    return {"rows": rows}


def phase_raw(path: Path) -> dict:
    """The floor any import is measured against: the same final rows, no checks, one transaction."""
    setup_django()
    from django.db import connection

    from warga.accounts.models import User
    from warga.registry.models import Family, FamilyChange, FamilyMembership, Resident, ResidentChange
    from warga.registry.names import name_key
    from warga.registry.synthetic import reset_sequences

    # Name keys: the register's own function, run once per distinct name before the clock starts,
    # so that the baseline times reading, mapping and loading only (the import computes them too).
    keys_started = time.perf_counter()
    keys: dict[str, str] = {}
    for r in _csv_rows(path):
        if r[2] not in keys:
            keys[r[2]] = name_key(r[2])[:120]
    keys_seconds = time.perf_counter() - keys_started
    final = FinalRows(keys, User.objects.get(username="bench").pk)

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        result = _raw_postgres(path, final, started)
    else:
        result = _raw_sqlite(path, final)
    reset_sequences(Family, Resident, FamilyMembership, FamilyChange, ResidentChange)
    return {
        **result,
        "seconds": time.perf_counter() - started,
        "name_keys_not_timed_s": keys_seconds,
        "peak_mb": peak_mb(),
        "tables": published_counts(),
        "digest": published_digest(),
    }


def phase_import(path: Path, *, trace_heap: bool = False) -> dict:
    """The import, timed. `trace_heap` also measures the Python heap with tracemalloc, which
    slows allocation-heavy code several times: such a run is for memory, not for the ratio."""
    setup_django()
    import tracemalloc

    from warga.accounts.models import User
    from warga.core.scoping import Actor
    from warga.imports.models import ImportBatch
    from warga.imports.services import import_create, import_run

    if trace_heap:
        tracemalloc.start()
    actor = Actor.for_user(User.objects.get(username="bench"))
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_create(actor=actor, source=handle, file_name=path.name, mode="valid-rows")
    import_run(batch_id=batch.pk)  # no-op when the task already ran it (immediate Huey)
    batch = ImportBatch.objects.get(pk=batch.pk)
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if trace_heap else None
    return {
        "rows": batch.rows_read,
        "tables": published_counts(),
        "digest": published_digest(),
        "status": batch.status,
        "created": batch.residents_created,
        "invalid": batch.rows_invalid,
        "message": batch.message,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "children_peak_mb": children_peak_mb(),
        "python_heap_peak_mb": None if traced_peak is None else traced_peak / 1024 / 1024,
    }


def phase_scan(planted: Path) -> dict:
    setup_django()
    from warga.dedupe.models import DuplicateCandidate
    from warga.dedupe.services import duplicates_scan
    from warga.registry.models import Resident

    DuplicateCandidate.objects.all().delete()
    started = time.perf_counter()
    result = duplicates_scan()
    seconds = time.perf_counter() - started
    truth = set()
    for line in planted.read_text().splitlines():
        a, b = line.split(",")
        pa, pb = Resident.objects.get(nik=a).pk, Resident.objects.get(nik=b).pk
        truth.add((min(pa, pb), max(pa, pb)))
    found = set(DuplicateCandidate.objects.values_list("resident_a_id", "resident_b_id"))
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    return {
        "seconds": seconds,
        "compared": result.compared,
        "found": len(found),
        "planted": len(truth),
        "true_positive": hits,
        "precision": precision,
        "recall": recall,
        "peak_mb": peak_mb(),
    }


# --------------------------------------------------------------------------- orchestration


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--people", type=int, default=2_638_825)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--phase", default="all")
    parser.add_argument(
        "--trace-heap",
        action="store_true",
        help="run the import under tracemalloc (Python heap peak; several times slower, so no ratio)",
    )
    parser.add_argument("--no-scan", action="store_true", help="skip the duplicate scan")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of raw then import; the ratio of the medians is reported",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "sqlite").mkdir(exist_ok=True)
    (WORK / "pgdata").mkdir(exist_ok=True)
    path = WORK / f"cianjur-{args.people}.csv"
    planted = WORK / f"cianjur-{args.people}.planted"
    if args.phase != "all":
        result = {
            "account": phase_account,
            "make": lambda: phase_make(args.people, args.seed, path, planted),
            "raw": lambda: phase_raw(path),
            "import": lambda: phase_import(path, trace_heap=args.trace_heap),
            "scan": lambda: phase_scan(planted),
        }[args.phase]()
        print(json.dumps(result, default=str))
        return
    report: dict = {"db": args.db, "people": args.people, "date": time.strftime("%Y-%m-%d")}
    fresh_database(args.db)
    if not path.exists() or not planted.exists():
        report["make"] = run(args.db, "--people", str(args.people), "--phase", "make")
        print("make", report["make"], flush=True)
    print(RAW_BASELINE, flush=True)
    report["baseline"] = RAW_BASELINE
    traced = ["--trace-heap"] if args.trace_heap else []
    rounds = []
    for n in range(args.repeat):
        # Raw and import alternate, each on a fresh database, so that both see the same host.
        if n:
            fresh_database(args.db, from_template=args.db == "postgres")
        raw = run(args.db, "--people", str(args.people), "--phase", "raw")
        print("raw", raw, flush=True)
        fresh_database(args.db, from_template=args.db == "postgres")
        imported = run(args.db, "--people", str(args.people), "--phase", "import", *traced)
        print("import", imported, flush=True)
        same = raw["tables"] == imported["tables"] and raw["digest"] == imported["digest"]
        if same:
            proof = "digests of every value equal" if raw["digest"] else "row counts only on SQLite"
            print(f"same final rows in both: {raw['tables']} ({proof})", flush=True)
        else:
            print(f"NOT THE SAME ROWS: raw {raw}, import {imported}", flush=True)
        rounds.append({"raw": raw, "import": imported, "same_rows": same})
        if not args.trace_heap:
            raw_s, import_s, keys_s = raw["seconds"], imported["seconds"], raw["name_keys_not_timed_s"]
            rounds[-1]["ratio"] = raw_s / import_s
            print(
                f"{args.db}, {args.people:,} people, round {n + 1}: raw {raw_s:.2f} s, import {import_s:.2f} s, "
                f"import/raw throughput {raw_s / import_s:.2f} (goal >= 0.5); import peak RSS "
                f"{imported['peak_mb']:.0f} MB (goal < 500 MB). Name keys, left out of the raw time: "
                f"{keys_s:.2f} s (ratio with them counted: {(raw_s + keys_s) / import_s:.2f})",
                flush=True,
            )
    report["rounds"] = rounds
    report["raw"], report["import"] = rounds[-1]["raw"], rounds[-1]["import"]
    report["same_rows"] = all(r["same_rows"] for r in rounds)
    if not args.trace_heap:
        raws = [r["raw"]["seconds"] for r in rounds]
        imports = [r["import"]["seconds"] for r in rounds]
        # Each round's raw and import ran next to each other: the median of the rounds' ratios.
        report["ratio"] = statistics.median(r["ratio"] for r in rounds)
        per_round = ", ".join(f"{r['ratio']:.2f}" for r in rounds)
        print(
            f"{args.db}, {args.people:,} people, {len(rounds)} round(s): median raw {statistics.median(raws):.2f} s, "
            f"median import {statistics.median(imports):.2f} s, import/raw throughput {report['ratio']:.2f} "
            f"(median of the rounds: {per_round}; goal >= 0.5); import peak RSS at most "
            f"{max(r['import']['peak_mb'] for r in rounds):.0f} MB; same rows: {report['same_rows']}",
            flush=True,
        )
    if not args.no_scan:
        report["scan"] = run(args.db, "--people", str(args.people), "--phase", "scan")
        print("scan", report["scan"], flush=True)
    suffix = "-heap" if args.trace_heap else ""
    out = WORK / f"result-{args.db}-{args.people}{suffix}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
