"""Full duplicate scan on a Cianjur-size register generated in place, with planted duplicates.

    .venv/bin/python -m bench.registry.dedupe_bench --people 2638825
    .venv/bin/python -m bench.registry.dedupe_bench --people 2638825 --db sqlite

`generate_population` fills Kabupaten Cianjur (32.03) with `--people` residents and plants a
second record of one adult after a share of households, with the errors registers hold
(`warga.registry.synthetic.Generator.duplicate_of`: the name spelt another way, mistyped or
without its second name; the birth date with day and month swapped or one digit wrong;
another kecamatan after a move; the parents' names spelt another way — at most two of the
three errors that change a block key), writing the planted NIK pairs and their errors to a
file. The scan (`warga.dedupe.services.duplicates_scan`, what the nightly task and the page run)
is then timed, and its candidates are compared with the planted pairs: precision and recall.
PostgreSQL database `warga_bench_dedupe` (recreated) or SQLite under /tmp/warga_bench_dedupe.
Goals (issue 3): full scan <= 10 minutes; precision and recall >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = Path("/tmp/warga_bench_dedupe")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/warga_bench_dedupe"
REGION = "32.03"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--people", type=int, default=2_638_825)
    parser.add_argument("--duplicates", type=float, default=0.001)
    parser.add_argument("--reuse", action="store_true", help="keep the register of the last run")
    args = parser.parse_args()

    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.foundation.settings"
    os.environ["WARGA_REGION_CODE"] = REGION
    os.environ["WARGA_DATA_DIR"] = str(WORK / args.db)
    planted = WORK / f"planted-{args.db}.csv"
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        if not args.reuse:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS warga_bench_dedupe WITH (FORCE)")
                conn.execute("CREATE DATABASE warga_bench_dedupe")
    else:
        os.environ.pop("DATABASE_URL", None)
        if not args.reuse:
            shutil.rmtree(WORK / args.db, ignore_errors=True)
    (WORK / args.db).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))

    if not args.reuse:
        env = dict(os.environ)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, env=env)
        subprocess.run([*manage, "load_regions", "-v0"], check=True, env=env)
        started = time.perf_counter()
        subprocess.run(
            [
                *manage,
                "generate_population",
                "--region",
                REGION,
                "--people",
                str(args.people),
                "--duplicates",
                str(args.duplicates),
                "--planted-out",
                str(planted),
                "-v0",
            ],
            check=True,
            env=env,
        )
        print(f"generated {args.people:,} residents in {time.perf_counter() - started:.0f} s", flush=True)

    import django

    django.setup()
    from bench._scope import outside_scope

    outside_scope()
    from django.db import connection

    from warga.dedupe.models import DuplicateCandidate
    from warga.dedupe.services import duplicates_scan
    from warga.registry.models import Resident

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registry_resident")
    DuplicateCandidate.objects.all().delete()
    residents = Resident.objects.count()
    started = time.perf_counter()
    result = duplicates_scan()
    seconds = time.perf_counter() - started
    lines = planted.read_text().splitlines()[1:]  # header: original_nik,duplicate_nik,errors
    rows = [line.split(",") for line in lines if line.strip()]
    ids = dict(Resident.objects.filter(nik__in=[n for row in rows for n in row[:2]]).values_list("nik", "id"))
    kinds = {
        (min(ids[r[0]], ids[r[1]]), max(ids[r[0]], ids[r[1]])): (r[2] if len(r) > 2 else "") for r in rows
    }
    truth = set(kinds)
    found = set(DuplicateCandidate.objects.values_list("resident_a_id", "resident_b_id"))
    hits = len(found & truth)
    by_kind: dict[str, list[int]] = {}
    for pair, kind in kinds.items():
        counts = by_kind.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += pair in found
    report = {
        "date": date.today().isoformat(),
        "database": f"{connection.vendor} {getattr(connection, 'pg_version', '')}".strip(),
        "residents": residents,
        "scan_seconds": round(seconds, 1),
        "compared": result.compared,
        "found": len(found),
        "planted": len(truth),
        "true_positive": hits,
        "precision": round(hits / len(found), 4) if found else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "recall_by_errors": {
            k: f"{f}/{n}" for k, (n, f) in sorted(by_kind.items(), key=lambda kv: -kv[1][0])
        },
    }
    print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
