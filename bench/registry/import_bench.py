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
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = Path("/tmp/warga_bench_import")
DB_NAME = "warga_bench_import"  # its own database: other benchmarks use warga_bench
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


def fresh_database(db: str) -> None:
    """An empty, migrated database with the Cianjur regions and one Disdukcapil account."""
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
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


def phase_raw(path: Path) -> dict:
    """The same rows with no checks at all: the floor any import is measured against."""
    setup_django()
    import csv
    from datetime import datetime

    from django.db import transaction

    from warga.registry.models import Family, Resident
    from warga.registry.synthetic import BulkTable, bulk_write, reset_sequences

    family = BulkTable(Family, ["id", "kk_number", "desa_id", "rw", "rt", "address"])
    resident = BulkTable(
        Resident,
        [
            "id",
            "nik",
            "full_name",
            "name_key",
            "birth_place",
            "birth_date",
            "sex",
            "religion",
            "marital_status",
            "occupation",
            "education",
            "blood_type",
            "father_name",
            "mother_name",
            "desa_id",
            "rw",
            "rt",
            "address",
            "family_id",
            "relationship",
        ],
    )
    started = time.perf_counter()
    kk_ids: dict[str, int] = {}
    fam_rows, res_rows = [], []
    rows = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for rid, r in enumerate(reader, start=1):
            fid = kk_ids.get(r[1])
            if fid is None:
                fid = kk_ids[r[1]] = len(kk_ids) + 1
                fam_rows.append(
                    family.row(
                        {
                            "id": fid,
                            "kk_number": r[1],
                            "desa_id": r[17],
                            "rw": int(r[16]),
                            "rt": int(r[15]),
                            "address": r[14],
                        }
                    )
                )
            res_rows.append(
                resident.row(
                    {
                        "id": rid,
                        "nik": r[0],
                        "full_name": r[2],
                        "name_key": r[2].lower(),
                        "birth_place": r[3],
                        "birth_date": datetime.strptime(r[4], "%d-%m-%Y").date(),
                        "sex": "M" if r[5] == "LAKI-LAKI" else "F",
                        "religion": "islam",
                        "marital_status": "kawin",
                        "occupation": r[8],
                        "education": "",
                        "blood_type": "",
                        "father_name": r[11],
                        "mother_name": r[12],
                        "desa_id": r[17],
                        "rw": int(r[16]),
                        "rt": int(r[15]),
                        "address": r[14],
                        "family_id": fid,
                        "relationship": "anak",
                    }
                )
            )
            rows += 1
            if len(res_rows) >= 20_000:
                with transaction.atomic():
                    bulk_write(family, fam_rows)
                    bulk_write(resident, res_rows)
                fam_rows, res_rows = [], []
    with transaction.atomic():
        bulk_write(family, fam_rows)
        bulk_write(resident, res_rows)
    reset_sequences(Family, Resident)
    return {"rows": rows, "seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


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
    report["raw"] = run(args.db, "--people", str(args.people), "--phase", "raw")
    print("raw", report["raw"], flush=True)
    fresh_database(args.db)
    traced = ["--trace-heap"] if args.trace_heap else []
    report["import"] = run(args.db, "--people", str(args.people), "--phase", "import", *traced)
    print("import", report["import"], flush=True)
    if not args.trace_heap:
        report["ratio"] = report["raw"]["seconds"] / report["import"]["seconds"]
    if not args.no_scan:
        report["scan"] = run(args.db, "--people", str(args.people), "--phase", "scan")
        print("scan", report["scan"], flush=True)
    suffix = "-heap" if args.trace_heap else ""
    out = WORK / f"result-{args.db}-{args.people}{suffix}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
