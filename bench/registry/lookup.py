"""Register lookups: NIK lookup and name search through the API, against the register loaded.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench python -m bench.registry.lookup --people 2638825
    python -m bench.registry.lookup --people 200000          # SQLite in WARGA_DATA_DIR

`--people N` fills the installation's kabupaten with a synthetic register (the
`generate_population` command) when fewer residents are loaded; kecamatan already filled are
left alone, so a second run reuses the register. Each series is compared with the raw limit
measured in the same run: one indexed SELECT by NIK, and one by exact name key.
Goals (issue 3): NIK lookup p95 <= 10 ms; name search p95 <= 50 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.foundation.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402

from warga.accounts.models import User  # noqa: E402
from warga.accounts.services import api_token_create, staff_create  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.regions.models import Region  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.registry.models import Resident  # noqa: E402
from warga.registry.names import name_key  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(calls: list[Callable[[], object]]) -> list[float]:
    for call in calls[:30]:  # warm-up
        call()
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def variant(name: str, rng: random.Random) -> str:
    """How the same name arrives at a counter: another spelling, a typo, spacing, an abbreviation."""
    words = name.split()
    choice = rng.randrange(6)
    if choice == 0 and words and words[0].lower().startswith(("muhammad", "muhamad", "mohamad", "moch")):
        words[0] = rng.choice(["Moch.", "M.", "Mochamad", "Muhamad"])
    elif choice == 1:
        words = [w.replace("u", "oe", 1) if "u" in w else w for w in words]
    elif choice == 2 and len(words) > 1:
        words = ["".join(words[:2]), *words[2:]]
    elif choice == 3:
        w = rng.randrange(len(words))
        if len(words[w]) > 4:
            i = rng.randrange(1, len(words[w]) - 1)
            words[w] = words[w][:i] + words[w][i + 1 :]
    elif choice == 4:
        words = [w.replace("j", "dj", 1) if "j" in w else w for w in words]
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=0, help="fill the kabupaten up to this many residents")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        regions_load()
    region = settings.WARGA_REGION_CODE
    loaded = Resident.objects.count()
    if args.people and loaded < args.people:
        start = time.perf_counter()
        call_command(
            "generate_population", region=[region], people=args.people - loaded, seed=2026, verbosity=0
        )
        print(f"generated {args.people - loaded} residents in {time.perf_counter() - start:.0f} s")
        loaded = Resident.objects.count()
    # No ANALYZE here: generate_population and imports refresh the register's statistics
    # themselves (warga.core.statistics), as an installation's would be.
    user = User.objects.filter(username="bench-registry").first() or staff_create(
        actor=None,
        username="bench-registry",
        password="x" * 12,
        full_name="Bench",
        roles=["disdukcapil_verifier"],
        unit_id=None,
        area_code=region,
    )
    _token, raw = api_token_create(actor=Actor.for_user(user), owner=user, name="bench")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    rng = random.Random(args.seed)
    bounds = Resident.objects.aggregate(lo=Min("id"), hi=Max("id"))
    ids = rng.sample(
        range(bounds["lo"], bounds["hi"] + 1), min(args.samples * 2, bounds["hi"] - bounds["lo"] + 1)
    )
    people = list(Resident.objects.filter(pk__in=ids).values_list("nik", "full_name")[: args.samples])
    client = Client()

    def api_lookup(nik: str) -> Callable[[], object]:
        def call() -> None:
            response = client.post(
                "/api/v1/residents/lookup", {"nik": nik}, content_type="application/json", **headers
            )
            assert response.status_code == 200, response.content

        return call

    def raw_lookup(nik: str) -> Callable[[], object]:
        def call() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM registry_resident WHERE nik = %s", [nik])
                cursor.fetchall()

        return call

    queries = [variant(name, rng) if i % 2 else name for i, (_nik, name) in enumerate(people)]
    found: dict[int, bool] = {}

    def api_search(index: int, q: str, expected: str) -> Callable[[], object]:
        def call() -> None:
            response = client.post(
                "/api/v1/residents/search", {"q": q}, content_type="application/json", **headers
            )
            assert response.status_code in (200, 422), response.content
            items = response.json()["items"] if response.status_code == 200 else []
            found[index] = any(i["full_name"] == expected for i in items)

        return call

    def raw_search(q: str) -> Callable[[], object]:
        key = name_key(q)

        def call() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM registry_resident WHERE name_key = %s LIMIT 50", [key])
                cursor.fetchall()

        return call

    series = [
        ("NIK lookup, raw indexed SELECT", timed([raw_lookup(n) for n, _ in people])),
        ("NIK lookup, POST /api/v1/residents/lookup", timed([api_lookup(n) for n, _ in people])),
        ("name, raw SELECT by exact name_key", timed([raw_search(q) for q in queries])),
    ]
    search = timed(
        [api_search(i, q, name) for i, (q, (_n, name)) in enumerate(zip(queries, people, strict=True))]
    )
    found_share = sum(found.values()) / max(len(found), 1)
    series.append(("name search, POST /api/v1/residents/search", search))
    print(f"date: {date.today()}  database: {connection.vendor}  residents: {loaded}  samples: {len(people)}")
    for label, samples in series:
        print(f"{label:<46} median {statistics.median(samples):7.2f} ms  p95 {pct(samples, 95):7.2f} ms")
    print(
        f"name search: the person sought is on the first page for {found_share:.1%} of queries (half are variants)"
    )


if __name__ == "__main__":
    sys.exit(main())
