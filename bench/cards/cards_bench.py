"""KTP-el card benchmarks on a Cianjur-size synthetic register (2.6 million residents).

    .venv/bin/python bench/cards/cards_bench.py setup --people 2600000   # once: database + data
    .venv/bin/python bench/cards/cards_bench.py setup --people 2600000 --fast  # same, plain SQL rows
    .venv/bin/python bench/cards/cards_bench.py run [--runs 7]           # the measurements

What is measured (PostgreSQL database `warga_cards_bench` on 127.0.0.1, recreated by `setup`;
BENCH_CARDS_DB names another):

  batch    what a print officer's client does, through the API of a running server (gunicorn
           with the command line of `manage.py serve`, WEB_CONCURRENCY × WEB_THREADS, default
           2 × 4; a bearer token of the printing operator, one keep-alive connection):
           `GET /api/v1/cards/queue` (preview: rank the print-ready records with the election
           rule set — voter on a date, pending application, first come, new recordings, fair
           share per kecamatan — and show the places per kecamatan and the top 100), then
           `POST /api/v1/cards/batches` (lock the best `--batch` into an open batch). The batch
           is closed again through the API (not timed) so every run starts from the same queue.
           Also, labelled as such, the `print_batch_lock` service called in this process.
  targets  targets_per_desa for the whole kabupaten at election day (one GROUP BY over the
           register, which carries a copy of each card's status kept by database triggers);
           the service called in this process.

Each is set against the raw limit measured in the same run: the bare SQL reading the same
rows (`raw_batch`: the candidate columns of the print-ready rows joined to the register;
`raw_targets`: a GROUP BY desa count of the required residents with no join), and for the API
path the server's floor (`GET /healthz` over the same connection).

`setup --prr N` makes N print-ready records instead of 95,000 (small runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = os.environ.get("BENCH_CARDS_DB", "warga_cards_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REGION = "32.03"  # Kabupaten Cianjur
PRR = 95_000
BATCH = 15_000


def setup_django() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warga.settings")
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("WARGA_DATA_DIR", f"/tmp/{DB_NAME}")
    os.environ["HUEY_IMMEDIATE"] = "1"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench._scope import outside_scope

    outside_scope()


FAST_RESIDENTS = """
INSERT INTO registry_resident (nik, full_name, name_key, birth_place, birth_date, sex, religion, marital_status,
    occupation, education, blood_type, citizenship, father_name, mother_name, rw, rt, address, relationship,
    life_status, ever_married, created_at, updated_at, version, desa_id)
SELECT '3203' || lpad(g::text, 12, '0'), 'Warga ' || g, 'warga ' || g, 'Cianjur', p.birth, p.sex, 'islam',
       CASE WHEN p.married THEN 'kawin' ELSE 'belum_kawin' END, '', '', '', 'WNI', '', '',
       1 + g %% 9, 1 + g %% 7, '', '', CASE WHEN p.r3 < 0.01 THEN 'dead' ELSE 'alive' END, p.married,
       now(), now(), 1, (%(desa)s::text[])[1 + floor(p.r1 * %(ndesa)s)::int]
FROM generate_series(1, %(people)s) g
CROSS JOIN LATERAL (
    SELECT r1, r3,
           current_date - (floor(power(r2, 1.25) * 85 * 365.25))::int AS birth,
           CASE WHEN r2 > 0.5 THEN 'F' ELSE 'M' END AS sex,
           power(r2, 1.25) * 85 >= 22 AND r3 < 0.8 AS married
    FROM (SELECT random() AS r1, random() AS r2, random() AS r3 WHERE g > 0) x
) p
"""


def setup(people: int, seed: int, fast: bool = False, prr_count: int = PRR) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from warga.accounts.services import staff_create
    from warga.org.models import Unit
    from warga.org.services import units_create_standard
    from warga.regions.models import Region
    from warga.regions.services import regions_load
    from warga.registry.synthetic import populate

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    regions_load(only=REGION)
    units_create_standard(region=Region.objects.get(code=REGION))
    staff_create(
        actor=None,
        username="printer",
        password="bench-password-123",
        full_name="Printer",
        roles=["printing_operator"],
        unit_id=Unit.objects.get(code="disdukcapil").pk,
        area_code=REGION,
    )
    print(f"schema ready in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    if fast:
        # Plain rows by SQL (same shape that matters here: desa, age, marriage), when the
        # realistic generator is too slow for the time at hand.
        from warga.regions.models import RegionLevel

        desa = list(
            Region.objects.filter(code__within=REGION, level=RegionLevel.DESA).values_list("code", flat=True)
        )
        with connection.cursor() as cur:
            cur.execute("SELECT setseed(%s)", [seed / 100_000])
            cur.execute(FAST_RESIDENTS, {"desa": desa, "ndesa": len(desa), "people": people})
        print(f"{people:,} plain residents in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        result = populate(
            area_codes=[REGION],
            people=people,
            seed=seed,
            progress=lambda n, total: print(f"  {n:,}/{total:,}", flush=True),
        )
        print(f"{result.residents:,} residents in {time.perf_counter() - started:.0f} s", flush=True)

    # Card history in SQL: of the residents who must hold a KTP-el, a random 95,000 are
    # print-ready, about 4 % are not recorded (no row), 1 % wait for the centre, the rest hold
    # their card. Random by md5 of the id so the same data comes back every time.
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM registry_resident WHERE life_status = 'alive' "
            "AND (birth_date <= current_date - interval '17 years' OR ever_married)"
        )
        required = cur.fetchone()[0]
        # 6 % of them at full size (a little over 95,000); more when a small register needs it.
        share = 0.06
        if share * 0.96 * required < prr_count:
            share = min(0.5, 1.1 * prr_count / max(1, 0.96 * required))
        cur.execute(
            """
            INSERT INTO cards_ktpcard (resident_id, status, status_at, recorded_at, prr_at, is_reprint, version)
            SELECT r.id,
                   CASE WHEN k.rnd < %(prr_share)s THEN 'prr'
                        WHEN k.rnd < %(prr_share)s + 0.01 THEN 'recorded'
                        ELSE 'handed_over' END,
                   now() - (k.rnd * 900 || ' days')::interval,
                   now() - (k.rnd * 900 + 30 || ' days')::interval,
                   CASE WHEN k.rnd < %(prr_share)s THEN now() - (k.rnd / %(prr_share)s * 700 || ' days')::interval END,
                   (k.rnd * 1000)::int %% 7 = 0,
                   1
            FROM registry_resident r
            CROSS JOIN LATERAL (
                SELECT ('x' || substr(md5(r.id::text), 1, 8))::bit(32)::bigint / 4294967296.0 AS rnd
            ) k
            WHERE r.life_status = 'alive'
              AND (r.birth_date <= current_date - interval '17 years' OR r.ever_married)
              AND ('x' || substr(md5('skip' || r.id::text), 1, 8))::bit(32)::bigint / 4294967296.0 >= 0.04
            """,
            {"prr_share": share},
        )
        # Trim the print-ready set to exactly 95,000 (the rest become handed over).
        cur.execute(
            """
            UPDATE cards_ktpcard SET status = 'handed_over', prr_at = NULL
            WHERE id IN (SELECT id FROM cards_ktpcard WHERE status = 'prr' ORDER BY id OFFSET %s)
            """,
            [prr_count],
        )
        cur.execute("SELECT count(*) FROM cards_ktpcard WHERE status = 'prr'")
        prr = cur.fetchone()[0]
        cur.execute("ANALYZE")
    print(f"card rows in {time.perf_counter() - started:.0f} s; print-ready: {prr:,}", flush=True)


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_s": round(statistics.median(ordered), 3), "p95_s": round(p95, 3), "runs": len(ordered)}


def _measure(fn, runs: int, after=None) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
        if after:
            after(value)
    return _summary(times)


def run(runs: int, size: int = BATCH) -> dict:
    setup_django()
    from django.db import connection, transaction

    from bench._server import Officer, start_web
    from warga.accounts.models import User
    from warga.accounts.services import api_token_create
    from warga.cards.models import KtpCard, PrintBatchItem, RuleKind
    from warga.cards.selectors import birth_cutoff, targets_per_desa
    from warga.cards.services import print_batch_close, print_batch_lock, rule_set_save
    from warga.core.scoping import Actor
    from warga.org.models import Unit
    from warga.registry.models import Resident

    printer = User.objects.get(username="printer")
    actor = Actor.for_user(printer)
    office = Unit.objects.get(code="disdukcapil")
    election = date.today() + timedelta(days=120)
    rule_set = rule_set_save(
        actor=actor,
        name="Bench election",
        rules=[
            {"kind": RuleKind.VOTER, "weight": 100, "on_date": election},
            {"kind": RuleKind.PENDING_APPLICATION, "weight": 50},
            {"kind": RuleKind.FIRST_COME, "weight": 20},
            {"kind": RuleKind.NEW_RECORDING, "weight": 10},
            {"kind": RuleKind.FAIR_SHARE, "weight": 0},
        ],
    )
    dataset = {
        "residents": Resident.objects.count(),
        "card_rows": KtpCard.objects.count(),
        "prr": KtpCard.objects.filter(status="prr").count(),
    }
    _token, raw_token = api_token_create(actor=actor, owner=printer, name=f"print client {time.time():.0f}")

    # --- the print officer's client, through the API of a running server --------------------
    os.environ["HUEY_IMMEDIATE"] = "0"  # the server as installed (this process set it for set-up)
    log_dir = Path(os.environ["WARGA_DATA_DIR"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    web, port = start_web(log_dir)
    try:
        client = Officer(port, token=raw_token)
        preview_path = (
            f"/api/v1/cards/queue?office_id={office.pk}&rule_set_id={rule_set.pk}&size={size}&top=100"
        )
        body = {"office_id": office.pk, "rule_set_id": rule_set.pk, "size": size}

        def preview() -> dict:
            status, data, _ms = client.get(preview_path)
            assert status == 200, (status, data[:300])
            answer = json.loads(data)
            assert answer["selected"] == size, answer["selected"]
            return answer

        def lock(token: str) -> dict:
            # As the client does: the lock names the preview the officer read (its places are
            # taken if all are still free; the benchmark checks below that they were).
            status, answer, _ms = client.post_json("/api/v1/cards/batches", {**body, "preview": token})
            assert status == 201 and answer["places"] == size, (status, answer)
            return answer

        def close(answer: dict) -> None:
            status, closed, _ms = client.post_json(f"/api/v1/cards/batches/{answer['id']}/close", {})
            assert status == 200, (status, closed)

        # Warm-up, not timed: the first request of each worker loads what it needs.
        for _ in range(4):
            close(lock(preview()["preview"]))
        api_preview, api_lock, api_both = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            token = preview()["preview"]
            middle = time.perf_counter()
            answer = lock(token)
            ended = time.perf_counter()
            close(answer)
            api_preview.append(middle - started)
            api_lock.append(ended - middle)
            api_both.append(ended - started)
        floor = [client.get("/healthz")[2] / 1000 for _ in range(max(20, runs))]
        client.close()
        # Every timed lock took the places its preview showed (no second ranking).
        from warga.audit.models import AuditLog

        locks = list(
            AuditLog.objects.filter(action="cards.batch.lock")
            .order_by("-pk")
            .values_list("summary", flat=True)[:runs]
        )
        as_previewed = sum(1 for summary in locks if summary.get("as_previewed"))
        assert as_previewed == runs, (as_previewed, runs)
    finally:
        web.stop()

    def lock_service():
        return print_batch_lock(actor=actor, office=office, rule_set=rule_set, size=size)

    def release(batch) -> None:
        assert batch.items.count() == size
        print_batch_close(actor=actor, batch=batch)

    service_result = _measure(lock_service, runs, after=release)

    cutoff = birth_cutoff(election)

    def raw_batch() -> int:
        # With the same planner setting as the ranking (primary-key lookups of the residents).
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT set_config('random_page_cost', '1.1', true)")
            cur.execute(
                """
                SELECT c.id, c.resident_id, c.prr_at, c.is_reprint, r.birth_date, r.ever_married, r.desa_id
                FROM cards_ktpcard c JOIN registry_resident r ON r.id = c.resident_id
                WHERE c.status = 'prr' AND r.life_status = 'alive'
                """
            )
            return len(cur.fetchall())

    def targets() -> int:
        return len(targets_per_desa(actor=actor, area_code=REGION, on=election))

    def raw_targets() -> int:
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT desa_id, count(*) FROM registry_resident
                WHERE life_status = 'alive' AND (birth_date <= %s OR ever_married)
                GROUP BY desa_id
                """,
                [cutoff],
            )
            return len(cur.fetchall())

    result = {
        "date": date.today().isoformat(),
        "database": f"{connection.vendor} {getattr(connection, 'pg_version', '')}",
        "dataset": dataset,
        "server": f"gunicorn {os.environ.get('WEB_CONCURRENCY', '2')} workers x {os.environ.get('WEB_THREADS', '4')} "
        "threads (manage.py serve's command line), bearer token, one keep-alive connection",
        "places": size,
        "api_GET_cards_queue_preview": _summary(api_preview),
        "api_POST_cards_batches_lock": _summary(api_lock),
        "api_preview_then_lock": _summary(api_both),
        "api_locks_that_took_the_previewed_places": f"{as_previewed} of {runs}",
        "raw_server_floor_GET_healthz": _summary(floor),
        "service_print_batch_lock_in_process_not_the_api": service_result,
        "raw_batch_select": _measure(raw_batch, runs),
        "service_targets_per_desa_kabupaten_in_process": _measure(targets, runs),
        "raw_targets_group_by": _measure(raw_targets, runs),
        "desa_rows": targets(),
        "open_places_left": PrintBatchItem.objects.filter(is_open=True).count(),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "run"])
    parser.add_argument("--people", type=int, default=2_600_000)
    parser.add_argument("--seed", type=int, default=3203)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--prr", type=int, default=PRR, help="print-ready records made by setup")
    parser.add_argument(
        "--fast", action="store_true", help="plain SQL-generated residents instead of synthetic.py"
    )
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.people, args.seed, args.fast, args.prr)
    else:
        print(json.dumps(run(args.runs, args.batch), indent=2))


if __name__ == "__main__":
    main()
