"""Every SQL statement of one file's steps, with its time: where a step's milliseconds go.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_applications \
        python -m bench.applications.profile_steps [FILES] [STEP ...]

Uses the data `bench.applications.run` made (run it with BENCH_PREPARE_ONLY=1 first). In process,
through Django's test client (the same views, middleware and services as the server; no HTTP, no
gunicorn, no other desk): FILES birth files (3) go through submit, verify, send, claim, approve
and issue; for each STEP named (default: submit approve) it prints the last file's statements,
in order, and the request's total for every file; with PROFILE_STEP=approve, a Python profile
of that step. Everything is rolled back at the end.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.applications.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402
from bench._statements import Timer  # noqa: E402

outside_scope()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from bench.applications.run import _png, birth_payloads, make_desks  # noqa: E402

PROFILE = os.environ.get("PROFILE_STEP", "")


class Rollback(Exception):
    pass


class Recorder:
    """Each step's request time, SQL time and statements; the last file's statements by step."""

    def __init__(self) -> None:
        self.totals: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        self.last: dict[str, Timer] = {}
        self.profiles: list[cProfile.Profile] = []

    def step(self, name: str, timed: bool, call: Any) -> Any:
        timer = Timer()
        profiler = cProfile.Profile() if timed and name == PROFILE else None
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            if profiler is not None:
                profiler.enable()
            response = call()
            if profiler is not None:
                profiler.disable()
                self.profiles.append(profiler)
        ms = (time.perf_counter() - started) * 1000
        if timed:
            self.totals[name].append((ms, sum(t for t, _ in timer.rows), len(timer.rows)))
            self.last[name] = timer
        return response


def drive(
    clients: dict[str, Client], payload: dict[str, Any], png: bytes, rec: Recorder, timed: bool
) -> bool:
    """One file from submit to issue; False when the birth rules refuse the submission."""
    counter = clients["counter"]
    response = rec.step(
        "submit",
        timed,
        lambda: counter.post("/api/v1/applications", payload, content_type="application/json"),
    )
    if response.status_code != 201:
        return False
    app_id = response.json()["id"]
    for code in ("skl", "kk"):
        url = f"/api/v1/applications/{app_id}/documents/{code}"
        response = rec.step("attach", timed, lambda url=url: counter.post(url, png, content_type="image/png"))
        assert response.status_code == 201, response.content[:300]
    url = f"/api/v1/applications/{app_id}/transitions"
    for action, role in (
        ("verify", "verifier"),
        ("send", "counter"),
        ("claim", "disduk"),
        ("approve", "disduk"),
        ("issue", "printer"),
    ):
        client, body = clients[role], {"action": action}
        response = rec.step(
            action, timed, lambda c=client, b=body: c.post(url, b, content_type="application/json")
        )
        assert response.status_code == 200, (action, response.content[:300])
    return True


def report(rec: Recorder, files: int, shown: set[str]) -> None:
    print(f"database: {connection.vendor}; {files} files after one warm-up, in process, rolled back")
    print(f"{'step':<10}{'total ms (each file)':<34}{'SQL ms':<24}statements")
    for name, rows in rec.totals.items():
        print(
            f"{name:<10}{' '.join(f'{t:6.1f}' for t, _, _ in rows):<34}"
            f"{' '.join(f'{s:6.1f}' for _, s, _ in rows):<24}{' '.join(str(n) for _, _, n in rows)}"
        )
    if rec.profiles:
        stats = pstats.Stats(rec.profiles[0])
        for more in rec.profiles[1:]:
            stats.add(more)
        print(f"\n{PROFILE}: Python profile over {len(rec.profiles)} files, by own time")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(60)
    for name in shown:
        timer = rec.last.get(name)
        if timer is None:
            continue
        print(f"\n{name}: {len(timer.rows)} statements, {sum(t for t, _ in timer.rows):.1f} ms; in order:")
        for n, (ms, sql) in enumerate(timer.rows, 1):
            print(f"{n:>3} {ms:7.2f}  {sql[:220]}")


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    shown = set(sys.argv[2:]) or {"submit", "approve"}
    png = _png()
    rec = Recorder()
    try:
        with transaction.atomic():
            desks, _ = make_desks()
            desk = desks[0]
            clients = {}
            for role, user in desk.officers.items():
                clients[role] = Client()
                clients[role].force_login(user)
            payloads = iter(birth_payloads(desk.office, files * 3 + 10, seed=99))
            done = 0
            while done < files + 1:  # the first file warms the caches: not counted
                if drive(clients, next(payloads), png, rec, timed=done > 0):
                    done += 1
            raise Rollback
    except Rollback:
        pass
    report(rec, files, shown)


if __name__ == "__main__":
    main()
