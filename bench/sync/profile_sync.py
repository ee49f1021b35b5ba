"""Where a sync batch's milliseconds go: its statements, their time and a Python profile.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_sync \
        python -m bench.sync.profile_sync [BATCHES]

Makes the data `bench.sync.run` makes (flushing the database it is given), then one phone sends
BATCHES batches (20) of BENCH_BATCH records in process, through Django's test client (the same
views, middleware and services as the server; no HTTP, no gunicorn, no other phone), each
batch's photos first, as the app sends them. The first batch warms the caches and is not
counted. Prints each batch's request time, SQL time and statements, the last batch's statements
in order, and a Python profile of the batches (by own time, then cumulative; set PROFILE_SYNC=0
to leave it out). Tasks run in the consumer's place are not part of it: none is started.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-sync-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sync.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402
from bench._statements import Timer  # noqa: E402

outside_scope()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.sync.run import BATCH, PHOTO_EVERY, Phone, jpeg, prepare  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.outreach.services import assignment_issue, device_register  # noqa: E402
from warga.registry.models import Resident  # noqa: E402

PROFILE = os.environ.get("PROFILE_SYNC", "1") != "0"


class InProcessPhone(Phone):
    """The benchmark's phone, its requests sent through the test client."""

    def __init__(self, token: str, key: bytes, assignment: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        super().__init__(0, token, key, assignment)  # no port: nothing is connected

    def connect(self) -> None:  # no connection to open
        pass

    def call(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, object]:
        send = self.client.put if method == "PUT" else self.client.post
        response = send(path, body, content_type=content_type)
        return response.status_code, json.loads(response.content) if response.content else None


def main() -> None:
    batches = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    officers, event, ids = prepare()
    officer = officers[0]
    actor = Actor.for_user(officer)
    device, token = device_register(actor=actor, label="Profile phone")
    assignment, _ = assignment_issue(actor=actor, device=device, event=event)
    phone = InProcessPhone(token, device.signing_key, str(assignment.public_id))
    nik_of = dict(Resident.objects.filter(pk__in=ids).values_list("pk", "nik"))
    items: list[tuple[dict[str, str], bytes | None]] = []
    for k, rid in enumerate(ids[: (batches + 1) * BATCH]):
        if PHOTO_EVERY and k % PHOTO_EVERY == PHOTO_EVERY - 1:
            body = {"service": "ktp-baru", "applicant_nik": nik_of[rid], "data": {}, "photos": []}
            items.append((phone.record("application", body), jpeg(k)))
        else:
            items.append((phone.record("ktp_recording", {"resident": rid, "equipment": "KIT-B"}), None))
    work = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    profiler = cProfile.Profile()
    rows: list[tuple[float, float, int]] = []
    last = Timer()
    for n, batch in enumerate(work):
        timer = Timer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            if PROFILE and n:
                profiler.enable()
            phone.sync([batch])
            if PROFILE and n:
                profiler.disable()
        if n:  # the first batch warms the caches
            rows.append(
                ((time.perf_counter() - started) * 1000, sum(t for t, _ in timer.rows), len(timer.rows))
            )
            last = timer
    assert phone.counts.get("accepted") == len(items), phone.counts
    print(f"database: {connection.vendor}; {len(rows)} batches of {BATCH} after one warm-up, photos included")
    totals = sorted(t for t, _, _ in rows)
    sqls = sorted(s for _, s, _ in rows)
    print(
        f"batch (photos + sync) ms: median {totals[len(totals) // 2]:.1f}, max {totals[-1]:.1f}; "
        f"SQL ms median {sqls[len(sqls) // 2]:.1f}; statements {sorted({c for _, _, c in rows})}"
    )
    print(f"\nlast batch: {len(last.rows)} statements, {sum(t for t, _ in last.rows):.1f} ms; in order:")
    for n, (ms, sql) in enumerate(last.rows, 1):
        print(f"{n:>3} {ms:7.2f}  {sql[:200]}")
    if PROFILE:
        stats = pstats.Stats(profiler)
        print(f"\nPython profile over {len(rows)} batches, by own time")
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(70)


if __name__ == "__main__":
    main()
