"""Applications benchmark: officers at several kecamatan drive birth files through every step at
the same time, through the production processes, on a large synthetic register with many past
applications; then the work-queue pages.

    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_applications REDIS_URL=redis://127.0.0.1:6379/1 \
        BENCH_RESIDENTS=2600000 BENCH_PAST=500000 python -m bench.applications.run

The register comes from warga.registry.synthetic (Kabupaten Jombang, 21 kecamatan); past
applications are bulk-inserted. Then, as an installation runs them: gunicorn with the command
line of `manage.py serve` (WEB_CONCURRENCY × WEB_THREADS, default 2 × 4) and the Huey consumer
(`run_huey --quiet --flush-locks`; Huey on Redis when REDIS_URL is set, as in production, else
on SQLite as the embedded set-up). The SMS dispatcher is not started: the notices stay in the
outbox and are counted.

BENCH_KECAMATAN desks (4) work at once, each in its own thread with its own logged-in officers
(counter and verifier of its kecamatan office, a Disdukcapil verifier and a printing operator),
each officer a browser session with its own connection (kept open as long as the server allows:
with the default WEB_KEEPALIVE=0 it closes it after each answer and the client connects again). A desk's first file is a
warm-up and is not timed. A file: submit, the receipt PDF the counter prints, two scans, verify,
send, claim, approve (the baby joins the KK), issue, the document PDF the printer prints,
dispatch, receive, hand over. Times are from the client: request sent to last byte received.
By default an officer sends the next request as soon as the answer came (the most the desks can
push through: a saturation run); BENCH_THINK_MS gives each officer a mean pause before every
request (exponential, seeded per desk), an office's pace.

After the last request the benchmark waits until the consumer has drained the queue (nothing
queued, nothing running, every newborn's duplicate check run) and reports the drain time and the
tasks it ran by kind (read from its log). The raw limit is a bare view behind the same middleware
(`/bench/bare`) on the same server, same run. Logs: $WARGA_DATA_DIR/logs.
With BENCH_PREPARE_ONLY=1 it stops after making the data (which can be done on a busy host).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.applications.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._server import (  # noqa: E402
    Officer,
    consumer_started,
    session_cookie,
    start_consumer,
    start_web,
    wait_for_drain,
)
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
from warga.core.statistics import statistics_refresh  # noqa: E402
from warga.messaging.models import SmsMessage, SmsPurpose  # noqa: E402
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
KECAMATAN = int(os.environ.get("BENCH_KECAMATAN", "4"))
# Mean pause (ms) of an officer before each request: 0 (default) sends the next request as soon as
# the last answer came, the most the desks can push through the server (a saturation run); a
# pause gives an office's pace, drawn from an exponential distribution (a fixed seed per desk).
THINK_MS = float(os.environ.get("BENCH_THINK_MS", "0"))
DEDUPE_TASK = "warga.dedupe.tasks.dedupe_check_residents_task"


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
    # As the installation's hourly check leaves a database (warga.core.statistics): tables with
    # many new rows vacuumed (their pages all-visible), the others' statistics refreshed.
    statistics_refresh()


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


class Desk:
    """One kecamatan's officers and the birth files they will submit."""

    def __init__(self, office: Unit, officers: dict[str, Any], payloads: list[dict[str, Any]]) -> None:
        self.office = office
        self.officers = officers  # role -> user
        self.payloads = payloads
        self.clients: dict[str, Officer] = {}
        self.timings: dict[str, list[float]] = {}
        self.refused = 0
        self.rng = random.Random(office.pk)
        self.approved = 0
        self.done = 0
        self.error: BaseException | None = None

    def connect(self, port: int) -> None:
        self.clients = {
            role: Officer(port, session=session_cookie(user)) for role, user in self.officers.items()
        }

    def pause(self) -> None:
        """The officer's time between two requests (reading the answer, scanning, printing)."""
        if THINK_MS > 0:
            time.sleep(self.rng.expovariate(1000.0 / THINK_MS))

    def record(self, name: str, ms: float, timed: bool) -> None:
        self.pause()  # before the next request
        if timed:
            self.timings.setdefault(name, []).append(ms)

    def drive(self, payload: dict[str, Any], png: bytes, *, timed: bool) -> None:
        """One file through every step, with the two PDFs the offices print."""
        counter, verifier = self.clients["counter"], self.clients["verifier"]
        disduk, printer = self.clients["disduk"], self.clients["printer"]
        status, body, ms = counter.post_json("/api/v1/applications", payload)
        if status != 201:
            self.refused += 1  # a synthetic household the birth rules refuse (e.g. mother too young)
            self.pause()
            return
        self.record("submit", ms, timed)
        app_id = body["id"]
        status, data, ms = counter.get(f"/applications/{app_id}/receipt.pdf")
        assert status == 200 and data.startswith(b"%PDF"), (status, data[:200])
        self.record("receipt PDF (printed at submit)", ms, timed)
        for code in ("skl", "kk"):
            status, data, ms = counter.request(
                "POST", f"/api/v1/applications/{app_id}/documents/{code}", png, "image/png"
            )
            assert status == 201, (status, data[:300])
            self.record("attach a scan", ms, timed)
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
        for action, client in steps:
            body = (
                {"action": action, "handed_to": "Penerima"} if action == "hand_over" else {"action": action}
            )
            status, answer, ms = client.post_json(f"/api/v1/applications/{app_id}/transitions", body)
            assert status == 200, (action, status, answer)
            self.record(action, ms, timed)
            if action == "approve":
                self.approved += 1
            if action == "issue":
                status, data, ms = printer.get(f"/applications/{app_id}/document.pdf")
                assert status == 200 and data.startswith(b"%PDF"), (status, data[:200])
                self.record("document PDF (printed at issue)", ms, timed)
        if timed:
            self.done += 1

    def run(self, png: bytes, files: int) -> None:
        try:
            payloads = iter(self.payloads)
            for payload in payloads:  # warm-up: the first file that is accepted, not timed
                self.drive(payload, png, timed=False)
                if self.approved:
                    break
            for payload in payloads:
                if self.done >= files:
                    break
                self.drive(payload, png, timed=True)
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def birth_payloads(office: Unit, count: int, seed: int) -> list[dict[str, Any]]:
    """Birth files for mothers of this kecamatan whose household the birth rules may accept."""
    mothers = list(
        Resident.objects.filter(
            desa__code__startswith=office.area_id + ".",
            relationship=Relationship.WIFE,
            life_status="alive",
            birth_date__year__gte=1980,
        ).select_related("family")[: count * 6]
    )
    # Another draw on every run: a mother whose baby a previous run registered is refused.
    rng = random.Random(seed * 1_000_003 + int(time.time()))
    rng.shuffle(mothers)
    payloads = []
    for mother in mothers:
        head = Resident.objects.filter(family_id=mother.family_id, relationship=Relationship.HEAD).first()
        if head is None or head.birth_date.year >= mother.birth_date.year + 40:
            continue
        born = timezone.localdate() - timedelta(days=rng.randint(1, 50))
        payloads.append(
            {
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
        )
    return payloads


def queue_pending() -> int:
    from huey.contrib.djhuey import HUEY

    return int(HUEY.pending_count()) + int(HUEY.scheduled_count())  # the statistics' refreshes wait 10 s


def make_desks() -> tuple[list[Desk], int]:
    """KECAMATAN desks, each with its own officers, and the number of timed files per desk."""
    offices = list(
        Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area__code__startswith=KAB + ".").order_by(
            "area_id"
        )[:KECAMATAN]
    )
    dukcapil = Unit.objects.get(code="disdukcapil")
    suffix = str(int(time.time()))

    def user(name: str, role: str, unit: Unit, area: str) -> Any:
        return staff_create(
            actor=None,
            username=f"{name}-{suffix}",
            password="bench-password-123",
            full_name=name,
            roles=[role],
            unit_id=unit.pk,
            area_code=area,
        )

    per_desk = max(1, FILES // len(offices))
    desks = []
    for n, office in enumerate(offices):
        officers = {
            "counter": user(f"loket{n}", Role.KECAMATAN_COUNTER, office, office.area_id),
            "verifier": user(f"verkec{n}", Role.KECAMATAN_VERIFIER, office, office.area_id),
            "disduk": user(f"verifikator{n}", Role.DISDUKCAPIL_VERIFIER, dukcapil, KAB),
            "printer": user(f"cetak{n}", Role.PRINTING_OPERATOR, dukcapil, KAB),
        }
        desks.append(Desk(office, officers, birth_payloads(office, per_desk + 10, seed=n + 1)))
    return desks, per_desk


def run_desks(desks: list[Desk], per_desk: int) -> float:
    """Every desk at once, each in its own thread; seconds from the first request to the last."""
    png = _png()
    threads = [
        threading.Thread(target=d.run, args=(png, per_desk), name=f"desk-{n}") for n, d in enumerate(desks)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for desk in desks:
        if desk.error is not None:
            raise SystemExit(f"desk {desk.office.name}: {desk.error!r}")
    return elapsed


def pages(client: Officer, path: str) -> list[float]:
    for _ in range(20):
        client.get(path)
    samples = []
    for _ in range(PAGES):
        status, _body, ms = client.get(path)
        assert status == 200, (path, status)
        samples.append(ms)
    return samples


def main() -> None:
    prepare()
    if os.environ.get("BENCH_PREPARE_ONLY"):
        log("data ready (BENCH_PREPARE_ONLY): nothing timed")
        return
    desks, per_desk = make_desks()
    queue = f"Redis ({settings.REDIS_URL})" if settings.REDIS_URL else "SQLite (embedded set-up)"
    before = queue_pending()
    if before:
        log(f"warning: {before} tasks were already queued; the drain includes them")
    notices_before = SmsMessage.objects.filter(purpose=SmsPurpose.NOTICE).count()

    log_dir = Path(os.environ["WARGA_DATA_DIR"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    consumer = start_consumer(log_dir)
    try:
        web, port = start_web(log_dir)
    except BaseException:
        consumer.stop()  # a web server that did not start leaves no consumer behind
        raise
    workers, threads = os.environ.get("WEB_CONCURRENCY", "2"), os.environ.get("WEB_THREADS", "4")
    timings: dict[str, list[float]] = {}
    try:
        consumer_started(consumer)
        log(
            f"server: gunicorn {workers} workers × {threads} threads on port {port}; consumer: Huey on {queue}"
        )
        for desk in desks:
            desk.connect(port)
        anon = Officer(port)
        for _ in range(50):
            anon.get("/bench/bare")
        timings["raw: GET /bench/bare (bare view)"] = [anon.get("/bench/bare")[2] for _ in range(PAGES)]

        loop_s = run_desks(desks, per_desk)
        approved = sum(d.approved for d in desks)
        done = sum(d.done for d in desks)
        log(f"{done} timed files (+{len(desks)} warm-up) in {loop_s:.1f} s; waiting for the consumer")
        # ... and every approved newborn's duplicate check has run.
        drain_s, ran = wait_for_drain(consumer, until=lambda ran: ran.ran(DEDUPE_TASK) >= approved)
        notices = SmsMessage.objects.filter(purpose=SmsPurpose.NOTICE).count() - notices_before
        for desk in desks:
            for name, values in desk.timings.items():
                timings.setdefault(name, []).extend(values)

        first = desks[0].clients
        timings["queue page, kecamatan verifier"] = pages(first["verifier"], "/applications/")
        timings["queue page, Disdukcapil (all kabupaten)"] = pages(
            first["disduk"], "/applications/?status=all"
        )
        timings["queue page, Disdukcapil overdue filter"] = pages(
            first["disduk"], "/applications/?status=all&overdue=on"
        )
        timings["queue API, Disdukcapil"] = pages(first["disduk"], "/api/v1/applications?mine=false")
    finally:
        web.stop()
        consumer.stop()

    print()
    print(
        f"database: {connection.vendor}; residents: {Resident.objects.count():,}; "
        f"applications: {Application.objects.count():,}"
    )
    print(
        f"clients: {len(desks)} kecamatan desks at once, threads of this process, each officer (counter, verifier, "
        f"Disdukcapil verifier, printer) its own session and connection (server keep-alive: WEB_KEEPALIVE, default 0); server: gunicorn "
        f"{workers} × {threads} (the command line of manage.py serve) and the Huey consumer, separate processes; "
        + (
            f"each officer pauses {THINK_MS:.0f} ms on average before a request (BENCH_THINK_MS)"
            if THINK_MS > 0
            else "no pause between requests (saturation)"
        )
    )
    print(
        f"workflow: {done} timed files in {loop_s:.1f} s ({done / loop_s:.2f} files/s, {len(desks)} warm-up files "
        f"not timed, {sum(d.refused for d in desks)} submissions refused by the birth rules)"
    )
    print(f"{'operation':<45}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, values in timings.items():
        if values:
            print(f"{name:<45}{len(values):>6}{pct(values, 50):>12.1f}{pct(values, 95):>10.1f}")
    print()
    print(f"background work, Huey on {queue}; drained {drain_s:.2f} s after the last request")
    print(f"{'task run by the consumer':<60}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name in sorted(ran.started):
        values = [v * 1000 for v in ran.seconds.get(name, [])]
        med, p95 = (pct(values, 50), pct(values, 95)) if values else (float("nan"), float("nan"))
        print(f"{name:<60}{ran.started[name]:>6}{med:>12.1f}{p95:>10.1f}")
    print(
        f"newborn duplicate checks: {ran.ran(DEDUPE_TASK)} run for {approved} approvals; tasks failed: {ran.failed}"
    )
    print(
        f"SMS notices queued to the outbox: {notices} (written by the requests themselves, in their own "
        "transaction: no task; the SMS dispatcher sends them and is not started here)"
    )


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "white").save(buffer, format="PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
