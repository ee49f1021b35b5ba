"""Benchmark: outbox rows for a broadcast to 1,000,000 recipients (goal ≤ 60 s on PostgreSQL,
constant memory).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warga_bench_sms .venv/bin/python bench/sms/broadcast_1m.py [N]

Creates a fresh database, loads the Purwakarta regions, inserts N residents (one verified,
consenting phone each, spread over every desa) with SQL, then times `broadcast_queue`
(chunked INSERT … SELECT with the {nama}/{desa} variables rendered by the database) three times
on fresh broadcasts, and the raw limit: one bare INSERT … SELECT of N rows into the same table.
"""

from __future__ import annotations

import statistics
import sys
import time

from _setup import django_setup, peak_rss_mb, rss_mb

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 1_000_000
RUNS = int(ARGS[1]) if len(ARGS) > 1 else 3


def literal_default(field):
    value = field.get_default()
    return value if value is not None else None


def bulk_people(n: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from warga.regions.models import Region, RegionLevel
    from warga.registry.models import Phone, Resident

    desas = list(
        Region.objects.filter(code__startswith="32.14.", level=RegionLevel.DESA).values_list(
            "code", flat=True
        )
    )
    special = {
        "nik": "'3214' || lpad(g::text, 12, '0')",
        "full_name": "'WARGA NOMOR ' || g::text",
        "name_key": "'warga nomor ' || g::text",
        "birth_date": "date '1960-01-01' + (g %% 20000)",
        "sex": "CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END",
        "desa_id": f"(ARRAY[{','.join(repr(d) for d in desas)}])[1 + g %% {len(desas)}]",
        "rw": "1 + g %% 9",
        "rt": "1 + g %% 7",
        "life_status": "'alive'",
        "created_at": "now()",
        "updated_at": "now()",
    }
    columns, values, params = [], [], []
    for field in Resident._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in special:
            values.append(special[field.column])
        elif field.null:
            values.append("NULL")
        else:
            values.append("%s")
            params.append(field.get_db_prep_value(literal_default(field), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Resident._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS g",
            [*params, n],
        )
        phone_special = {
            "resident_id": "r.id",
            "number": "'+62812' || lpad(r.id::text, 8, '0')",
            "verified_at": "now()",
            "consent_broadcast": "true",
            "consent_at": "now()",
            "consent_channel": "'counter'",
            "created_at": "now()",
        }
        columns, values, params = [], [], []
        for field in Phone._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(connection.ops.quote_name(field.column))
            if field.column in phone_special:
                values.append(phone_special[field.column])
            elif field.null:
                values.append("NULL")
            else:
                values.append("%s")
                params.append(field.get_db_prep_value(literal_default(field), connection))
        cursor.execute(
            f"INSERT INTO {Phone._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {Resident._meta.db_table} r",
            params,
        )
        cursor.execute("ANALYZE")
    del timezone


def main() -> None:
    import os

    os.environ["HUEY_IMMEDIATE"] = "0"  # time the queueing only: the dispatcher's task waits in the queue
    reuse = "--reuse" in sys.argv  # keep the residents of an earlier run (set-up takes minutes)
    django_setup(fresh=not reuse)
    from django.db import connection

    from warga.messaging.broadcasts import broadcast_queue
    from warga.messaging.models import Broadcast, BroadcastStatus, SmsMessage
    from warga.regions.services import regions_load
    from warga.registry.models import Phone

    if reuse:
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {SmsMessage._meta.db_table}, {Broadcast._meta.db_table} RESTART IDENTITY CASCADE"
            )
    else:
        regions_load(only="32.14")
        started = time.perf_counter()
        bulk_people(N)
        print(f"set-up: {N:,} residents and phones in {time.perf_counter() - started:.1f} s")
    assert Phone.objects.count() == N, "N must match the residents of the reused database"

    times = []
    rss_before = rss_mb()
    for run in range(RUNS):
        b = Broadcast.objects.create(
            name=f"bench {run}",
            template="Yth. {nama} warga {desa}: perekaman KTP-el keliling hari Selasa di kantor desa.",
            area_id="32.14",
            status=BroadcastStatus.APPROVED,
            segments_per_message=1,
        )
        t0 = time.perf_counter()
        broadcast_queue(broadcast_id=b.pk)
        elapsed = time.perf_counter() - t0
        b.refresh_from_db()
        assert b.queued_count == N, (b.queued_count, N)
        times.append(elapsed)
        print(
            f"run {run + 1}: {b.queued_count:,} outbox rows in {elapsed:.1f} s ({b.queued_count / elapsed:,.0f}/s)"
        )
    rss_after = rss_mb()

    # Raw limit: the same number of rows, constant text, no joins, no filters.
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(
            f'INSERT INTO {SmsMessage._meta.db_table} ("to", text, purpose, priority, status, encoding, segments, '
            "attempts, gateway, gateway_message_id, error, claim_token, created_at) "
            "SELECT '+62812' || lpad(g::text, 8, '0'), 'x', 'broadcast', 90, 'queued', 'gsm7', 1, 0, '', '', '', '', "
            "now() FROM generate_series(1, %s) g",
            [N],
        )
        raw = time.perf_counter() - t0
    times_sorted = sorted(times)
    p95 = times_sorted[min(len(times_sorted) - 1, round(0.95 * (len(times_sorted) - 1)))]
    print(
        f"median {statistics.median(times):.1f} s, p95 {p95:.1f} s (goal ≤ 60 s); raw INSERT … SELECT {raw:.1f} s"
    )
    print(
        f"memory: RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after {RUNS} runs, peak {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
