"""Field-app sync benchmark: 1,000 queued records synced end to end over loopback HTTP, server
throughput of sync batches (new and replayed), the size of an assignment for a desa of 5,000
residents, and the field app's first load (gzip sizes of everything the service worker caches).

    python -m bench.sync.run
    DATABASE_URL=postgres://postgres@127.0.0.1/warga_bench_sync python -m bench.sync.run

A real HTTP server (Django's threaded WSGI server) runs on 127.0.0.1 in this process; the client
speaks the phone's protocol (client UUIDs, HMAC per record, batches of 10 as the app sends them).
The raw limit is a bare `/healthz` round trip on the same connection in the same run.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import http.client
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

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-sync-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sync.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()
from bench._scope import outside_scope  # noqa: E402

outside_scope()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from warga.accounts.services import staff_create  # noqa: E402
from warga.core.permissions import Role  # noqa: E402
from warga.core.scoping import Actor  # noqa: E402
from warga.org.models import Unit  # noqa: E402
from warga.org.services import units_create_standard  # noqa: E402
from warga.outreach.models import EquipmentSet, OutreachEvent, SyncRecord, Team  # noqa: E402
from warga.outreach.services import assignment_issue, device_register  # noqa: E402
from warga.regions.models import Region, RegionLevel  # noqa: E402
from warga.regions.services import regions_load  # noqa: E402
from warga.registry.models import Resident  # noqa: E402

KAB = "32.14"
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "5000"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000"))
BATCH = int(os.environ.get("BENCH_BATCH", "10"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class QuietHandler(WSGIRequestHandler):
    def setup(self) -> None:
        super().setup()
        # As gunicorn does: without TCP_NODELAY a keep-alive response written in two parts waits
        # for the client's delayed ACK (~40 ms on Linux), which would dominate every round trip.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:
        pass


def prepare() -> tuple[object, OutreachEvent, list[int]]:
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
    officer = staff_create(
        actor=None,
        username=f"bench{int(time.time())}",
        password="bench-password-123",
        full_name="Petugas Bench",
        roles=[Role.OUTREACH_OFFICER],
        unit_id=Unit.objects.get(code="disdukcapil").pk,
        area_code=KAB,
    )
    team = Team.objects.create(name="Tim Bench", area=kab, capacity_per_day=200)
    team.members.set([officer])
    EquipmentSet.objects.create(team=team, code="KIT-B")
    day = timezone.localdate() + timedelta(days=1)
    OutreachEvent.objects.filter(team__name="Tim Bench", date=day).delete()
    event = OutreachEvent.objects.create(
        team=team,
        date=day,
        desa=desa,
        meeting_point="Balai desa",
        services=["ktp_recording"],
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
    return officer, event, ids


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


def main() -> None:
    officer, event, ids = prepare()
    actor = Actor.for_user(officer)
    device, token = device_register(actor=actor, label="Bench phone")
    started = time.monotonic()
    assignment, body = assignment_issue(actor=actor, device=device, event=event)
    issue_s = time.monotonic() - started
    raw = gzip.decompress(body)
    log(
        f"assignment: {assignment.residents_count:,} residents, {len(raw):,} B JSON, "
        f"{len(body):,} B gzip (goal ≤ 500 KB), built in {issue_s:.2f} s"
    )
    sizes = app_first_load()
    total = sum(sizes.values())
    for name, size in sizes.items():
        log(f"  {name}: {size:,} B")
    log(f"app first load: {total:,} B compressed (goal ≤ 1 MB)")

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    raw_times = []
    for _i in range(200):
        t0 = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        raw_times.append(time.perf_counter() - t0)
    log(
        f"raw limit /healthz: median {1000 * pct(raw_times, 50):.1f} ms, p95 {1000 * pct(raw_times, 95):.1f} ms"
    )

    key = device.signing_key

    def records(resident_ids: list[int]) -> list[dict[str, str]]:
        out = []
        for rid in resident_ids:
            rec = {
                "id": str(uuid.uuid4()),
                "kind": "ktp_recording",
                "captured_at": timezone.now().isoformat(),
                "body": json.dumps({"resident": rid, "equipment": "KIT-B"}),
            }
            msg = f"{rec['id']}\n{rec['kind']}\n{rec['captured_at']}\n{rec['body']}".encode()
            rec["mac"] = hmac.new(key, msg, hashlib.sha256).hexdigest()
            out.append(rec)
        return out

    def run(batch: list[dict[str, str]], size: int) -> tuple[float, list[float], dict[str, int]]:
        lat = []
        counts: dict[str, int] = {}
        t_all = time.perf_counter()
        for i in range(0, len(batch), size):
            payload = json.dumps(
                {
                    "assignment": str(assignment.public_id),
                    "sent_at": timezone.now().isoformat(),
                    "records": batch[i : i + size],
                }
            )
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/outreach/sync", body=payload, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            lat.append(time.perf_counter() - t0)
            assert response.status == 200, answer
            for r in answer["results"]:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
        return time.perf_counter() - t_all, lat, counts

    first = records(ids[:RECORDS])
    elapsed, lat, counts = run(first, BATCH)
    log(
        f"end to end: {RECORDS} records in batches of {BATCH}: {elapsed:.2f} s (goal ≤ 10 s), "
        f"{RECORDS / elapsed:.0f} records/s; batch median {1000 * pct(lat, 50):.0f} ms, "
        f"p95 {1000 * pct(lat, 95):.0f} ms; {counts}"
    )
    elapsed_r, lat_r, counts_r = run(first, BATCH)
    log(
        f"replay of the same {RECORDS}: {elapsed_r:.2f} s, {RECORDS / elapsed_r:.0f} records/s; "
        f"batch median {1000 * pct(lat_r, 50):.0f} ms, p95 {1000 * pct(lat_r, 95):.0f} ms; {counts_r}"
    )
    second = records(ids[RECORDS : 2 * RECORDS])
    elapsed_b, lat_b, counts_b = run(second, 100)
    log(
        f"throughput, batches of 100: {len(second)} records in {elapsed_b:.2f} s, "
        f"{len(second) / elapsed_b:.0f} records/s; batch median {1000 * pct(lat_b, 50):.0f} ms, "
        f"p95 {1000 * pct(lat_b, 95):.0f} ms; {counts_b}"
    )
    assert SyncRecord.objects.filter(device=device).count() == len(first) + len(second)
    log(f"database: {connection.vendor}; ledger rows {SyncRecord.objects.filter(device=device).count():,}")
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
