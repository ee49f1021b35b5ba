"""Applications benchmark: submit and every transition through the API, and the work-queue
page, on a large synthetic register with many past applications (server time, in process).

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_applications \
        BENCH_RESIDENTS=2600000 BENCH_PAST=500000 python -m bench.applications.run

The register comes from warga.registry.synthetic (Kabupaten Jombang, 21 kecamatan); past
applications are bulk-inserted. The raw limit is a bare view behind the same middleware, same run.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.applications.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.applications.catalogue import ensure_default_services  # noqa: E402
from warga.applications.models import (  # noqa: E402
    ACTIVE_STATUSES,
    Application,
    ApplicationEvent,
    Service,
    Status,
)
from warga.applications.services import tracking_code_new  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.org.models import Unit, UnitKind  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.regions.models import Region  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.registry.models import Relationship, Resident  # noqa: E402
from warga.registry.synthetic import populate  # noqa: E402

KAB = "35.17"
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "2600000"))
PAST = int(os.environ.get("BENCH_PAST", "500000"))
FILES = int(os.environ.get("BENCH_FILES", "200"))
PAGES = int(os.environ.get("BENCH_PAGES", "300"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare() -> None:
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    units_create_standard(region=Region.objects.get(code=KAB))
    ensure_default_services()
    have = Resident.objects.count()
    if have < RESIDENTS * 0.9:
        log(f"generating {RESIDENTS:,} residents")
        started = time.monotonic()
        populate(area_codes=[KAB], people=RESIDENTS, seed=2026)
        log(f"register ready in {time.monotonic() - started:.0f} s")
    past = Application.objects.count()
    if past < PAST:
        log(f"inserting {PAST - past:,} past applications")
        insert_past(PAST - past)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def insert_past(count: int) -> None:
    rng = random.Random(7)
    services = list(Service.objects.all())
    offices = list(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE))
    now = timezone.now()
    today = timezone.localdate()
    finished = [Status.CLOSED] * 7 + [Status.HANDED_OVER] * 2 + [Status.REJECTED]
    batch_size = 10_000
    done = 0
    while done < count:
        rows = []
        for _ in range(min(batch_size, count - done)):
            office = rng.choice(offices)
            submitted = now - timedelta(days=rng.randint(1, 730), minutes=rng.randint(0, 600))
            status = rng.choice(ACTIVE_STATUSES) if rng.random() < 0.04 else rng.choice(finished)
            active = status in ACTIVE_STATUSES
            rows.append(
                Application(
                    tracking_code=tracking_code_new(),
                    service=rng.choice(services),
                    channel="counter",
                    office=office,
                    kecamatan_id=office.area_id,
                    status=status,
                    applicant_nik=f"35{rng.randint(10**13, 10**14 - 1)}",
                    applicant_name="Penduduk Sintetis",
                    data={},
                    submitted_at=submitted,
                    sent_at=submitted + timedelta(days=1),
                    issued_at=None if active else submitted + timedelta(days=3),
                    ready_at=None if active else submitted + timedelta(days=4),
                    handed_over_at=None if active else submitted + timedelta(days=5),
                    stage_due_on=(today + timedelta(days=rng.randint(-5, 5))) if active else None,
                    due_on=submitted.date() + timedelta(days=7),
                )
            )
        created = Application.objects.bulk_create(rows, batch_size=batch_size)
        events = []
        for app in created:
            assert app.submitted_at is not None
            events.append(
                ApplicationEvent(application=app, action="submit", to_status="submitted", at=app.submitted_at)
            )
            events.append(
                ApplicationEvent(
                    application=app,
                    action="close",
                    from_status="handed_over",
                    to_status=app.status,
                    at=app.submitted_at + timedelta(days=5),
                )
            )
        ApplicationEvent.objects.bulk_create(events, batch_size=batch_size)
        done += len(rows)
        if done % 100_000 == 0 or done == count:
            log(f"  {done:,} past applications")


def main() -> None:
    prepare()
    kec_office = (
        Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area__code__startswith=KAB + ".")
        .order_by("area_id")
        .first()
    )
    assert kec_office is not None
    dukcapil = Unit.objects.get(code="disdukcapil")
    suffix = str(int(time.time()))

    def user(name: str, role: str, unit: Unit, area: str):
        return staff_create(
            actor=None,
            username=f"{name}-{suffix}",
            password="bench-password-123",
            full_name=name,
            roles=[role],
            unit_id=unit.pk,
            area_code=area,
        )

    counter = Client()
    counter.force_login(user("loket", Role.KECAMATAN_COUNTER, kec_office, kec_office.area_id))
    verifier = Client()
    verifier.force_login(user("verkec", Role.KECAMATAN_VERIFIER, kec_office, kec_office.area_id))
    disduk = Client()
    disduk.force_login(user("verifikator", Role.DISDUKCAPIL_VERIFIER, dukcapil, KAB))
    printer = Client()
    printer.force_login(user("cetak", Role.PRINTING_OPERATOR, dukcapil, KAB))

    mothers = list(
        Resident.objects.filter(
            desa__code__startswith=kec_office.area_id + ".",
            relationship=Relationship.WIFE,
            life_status="alive",
            birth_date__year__gte=1980,
        ).select_related("family")[: FILES * 2]
    )
    rng = random.Random(1)
    rng.shuffle(mothers)
    png = _png()
    steps = [
        ("verify", verifier),
        ("send", counter),
        ("claim", disduk),
        ("approve", disduk),
        ("issue", printer),
        ("dispatch", printer),
        ("receive", counter),
        ("hand_over", counter),
    ]
    timings: dict[str, list[float]] = {name: [] for name in ["submit", "attach", *[s for s, _ in steps]]}
    made = 0
    for mother in mothers:
        if made >= FILES:
            break
        head = Resident.objects.filter(family_id=mother.family_id, relationship=Relationship.HEAD).first()
        if head is None or head.birth_date >= mother.birth_date.replace(year=mother.birth_date.year + 40):
            continue
        born = timezone.localdate() - timedelta(days=rng.randint(1, 50))
        payload = {
            "service_code": "akta-lahir",
            "applicant_nik": head.nik,
            "data": {
                "applicant_kk": mother.family.kk_number,
                "child_name": rng.choice(["Aisyah Putri", "Nabila Zahra", "Keisha Ayu", "Salsabila"])
                + " "
                + rng.choice(["Rahma", "Lestari", "Maharani"]),
                "child_sex": "F",
                "birth_date": born.isoformat(),
                "birth_place": "Jombang",
                "mother_nik": mother.nik,
            },
            "phone": "081234567890",
        }
        start = time.perf_counter()
        response = counter.post("/api/v1/applications", payload, content_type="application/json")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 201:
            continue  # a synthetic household the birth rules refuse (e.g. mother too young)
        timings["submit"].append(elapsed)
        app_id = response.json()["id"]
        for code in ("skl", "kk"):
            start = time.perf_counter()
            r = counter.post(f"/api/v1/applications/{app_id}/documents/{code}", png, content_type="image/png")
            timings["attach"].append((time.perf_counter() - start) * 1000)
            assert r.status_code == 201, r.content
        for action, client in steps:
            body = (
                {"action": action, "handed_to": "Penerima"} if action == "hand_over" else {"action": action}
            )
            start = time.perf_counter()
            r = client.post(
                f"/api/v1/applications/{app_id}/transitions", body, content_type="application/json"
            )
            timings[action].append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (action, r.content)
        made += 1
    log(f"{made} files driven through the workflow")

    def pages(client: Client, path: str) -> list[float]:
        for _ in range(20):
            client.get(path)
        samples = []
        for _ in range(PAGES):
            start = time.perf_counter()
            r = client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.status_code
        return samples

    anon = Client()
    timings["raw: GET /bench/bare (bare view)"] = pages(anon, "/bench/bare")
    timings["queue page, kecamatan verifier"] = pages(verifier, "/applications/")
    timings["queue page, Disdukcapil (all kabupaten)"] = pages(disduk, "/applications/?status=all")
    timings["queue page, Disdukcapil overdue filter"] = pages(disduk, "/applications/?status=all&overdue=on")
    timings["queue API, Disdukcapil"] = pages(disduk, "/api/v1/applications?mine=false")

    print()
    print(
        f"database: {connection.vendor}; residents: {Resident.objects.count():,}; applications: {Application.objects.count():,}"
    )
    print(f"{'operation':<45}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        if values:
            print(f"{name:<45}{len(values):>6}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "white").save(buffer, format="PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
