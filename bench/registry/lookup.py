"""Register lookups: NIK lookup and name search through the API, against the register loaded.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench python -m bench.registry.lookup --people 2638825
    python -m bench.registry.lookup --people 200000          # SQLite in WARGA_DATA_DIR

`--people N` fills the installation's kabupaten with a synthetic register (the
`generate_population` command) when fewer residents are loaded; kecamatan already filled are
left alone, so a second run reuses the register. Each series is compared with the raw limit
measured in the same run: one indexed SELECT by NIK, and one by exact name key.
Goals: NIK lookup p95 <= 10 ms (<= 8 ms in three runs); name search p95 <= 50 ms on
PostgreSQL; with the name as spoken plus one attribute, the person sought (by NIK) on the first
page for >= 95 % of queries and first for >= 80 %.
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
from typing import Any

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


#: How a name arrives at a counter different from the register (issue: "real variants").
#: Each kind rewrites the name or does not apply to it; a query always differs from the
#: stored name. Spelling kinds mostly keep the search key; typo kinds change it.
MUHAMMAD = ("muhammad", "muhamad", "mohamad", "mohammad", "mochamad", "moch", "moh", "muh", "m")


def _first_word(words: list[str], rng: random.Random) -> list[str] | None:
    if words[0].lower().rstrip(".") in MUHAMMAD:
        forms = [f for f in ("Moch.", "M.", "Muhammad", "Mochammad", "Muh.", "Mohamad") if f != words[0]]
        return [rng.choice(forms), *words[1:]]
    return None


def _replace(old: str, new: str) -> Callable[[list[str], random.Random], list[str] | None]:
    def apply(words: list[str], rng: random.Random) -> list[str] | None:
        places = [i for i, w in enumerate(words) if old in w.lower()]
        if not places:
            return None
        i = rng.choice(places)
        w = words[i]
        at = w.lower().index(old)
        repl = new.capitalize() if at == 0 else new
        return [*words[:i], w[:at] + repl + w[at + len(old) :], *words[i + 1 :]]

    return apply


def _missing_letter(words: list[str], rng: random.Random) -> list[str] | None:
    long = [i for i, w in enumerate(words) if len(w) > 4]
    if not long:
        return None
    i = rng.choice(long)
    j = rng.randrange(1, len(words[i]) - 1)
    return [*words[:i], words[i][:j] + words[i][j + 1 :], *words[i + 1 :]]


def _swapped_letters(words: list[str], rng: random.Random) -> list[str] | None:
    long = [i for i, w in enumerate(words) if len(w) > 4]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    options = [j for j in range(1, len(w) - 2) if w[j] != w[j + 1]]
    if not options:
        return None
    j = rng.choice(options)
    return [*words[:i], w[:j] + w[j + 1] + w[j] + w[j + 2 :], *words[i + 1 :]]


def _joined(words: list[str], rng: random.Random) -> list[str] | None:
    if len(words) < 2:
        return None
    i = rng.randrange(len(words) - 1)
    return [*words[:i], words[i] + words[i + 1].lower(), *words[i + 2 :]]


def _split(words: list[str], rng: random.Random) -> list[str] | None:
    long = [i for i, w in enumerate(words) if len(w) >= 7]
    if not long:
        return None
    i = rng.choice(long)
    j = rng.randrange(3, len(words[i]) - 3)
    return [*words[:i], words[i][:j], words[i][j:].capitalize(), *words[i + 1 :]]


def _dropped_name(words: list[str], rng: random.Random) -> list[str] | None:
    if len(words) < 3:
        return None
    return [words[0], *words[2:]] if rng.random() < 0.5 else words[:-1]


VARIANTS: dict[str, Callable[[list[str], random.Random], list[str] | None]] = {
    "Moch./M./Muhammad": _first_word,
    "u -> oe": _replace("u", "oe"),
    "j -> dj": _replace("j", "dj"),
    "c -> tj": _replace("c", "tj"),
    "sy -> sj": _replace("sy", "sj"),
    "kh -> ch": _replace("kh", "ch"),
    "a letter missing": _missing_letter,
    "two letters swapped": _swapped_letters,
    "two words joined": _joined,
    "a word split": _split,
    "a second name dropped": _dropped_name,
}
#: Typo kinds (which change the key) are tried first for half of the queries.
TYPOS = ("a letter missing", "two letters swapped", "a second name dropped")


def variant(name: str, rng: random.Random, index: int) -> tuple[str, str]:
    """The name as spoken at the counter, and the kind of change; never the stored name itself."""
    words = name.split()
    kinds = list(VARIANTS)
    rng.shuffle(kinds)
    if index % 2:
        kinds.sort(key=lambda k: k not in TYPOS)
    for kind in kinds:
        changed = VARIANTS[kind](list(words), rng)
        if changed and " ".join(changed) != name:
            return " ".join(changed), kind
    return name + "h", "a letter added"


def report(label: str, selected: list[int | None]) -> None:
    n = max(len(selected), 1)
    first_page = sum(r is not None for r in selected) / n
    first = sum(r == 1 for r in selected) / n
    found = sorted(r for r in selected if r is not None)
    median_rank = statistics.median(found) if found else float("nan")
    print(f"{label:<34} first page {first_page:6.1%}  first {first:6.1%}  median rank {median_rank}")


ATTRIBUTES = ("birth date", "birth year", "desa", "parent's name")


def build_queries(
    people_rows: list[tuple[Any, ...]], rng: random.Random
) -> tuple[list[tuple[str, str, str, dict[str, object]]], dict[str, int], int]:
    """(nik, name as spoken, attribute, filters) per person; the kinds of variant; keys changed."""
    queries: list[tuple[str, str, str, dict[str, object]]] = []  # (nik, q, kind, filters)
    kinds: dict[str, int] = {}
    key_changed = 0
    for i, (nik, full_name, born, desa, father, mother) in enumerate(people_rows):
        q, kind = variant(full_name, rng, i)
        kinds[kind] = kinds.get(kind, 0) + 1
        key_changed += name_key(q) != name_key(full_name)
        attribute = ATTRIBUTES[i % len(ATTRIBUTES)]
        filters: dict[str, object] = {
            "birth date": {"birth_date": born.isoformat()},
            "birth year": {"birth_year": born.year},
            "desa": {"desa": desa},
            "parent's name": {"parent_name": rng.choice([p for p in (father, mother) if p] or [""])},
        }[attribute]
        queries.append((nik, q, attribute, filters))
    return queries, kinds, key_changed


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
    username = f"bench-registry-{region}"  # one per kabupaten: a register loaded for another is not theirs
    user = User.objects.filter(username=username).first() or staff_create(
        actor=None,
        username=username,
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

    # Name search, measured by the sought NIK: the name as spoken (a real variant, see
    # VARIANTS) plus one thing the officer usually knows, and the same variant alone.
    people_rows = list(
        Resident.objects.filter(nik__in=[n for n, _ in people]).values_list(
            "nik", "full_name", "birth_date", "desa_id", "father_name", "mother_name"
        )
    )
    rng.shuffle(people_rows)
    queries, kinds, key_changed = build_queries(people_rows, rng)
    ranks: dict[tuple[int, bool], int | None] = {}

    def api_search(index: int, with_attribute: bool) -> Callable[[], object]:
        nik, q, _attribute, filters = queries[index]
        body = {"q": q, **(filters if with_attribute else {})}

        def call() -> None:
            response = client.post(
                "/api/v1/residents/search", body, content_type="application/json", **headers
            )
            assert response.status_code in (200, 422), response.content
            items = response.json()["items"] if response.status_code == 200 else []
            niks = [item["nik"] for item in items]
            ranks[(index, with_attribute)] = niks.index(nik) + 1 if nik in niks else None

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
        ("name, raw SELECT by exact name_key", timed([raw_search(q) for _n, q, _a, _f in queries])),
        ("name + one attribute, POST .../search", timed([api_search(i, True) for i in range(len(queries))])),
        (
            "name alone, POST /api/v1/residents/search",
            timed([api_search(i, False) for i in range(len(queries))]),
        ),
    ]
    print(f"date: {date.today()}  database: {connection.vendor}  residents: {loaded}  samples: {len(people)}")
    for label, samples in series:
        print(f"{label:<46} median {statistics.median(samples):7.2f} ms  p95 {pct(samples, 95):7.2f} ms")
    print(
        f"variant queries: {len(queries)}, all differ from the stored name; "
        f"{key_changed} ({key_changed / max(len(queries), 1):.0%}) reduce to a different search key"
    )
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<24} {count}")

    print("the person sought (by NIK) in the results:")
    report("name + one attribute", [ranks[(i, True)] for i in range(len(queries))])
    for attribute in ATTRIBUTES:
        report(
            f"  name + {attribute}",
            [ranks[(i, True)] for i, query in enumerate(queries) if query[2] == attribute],
        )
    report("name alone", [ranks[(i, False)] for i in range(len(queries))])


if __name__ == "__main__":
    sys.exit(main())
