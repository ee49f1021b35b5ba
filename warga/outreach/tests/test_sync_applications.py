"""Applications with photos in a sync batch are taken together: their statements do not grow with
their number, and what they store and answer is what the record-by-record path stores and
answers (refusals, retries and conflicts included)."""

from __future__ import annotations

import hashlib
import io
import uuid
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from PIL import Image

from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application, ApplicationEvent, Attachment
from warga.audit.models import AuditLog
from warga.cards.models import RecordingEvent
from warga.outreach.models import PhotoUpload, SyncRecord

from .test_records import upload
from .test_sync import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cast, event, phone, make_resident):
    ensure_default_services()

    def make(n: int):
        people = [make_resident(age=30 + i % 20) for i in range(n)]
        phone.download(event)
        return people

    return make


def _application(phone, resident, *, photo: bytes | None = None, pid: str | None = None, service="ktp-baru"):
    pid = pid or upload(phone, photo or jpeg_bytes(80 + resident.pk % 50), chunk=100_000)
    body = {
        "service": service,
        "applicant_nik": resident.nik,
        "data": {},
        "photos": [{"upload": pid, "requirement": "kk"}],
    }
    return phone.record("application", body)


def _recording(phone, resident):
    return phone.record("ktp_recording", {"resident": resident.pk, "equipment": "KIT-01"})


def _sync(phone, records):
    with CaptureQueriesContext(connection) as ctx:
        response = phone.sync(records)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["results"]


def _mixed(phone, people):
    """One record in five an application, as the field app sends a day's work."""
    return [_application(phone, r) if n % 5 == 4 else _recording(phone, r) for n, r in enumerate(people)]


def test_applications_in_a_batch_cost_the_same_statements_whatever_their_number(ready, phone):
    people = ready(40)
    small, small_results = _sync(phone, _mixed(phone, people[:10]))  # 2 applications
    large, large_results = _sync(phone, _mixed(phone, people[10:40]))  # 6 applications
    assert {r["status"] for r in small_results + large_results} == {"accepted"}
    assert abs(large - small) <= 2, (small, large)
    assert small <= 45, small
    assert Application.objects.count() == Attachment.objects.count() == ApplicationEvent.objects.count() == 8
    assert RecordingEvent.objects.count() == 32
    for answer in small_results + large_results:
        row = SyncRecord.objects.get(client_id=answer["id"])
        if row.kind == "application":
            app = Application.objects.get(pk=answer["object"]["id"])
            assert answer["object"]["label"] == app.tracking_code
            assert PhotoUpload.objects.get(used_by=row).client_id is not None
    assert PhotoUpload.objects.filter(used_by__isnull=True).count() == 0


def _stored(record_id):
    row = SyncRecord.objects.get(client_id=record_id)
    app = Application.objects.get(pk=row.object_id)
    event = ApplicationEvent.objects.get(application=app)
    scan = Attachment.objects.get(application=app)
    audits = [
        (a.action, a.object_type, a.channel, a.device_id, a.actor_id, a.summary)
        # Each action with its own object: ids of different tables can be equal.
        for a in AuditLog.objects.filter(
            Q(action="registry.resident.application", object_id=str(app.applicant_id))
            | Q(action="applications.application.submit", object_id=str(app.pk))
            | Q(action="applications.attachment.add", object_id=str(scan.pk))
        ).order_by("pk")
    ]
    for n, entry in enumerate(audits):  # ids differ between the two files
        summary = dict(entry[5])
        summary.pop("application", None)
        audits[n] = (*entry[:5], summary)
    return {
        "answer": {k: v for k, v in row.answer.items() if k not in ("id", "object")},
        "label": row.answer["object"]["label"] == app.tracking_code,
        "row": (row.status, row.code, row.kind, row.object_type, row.clock_flagged, row.officer_id),
        "photo": PhotoUpload.objects.get(used_by=row).status,
        "app": (
            app.status,
            app.channel,
            app.office_id,
            app.kecamatan_id,
            app.is_sandbox,
            app.is_exclusive,
            app.applicant_name == app.applicant.full_name,
            app.applicant_nik == app.applicant.nik,
            app.family_id,
            app.phone,
            app.data,
            app.register_snapshot,
            app.client_ref == str(row.client_id),
            app.created_by_id,
            app.signed_at == app.submitted_at,
            app.signature_witness_id,
            app.signature_place,
            app.stage_due_on,
            app.due_on,
            app.submitted_at is not None,
            app.version,
        ),
        "event": (event.action, event.from_status, event.to_status, event.actor_id, event.actor_unit_id),
        "scan": (
            scan.requirement,
            scan.content_type,
            scan.size,
            scan.pages,
            scan.uploaded_by_id,
            scan.replaced_at,
            scan.file.name.startswith("applications/"),
            scan.file.size == scan.size,
            hashlib.sha256(scan.file.open("rb").read()).hexdigest() == scan.sha256,
        ),
        "audits": audits,
    }


def test_a_batch_stores_and_answers_what_one_application_at_a_time_does(ready, phone):
    people = ready(3)
    photo = jpeg_bytes(100)  # the same scan, so that its stored size compares too
    alone = _application(phone, people[0], photo=photo)
    assert phone.sync([alone]).json()["results"][0]["status"] == "accepted"  # one by one
    together = [_application(phone, people[1], photo=photo), _application(phone, people[2], photo=photo)]
    assert [r["status"] for r in phone.sync(together).json()["results"]] == ["accepted", "accepted"]
    one, batched = _stored(alone["id"]), _stored(together[0]["id"])
    assert one == batched
    assert [a[0] for a in batched["audits"]] == [
        "registry.resident.application",
        "applications.application.submit",
        "applications.attachment.add",
    ]


def test_a_resent_batch_is_already_received_and_writes_nothing(ready, phone):
    people = ready(10)
    records = _mixed(phone, people)
    assert {r["status"] for r in phone.sync(records).json()["results"]} == {"accepted"}
    counts = (
        Application.objects.count(),
        Attachment.objects.count(),
        AuditLog.objects.count(),
        SyncRecord.objects.count(),
    )
    statements, again = _sync(phone, records)
    assert {r["status"] for r in again} == {"already_received"}
    assert statements <= 10, statements
    assert (
        Application.objects.count(),
        Attachment.objects.count(),
        AuditLog.objects.count(),
        SyncRecord.objects.count(),
    ) == counts


def _webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(buf, "WEBP")
    return buf.getvalue()


def test_a_bad_photo_in_the_middle_refuses_only_its_record(cast, ready, phone):
    """A photo that is not an image, one the scan check refuses after decoding (WebP), one still
    arriving, an applicant with an open file and the same applicant twice: each answers as it
    does alone, in the batch's order; the others are taken."""
    people = ready(8)
    first = _application(phone, people[5])
    assert phone.sync([first]).json()["results"][0]["status"] == "accepted"
    arriving = str(uuid.uuid4())
    data = jpeg_bytes(90)
    phone.post("/uploads", {"id": arriving, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    phone.put_bytes(f"/uploads/{arriving}?offset=0", data[:50])
    records = [
        _application(phone, people[0]),
        _application(phone, people[1], photo=b"GIF89a not really" * 20),
        _recording(phone, people[2]),
        _application(phone, people[3], photo=_webp()),
        _application(phone, people[4], pid=arriving),
        _application(phone, people[5]),  # has an open ktp-baru file already
        _application(phone, people[6]),
        _application(phone, people[6]),  # the same applicant again
        _recording(phone, people[7]),
    ]
    results = phone.sync(records).json()["results"]
    assert [r["id"] for r in results] == [r["id"] for r in records]
    assert [(r["status"], r["code"]) for r in results] == [
        ("accepted", ""),
        ("rejected", "photo_rejected"),
        ("accepted", ""),
        ("rejected", "applications.file_type"),
        ("retry", "photo_pending"),
        ("conflict", "applications.already_open"),
        ("accepted", ""),
        ("conflict", "applications.already_open"),
        ("accepted", ""),
    ]
    assert Application.objects.count() == 3
    assert not SyncRecord.objects.filter(client_id=records[4]["id"]).exists()  # retry: nothing stored
    assert Attachment.objects.count() == 3
    # The photo that arrives later is taken when the record is sent again.
    phone.put_bytes(f"/uploads/{arriving}?offset=50", data[50:])
    again = phone.sync(records).json()["results"]
    assert [r["status"] for r in again] == [
        "already_received",
        "rejected",
        "already_received",
        "rejected",
        "accepted",
        "conflict",
        "already_received",
        "conflict",
        "already_received",
    ]
    assert Application.objects.count() == 4


def test_a_photo_named_by_two_records_goes_to_the_first(ready, phone):
    people = ready(2)
    pid = upload(phone, jpeg_bytes(70), chunk=100_000)
    records = [_application(phone, people[0], pid=pid), _application(phone, people[1], pid=pid)]
    results = phone.sync(records).json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [("accepted", ""), ("rejected", "photo_reused")]


def test_a_resident_named_by_another_record_goes_one_by_one_in_order(ready, phone):
    """A correction of the applicant before the application: the file's snapshot holds the
    corrected version, as when both are applied one by one in the batch's order."""
    people = ready(1)
    applicant = people[0]
    correction = phone.record(
        "correction",
        {"resident": applicant.pk, "version": applicant.version, "changes": {"rt": 7}, "reason": "pindah RT"},
    )
    records = [correction, _application(phone, applicant)]
    results = phone.sync(records).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    applicant.refresh_from_db()
    app = Application.objects.get(applicant=applicant)
    assert app.register_snapshot["applicant_version"] == applicant.version


def test_a_concurrent_write_sends_the_applications_one_by_one(ready, phone):
    """A file inserted meanwhile by another transaction (the unique indexes) rolls the set-based
    part back whole, its stored scans removed; every record is then applied one by one and
    nothing is stored twice."""
    from django.core.files.storage import default_storage

    people = ready(4)
    saved: list[str] = []
    real_save = default_storage.save

    def save(name, content, *args, **kwargs):
        saved.append(real_save(name, content, *args, **kwargs))
        return saved[-1]

    records = [
        _recording(phone, people[0]),
        _recording(phone, people[1]),
        _application(phone, people[2]),
        _application(phone, people[3]),
    ]
    with (
        mock.patch.object(default_storage, "save", side_effect=save),
        mock.patch(
            "warga.applications.services.field.ApplicationEvent.objects.bulk_create",
            side_effect=IntegrityError("collision"),
        ),
    ):
        results = phone.sync(records).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 4
    assert Application.objects.count() == Attachment.objects.count() == 2
    assert RecordingEvent.objects.count() == SyncRecord.objects.count() - 2 == 2
    assert len(saved) == 4  # two scans written by the part rolled back, two one by one
    kept = {a.file.name for a in Attachment.objects.all()}
    assert [name for name in saved if name not in kept and default_storage.exists(name)] == []


def test_statistics_are_refreshed_for_rows_taken_together(ready, phone, django_capture_on_commit_callbacks):
    """The statistics' refresh that follows a new card transition or application event happens
    for the rows inserted together, as for rows created one by one."""
    from warga.facts.models import Fact

    # The download registers the refresh of this (test) transaction: everything inside.
    with django_capture_on_commit_callbacks(execute=True):
        people = ready(5)
        results = phone.sync(_mixed(phone, people)).json()["results"]
    assert {r["status"] for r in results} == {"accepted"}
    recorded = Fact.objects.filter(metric="cards.recorded")
    received = Fact.objects.filter(metric="applications.received")
    assert sum(f.value for f in recorded) >= 4
    assert sum(f.value for f in received) >= 1


def test_an_upload_started_twice_at_once_gets_the_row_the_other_request_made(phone):
    """Two starts of one upload id that both found nothing: the second INSERT fails on the unique
    id and answers with the first one's row, or 409 when the size or checksum differ."""
    from django.db.models.query import QuerySet

    from warga.core.errors import Conflict
    from warga.outreach.sync import upload_start

    data = jpeg_bytes(60)
    digest = hashlib.sha256(data).hexdigest()
    pid = str(uuid.uuid4())
    first = upload_start(device=phone.device, upload_id=pid, size=len(data), sha256=digest)
    real_first = QuerySet.first
    calls = []

    def missed_once(qs):
        calls.append(qs.model)
        return None if len(calls) == 1 else real_first(qs)

    with mock.patch.object(QuerySet, "first", autospec=True, side_effect=missed_once):
        again = upload_start(device=phone.device, upload_id=pid, size=len(data), sha256=digest)
    assert again.pk == first.pk and PhotoUpload.objects.count() == 1
    calls.clear()
    with (
        mock.patch.object(QuerySet, "first", autospec=True, side_effect=missed_once),
        pytest.raises(Conflict),
    ):
        upload_start(device=phone.device, upload_id=pid, size=len(data), sha256="0" * 64)
    # The chunk that completes it is checked from its own bytes, as when read back.
    answer = phone.put_bytes(f"/uploads/{pid}?offset=0", data).json()
    assert answer["status"] == "complete" and answer["received"] == len(data)
