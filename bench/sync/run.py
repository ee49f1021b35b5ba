"""Field-app sync benchmark: several phones sync their queued records at once, with photos,
through the production server; plus the size of an assignment for a desa of 5,000 residents and
the field app's first load (gzip sizes of everything the service worker caches).

    python -m bench.sync.run
    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_sync python -m bench.sync.run

The server is gunicorn as `manage.py serve` runs it (2 workers × 4 threads, WEB_CONCURRENCY and
WEB_THREADS override) on 127.0.0.1, with the Huey consumer beside it as serve starts it (Huey on
Redis with REDIS_URL, else on SQLite): what the requests queue (the statistics of the desa a batch
touched) runs there, on the same cores, and the benchmark waits for it to drain and prints it.
BENCH_DEVICES phones (4), each in its own thread with its own connection (reopened when the
server closes it: by default after each answer), sync BENCH_RECORDS records in all (1,000) in
batches of BENCH_BATCH (by default as many as the app sends, `warga.outreach.sync.PHONE_BATCH`),
as the app does: a batch's photos are uploaded first (one PUT each, starting the upload with its
only chunk), then the batch.
One record in BENCH_PHOTO_EVERY (5) is an application with a small JPEG of the KK attached; the
others are KTP-el recordings. End to end is from the first phone's first request to the last
phone's last answer.

Baselines in the same run: a bare `/healthz` round trip (the server's floor), and the same rows
the sync wrote (cards, transitions, recording events, audit rows, ledger rows, applications'
photo chunks) inserted with plain `executemany` in one transaction, then rolled back (the
database's floor for these rows).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import http.client
import io
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-sync-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sync.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402
from bench._server import consumer_started, start_consumer, start_web, wait_for_drain  # noqa: E402

outside_scope()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.applications.catalogue import ensure_default_services  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.org.models import Unit  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.outreach.models import EquipmentSet, OutreachEvent, PhotoUpload, SyncRecord, Team  # noqa: E402
from warga.outreach.services import assignment_issue, device_register  # noqa: E402
from warga.outreach.sync import PHONE_BATCH  # noqa: E402
from warga.regions.models import Region, RegionLevel  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.registry.models import Resident  # noqa: E402

KAB = "32.14"
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "5000"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000"))
BATCH = int(os.environ.get("BENCH_BATCH", str(PHONE_BATCH)))  # as many as the app sends
DEVICES = int(os.environ.get("BENCH_DEVICES", "4"))
PHOTO_EVERY = int(os.environ.get("BENCH_PHOTO_EVERY", "5"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare() -> tuple[list[object], OutreachEvent, list[int]]:
    call_command("migrate", verbosity=0)
    # A dedicated database: every run starts from the same empty register.
    call_command("flush", interactive=False, verbosity=0)
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)
    kab = Region.objects.get(code=KAB)
    if not Unit.objects.filter(code="disdukcapil").exists():
        units_create_standard(region=kab)
    desa = Region.objects.filter(code__startswith=KAB + ".", level=RegionLevel.DESA).order_by("code").first()
    assert desa is not None
    ensure_default_services()
    officers = [
        staff_create(
            actor=None,
            username=f"bench{n}x{int(time.time())}",
            password="bench-password-123",
            full_name=f"Petugas Bench {n + 1}",
            roles=[Role.OUTREACH_OFFICER],
            unit_id=Unit.objects.get(code="disdukcapil").pk,
            area_code=KAB,
        )
        for n in range(DEVICES)
    ]
    officer = officers[0]
    team = Team.objects.create(name="Tim Bench", area=kab, capacity_per_day=200)
    team.members.set(officers)
    EquipmentSet.objects.create(team=team, code="KIT-B")
    day = timezone.localdate() + timedelta(days=1)
    OutreachEvent.objects.filter(team__name="Tim Bench", date=day).delete()
    event = OutreachEvent.objects.create(
        team=team,
        date=day,
        desa=desa,
        meeting_point="Balai desa",
        services=["ktp_recording", "applications"],
        created_by=officer,
    )
    have = Resident.objects.filter(desa=desa).count()
    if have < RESIDENTS:
        log(f"creating {RESIDENTS - have:,} residents in {desa.name}")
        kec = "".join(desa.code.split(".")[:3])
        today = timezone.localdate()
        names = ["Asep", "Siti", "Ujang", "Neneng", "Dadang", "Euis", "Cecep", "Iis", "Deden", "Yanti"]
        rows = []
        for i in range(have, RESIDENTS):
            born = today.replace(year=today.year - 20 - i % 50) - timedelta(days=i % 300)
            rows.append(
                Resident(
                    nik=f"{kec}{born:%d%m%y}{i % 10000:04d}"[:16] if i < 10000 else f"{kec}{i:010d}",
                    full_name=f"{names[i % 10]} {names[(i // 10) % 10]}a {names[(i // 100) % 10]}",
                    birth_date=born,
                    sex="M" if i % 2 else "F",
                    desa=desa,
                    rw=1 + i % 12,
                    rt=1 + i % 8,
                    address=f"Dusun {names[i % 7]}",
                )
            )
        Resident.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    ids = list(Resident.objects.filter(desa=desa).order_by("pk").values_list("pk", flat=True))
    return officers, event, ids


def app_first_load() -> dict[str, int]:
    """gzip -9 sizes of the page, the service worker, Workbox and everything it precaches."""
    client = Client()
    sw = client.get("/outreach/app/sw.js").content.decode()
    entries = json.loads(re.search(r"precacheAndRoute\((\[.*?\])", sw, re.S).group(1))  # type: ignore[union-attr]
    sizes: dict[str, int] = {"sw.js": len(gzip.compress(sw.encode(), 9))}
    for url in [e["url"] for e in entries]:
        if url.startswith("/static/"):
            path = finders.find(url[len("/static/") :])
            data = open(path, "rb").read()  # noqa: SIM115
        else:
            data = client.get(url).content
        sizes[url] = len(data) if url.endswith(".png") else len(gzip.compress(data, 9))
    for module in [
        "workbox-sw.js",
        "workbox-core.prod.js",
        "workbox-precaching.prod.js",
        "workbox-routing.prod.js",
    ]:
        data = open(finders.find(f"vendor/workbox/{module}"), "rb").read()  # noqa: SIM115
        sizes[module] = len(gzip.compress(data, 9))
    return sizes


def jpeg(seed: int) -> bytes:
    """A small JPEG document photo (about 10 KB), different for every record."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (250, 250, 245))
    draw = ImageDraw.Draw(img)
    for line in range(12):
        y = 12 + line * 18
        draw.rectangle((16, y, 40 + (seed * 7 + line * 31) % 260, y + 8), fill=(40, 40, 60))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=75)
    return buf.getvalue()


class Phone:
    """One phone: its token, signing key, assignment and connection."""

    def __init__(self, port: int, token: str, key: bytes, assignment: str) -> None:
        self.port, self.key, self.assignment = port, key, assignment
        self.headers = {"Authorization": f"Bearer {token}"}
        self.connect()
        self.sync_times: list[float] = []
        self.photo_times: list[float] = []
        self.counts: dict[str, int] = {}
        self.photo_bytes = 0
        self.sent: list[list[dict[str, str]]] = []

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, object]:
        headers = {**self.headers, "Content-Type": content_type}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed an idle keep-alive connection: reconnect and resend, as the app
            # does (every request of the protocol may be sent again).
            self.conn.close()
            self.connect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def record(self, kind: str, body: dict[str, object]) -> dict[str, str]:
        rec = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "captured_at": timezone.now().isoformat(),
            "body": json.dumps(body),
        }
        msg = f"{rec['id']}\n{rec['kind']}\n{rec['captured_at']}\n{rec['body']}".encode()
        rec["mac"] = hmac.new(self.key, msg, hashlib.sha256).hexdigest()
        return rec

    def upload(self, data: bytes) -> str:
        pid = str(uuid.uuid4())
        t0 = time.perf_counter()
        # As the app sends a photo that fits in one of its chunks (32 KB): one PUT naming its size
        # and checksum.
        assert len(data) <= 32 * 1024, len(data)
        query = f"offset=0&size={len(data)}&sha256={hashlib.sha256(data).hexdigest()}"
        status, answer = self.call(
            "PUT", f"/api/v1/outreach/uploads/{pid}?{query}", data, "application/octet-stream"
        )
        assert status == 200 and answer["status"] == "complete", answer  # type: ignore[index]
        self.photo_times.append(time.perf_counter() - t0)
        self.photo_bytes += len(data)
        return pid

    def sync(self, batches: list[list[tuple[dict[str, str], bytes | None]]]) -> None:
        """Each batch: its photos first, then its records, as the app's outbox sends them."""
        for batch in batches:
            records = []
            for rec, photo in batch:
                if photo is not None:
                    body = json.loads(rec["body"])
                    body["photos"] = [{"upload": self.upload(photo), "requirement": "kk"}]
                    rec = self.record(rec["kind"], body)
                records.append(rec)
            self.sent.append(records)
            payload = {
                "assignment": self.assignment,
                "sent_at": timezone.now().isoformat(),
                "records": records,
            }
            t0 = time.perf_counter()
            status, answer = self.call(
                "POST", "/api/v1/outreach/sync", json.dumps(payload).encode(), "application/json"
            )
            self.sync_times.append(time.perf_counter() - t0)
            assert status == 200, answer
            for r in answer["results"]:  # type: ignore[index]
                self.counts[r["status"]] = self.counts.get(r["status"], 0) + 1


def run_phones(phones: list[Phone], work: list[list[list[tuple[dict[str, str], bytes | None]]]]) -> float:
    """All phones at once; the wall time from the first request to the last answer."""
    barrier = threading.Barrier(len(phones) + 1)
    errors: list[BaseException] = []

    def go(phone: Phone, batches: list[list[tuple[dict[str, str], bytes | None]]]) -> None:
        barrier.wait()
        try:
            phone.sync(batches)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(p, w)) for p, w in zip(phones, work, strict=True)]
    for t in threads:
        t.start()
    barrier.wait()
    t_all = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_all
    if errors:
        raise errors[0]
    return elapsed


def raw_baseline(device: object, event: OutreachEvent, resident_ids: list[int], photos: list[bytes]) -> float:
    """The rows one sync of len(resident_ids) records writes (card, transition, recording event,
    audit row, target, ledger row each; a chunk per photo), inserted with plain executemany in one
    transaction, then rolled back: the database's floor for the same rows."""
    from django.db import transaction

    from warga.cards.models import KtpCard

    now = timezone.now()
    n = len(resident_ids)
    user_id = device.user_id  # type: ignore[attr-defined]
    assignment_id = device.assignments.first().pk  # type: ignore[attr-defined]
    upload_id = PhotoUpload.objects.order_by("pk").values_list("pk", flat=True).first()
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO cards_ktpcard (resident_id, status, status_at, recorded_at, is_reprint, version) "
            "VALUES (%s, 'recorded', %s, %s, false, 1)",
            [(rid, now, now) for rid in resident_ids],
        )
        cards = list(KtpCard.objects.filter(resident_id__in=resident_ids).values_list("pk", flat=True))
        cur.executemany(
            "INSERT INTO cards_ktptransition (card_id, from_status, to_status, occurred_at, outreach_event_id, "
            "actor_id, source, note, created_at) VALUES (%s, 'unrecorded', 'recorded', %s, %s, %s, 'recording', "
            "'KIT-B', %s)",
            [(card, now, event.pk, user_id, now) for card in cards],
        )
        cur.executemany(
            "INSERT INTO cards_recordingevent (resident_id, recorded_at, place_kind, outreach_event_id, "
            "device_set, officer_id, client_ref, created_at) VALUES (%s, %s, 'field', %s, 'KIT-B', %s, %s, %s)",
            [(rid, now, event.pk, user_id, str(uuid.uuid4()), now) for rid in resident_ids],
        )
        cur.executemany(
            "INSERT INTO audit_auditlog (at, actor_id, ip, channel, device_id, request_id, action, object_type, "
            "object_id, summary) VALUES (%s, %s, '127.0.0.1', 'field', 'bench', '', 'cards.recording.create', "
            "'cards.recordingevent', %s, '{}')",
            [(now, user_id, str(i)) for i in range(n)],
        )
        cur.executemany(
            "INSERT INTO outreach_target (event_id, resident_id, kind, served_at, served_by_id, on_list) "
            "VALUES (%s, %s, 'ktp_recording', %s, %s, false)",
            [(event.pk, rid, now, user_id) for rid in resident_ids],
        )
        answer = json.dumps({"status": "accepted", "code": "", "message": "", "resendable": False})
        cur.executemany(
            "INSERT INTO outreach_syncrecord (device_id, client_id, officer_id, assignment_id, kind, content_hash, "
            "status, code, answer, object_type, object_id, received_at, captured_at, clock_skew_seconds, "
            "clock_flagged) VALUES (%s, %s, %s, %s, 'ktp_recording', %s, 'accepted', '', %s, "
            "'cards.recordingevent', '1', %s, %s, 0, false)",
            [
                (device.pk, str(uuid.uuid4()), user_id, assignment_id, "0" * 64, answer, now, now)  # type: ignore[attr-defined]
                for _rid in resident_ids
            ],
        )
        if upload_id is not None and photos:
            cur.executemany(
                'INSERT INTO outreach_photochunk (upload_id, "offset", data) VALUES (%s, %s, %s)',
                [(upload_id, 1_000_000 + i, data) for i, data in enumerate(photos)],
            )
        transaction.set_rollback(True)
    return time.perf_counter() - t0


def main() -> None:
    officers, event, ids = prepare()
    started = time.monotonic()
    registered = []
    for officer in officers:
        actor = Actor.for_user(officer)
        device, token = device_register(actor=actor, label="Bench phone")
        assignment, body = assignment_issue(actor=actor, device=device, event=event)
        registered.append((device, token, assignment))
    issue_s = (time.monotonic() - started) / len(officers)
    raw = gzip.decompress(body)
    nik_of = dict(Resident.objects.filter(pk__in=ids).values_list("pk", "nik"))
    log(
        f"assignment: {assignment.residents_count:,} residents, {len(raw):,} B JSON, "
        f"{len(body):,} B gzip (goal ≤ 500 KB), built in {issue_s:.2f} s"
    )
    sizes = app_first_load()
    total = sum(sizes.values())
    for name, size in sizes.items():
        log(f"  {name}: {size:,} B")
    log(f"app first load: {total:,} B compressed (goal ≤ 1 MB)")

    # The server gets its own connections: close this process's before it forks its workers.
    connection.close()
    log_dir = Path(tempfile.mkdtemp(prefix="warga-bench-sync-"))
    consumer = start_consumer(log_dir)
    try:
        server, port = start_web(log_dir)  # as `manage.py serve` runs them
    except BaseException:
        consumer.stop()  # a web server that did not start leaves no consumer behind
        raise
    try:
        consumer_started(consumer)
        phones = [Phone(port, token, device.signing_key, str(a.public_id)) for device, token, a in registered]
        probe = phones[0].conn
        raw_times = []
        for _i in range(200):
            t0 = time.perf_counter()
            probe.request("GET", "/healthz")
            probe.getresponse().read()
            raw_times.append(time.perf_counter() - t0)
        log(
            f"raw limit /healthz: median {1000 * pct(raw_times, 50):.1f} ms, "
            f"p95 {1000 * pct(raw_times, 95):.1f} ms"
        )

        per_phone = RECORDS // len(phones)
        photos: list[bytes] = []
        work = []
        for n, phone in enumerate(phones):
            mine = ids[n * per_phone : (n + 1) * per_phone]
            items: list[tuple[dict[str, str], bytes | None]] = []
            for k, rid in enumerate(mine):
                if PHOTO_EVERY and k % PHOTO_EVERY == PHOTO_EVERY - 1:
                    nik = nik_of[rid]
                    photo = jpeg(n * per_phone + k)
                    photos.append(photo)
                    body = {"service": "ktp-baru", "applicant_nik": nik, "data": {}, "photos": []}
                    items.append((phone.record("application", body), photo))
                else:
                    items.append(
                        (phone.record("ktp_recording", {"resident": rid, "equipment": "KIT-B"}), None)
                    )
            work.append([items[i : i + BATCH] for i in range(0, len(items), BATCH)])
        elapsed = run_phones(phones, work)
        lat = [t for p in phones for t in p.sync_times]
        photo_lat = [t for p in phones for t in p.photo_times]
        counts: dict[str, int] = {}
        for p in phones:
            for k, v in p.counts.items():
                counts[k] = counts.get(k, 0) + v
        done = per_phone * len(phones)
        log(
            f"end to end: {done} records from {len(phones)} phones at once, batches of {BATCH}, "
            f"{len(photos)} photos ({sum(len(d) for d in photos) // max(1, len(photos)):,} B each): "
            f"{elapsed:.2f} s (goal ≤ 5 s), {done / elapsed:.0f} records/s; sync batch median "
            f"{1000 * pct(lat, 50):.0f} ms, p95 {1000 * pct(lat, 95):.0f} ms; photo upload median "
            f"{1000 * pct(photo_lat, 50) if photo_lat else 0:.0f} ms, p95 "
            f"{1000 * pct(photo_lat, 95) if photo_lat else 0:.0f} ms; {counts}"
        )
        assert counts.get("accepted") == done, counts
        drain_s, ran = wait_for_drain(consumer, timeout=600.0)
        tasks = ", ".join(
            f"{name.rsplit('.', 1)[-1]} ×{n} (median {1000 * pct(ran.seconds.get(name, [0.0]), 50):.0f} ms)"
            for name, n in sorted(ran.started.items())
        )
        log(
            f"background work drained {drain_s:.2f} s after the last answer: {tasks or 'none'}; failed {ran.failed}"
        )

        # Replay: every phone resends what it sent (a lost answer); nothing is applied twice.
        for p in phones:
            p.sync_times, p.counts = [], {}
        resend = [[[(rec, None) for rec in batch] for batch in p.sent] for p in phones]
        for p in phones:
            p.sent = []
        elapsed_r = run_phones(phones, resend)
        lat_r = [t for p in phones for t in p.sync_times]
        counts_r: dict[str, int] = {}
        for p in phones:
            for k, v in p.counts.items():
                counts_r[k] = counts_r.get(k, 0) + v
        log(
            f"replay of the same {done}: {elapsed_r:.2f} s, {done / elapsed_r:.0f} records/s; "
            f"batch median {1000 * pct(lat_r, 50):.0f} ms, p95 {1000 * pct(lat_r, 95):.0f} ms; {counts_r}"
        )
        assert counts_r.get("already_received") == done, counts_r
    finally:
        server.stop()
        consumer.stop()

    ledger = SyncRecord.objects.count()
    assert ledger == done, ledger
    assert PhotoUpload.objects.filter(used_by__isnull=False).count() == len(photos)
    spare = ids[RECORDS : 2 * RECORDS]
    base = [raw_baseline(registered[0][0], event, spare, photos) for _ in range(3)]
    floor = sorted(base)[1]
    log(
        f"raw baseline: the same {len(spare)} recordings' rows and {len(photos)} photos inserted with "
        f"executemany in one transaction: {floor:.2f} s (median of 3); sync end to end / raw = "
        f"{elapsed / floor:.1f}×"
    )
    log(f"database: {connection.vendor}; ledger rows {ledger:,}")


if __name__ == "__main__":
    sys.exit(main())
