"""Foundation benchmark: full region load, and a bare authenticated API call versus a bare
Django view (the raw limit of the stack), in one run on one database.

    python -m bench.foundation.run                      # SQLite in a temporary data dir
    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench python -m bench.foundation.run
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.foundation.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from warga.accounts.models import User  # noqa: E402
from warga.accounts.services import api_token_create, staff_create  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.regions.models import Region  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402

N = int(os.environ.get("BENCH_REQUESTS", "2000"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed_requests(client: Client, path: str, headers: dict[str, str]) -> list[float]:
    for _ in range(50):  # warm-up
        client.get(path, **headers)
    samples = []
    for _ in range(N):
        start = time.perf_counter()
        response = client.get(path, **headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    return samples


def main() -> None:
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    Region.objects.all().delete() if not Region.objects.exists() else None
    loads = []
    for _ in range(2):
        start = time.perf_counter()
        result = regions_load()
        loads.append(time.perf_counter() - start)
    user = User.objects.filter(username="bench").first() or staff_create(
        actor=None,
        username="bench",
        password="x" * 12,
        full_name="Bench",
        roles=["disdukcapil_verifier"],
        unit_id=None,
        area_code="32.14",
    )
    _token, raw = api_token_create(actor=Actor.for_user(user), owner=user, name="bench")
    client = Client()
    bare = timed_requests(client, "/bench/bare", {})
    api = timed_requests(client, "/api/v1/account/me", {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    region = timed_requests(client, "/api/v1/regions/32.14.01", {})
    print(f"date: {date.today()}  database: {vendor}  regions: {result.total}  requests per series: {N}")
    print(
        f"region full load: first {loads[0]:.1f} s (empty table), second {loads[1]:.1f} s (upsert of all rows)"
    )
    rows = [
        ("bare Django view", bare),
        ("GET /api/v1/account/me (bearer)", api),
        ("GET /api/v1/regions/{code}", region),
    ]
    for name, samples in rows:
        print(f"{name:<36} median {statistics.median(samples):6.2f} ms  p95 {pct(samples, 95):6.2f} ms")
    print(
        f"ratio authenticated API / bare view: median {statistics.median(api) / statistics.median(bare):.1f}x, "
        f"p95 {pct(api, 95) / pct(bare, 95):.1f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
