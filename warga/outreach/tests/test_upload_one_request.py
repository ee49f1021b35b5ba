"""A photo that fits in one chunk goes in one request: `PUT /uploads/{id}?offset=0&size=&sha256=`
starts the upload with its only chunk, in one transaction, and answers what the two-step path
(`POST /uploads`, then the chunk) answers."""

from __future__ import annotations

import hashlib
import threading
import uuid
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application, Attachment
from warga.core.tests.bombs import png_bomb
from warga.outreach import sync
from warga.outreach.models import Device, PhotoChunk, PhotoUpload, SyncRecord, UploadStatus

from .test_sync import jpeg_bytes

pytestmark = pytest.mark.django_db


def put_one(phone, data: bytes, *, pid: str = "", size: int | None = None, sha256: str = "", offset: int = 0):
    """The app's one request for a photo; returns the upload id and the response."""
    pid = pid or str(uuid.uuid4())
    size = len(data) if size is None else size
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    return pid, phone.put_bytes(f"/uploads/{pid}?offset={offset}&size={size}&sha256={sha256}", data)


def two_step(phone, data: bytes, *, sha256: str = ""):
    pid = str(uuid.uuid4())
    meta = {"id": pid, "size": len(data), "sha256": sha256 or hashlib.sha256(data).hexdigest()}
    assert phone.post("/uploads", meta).status_code == 200
    return pid, phone.put_bytes(f"/uploads/{pid}?offset=0", data)


def test_a_photo_in_one_request_completes_and_serves_a_record(cast, event, phone, make_resident):
    ensure_default_services()
    applicant = make_resident(age=35)
    phone.download(event)
    data = jpeg_bytes(120)
    pid, response = put_one(phone, data)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": pid,
        "size": len(data),
        "received": len(data),
        "status": "complete",
        "reason": "",
    }
    upload = PhotoUpload.objects.get()
    assert (upload.status, upload.content_type, upload.received) == ("complete", "image/jpeg", len(data))
    assert upload.completed_at is not None and upload.device == phone.device
    assert bytes(PhotoChunk.objects.get(upload=upload).data) == data
    assert phone.get(f"/uploads/{pid}").json()["status"] == "complete"
    body = {
        "service": "ktp-baru",
        "applicant_nik": applicant.nik,
        "data": {},
        "photos": [{"upload": pid, "requirement": "kk"}],
    }
    answer = phone.sync([phone.record("application", body)]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    app = Application.objects.get(applicant=applicant)
    assert Attachment.objects.filter(application=app, requirement="kk").count() == 1
    assert PhotoUpload.objects.get(client_id=pid).used_by == SyncRecord.objects.get()


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    """The statements of a request, without the savepoints the test's transaction turns the
    request's own transaction into (BEGIN and COMMIT in production, not logged there)."""
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_one_request_costs_fewer_statements_than_two(phone):
    """The upload and its chunk are inserted as they end up: the device's authentication (one
    read: the device, its officer and the officer's roles), one read of the upload and two
    INSERTs, no UPDATE; the two requests cost seven."""
    phone.get("/device")  # the device's last contact is recorded: not part of what is counted
    with CaptureQueriesContext(connection) as one:
        _pid, response = put_one(phone, jpeg_bytes(100))
    assert response.json()["status"] == "complete"
    with CaptureQueriesContext(connection) as two:
        _pid, response = two_step(phone, jpeg_bytes(100, "blue"))
    assert response.json()["status"] == "complete"
    upload_statements = [sql.split()[0] for sql in _statements(one) if "outreach_photo" in sql]
    assert upload_statements == ["SELECT", "INSERT", "INSERT"], _statements(one)
    assert len(_statements(one)) == 4, _statements(one)
    assert len(_statements(two)) == 7, _statements(two)


def test_the_same_request_sent_again_stores_nothing_twice(phone):
    data = jpeg_bytes()
    pid, first = put_one(phone, data)
    _pid, again = put_one(phone, data, pid=pid)
    assert again.status_code == 200 and again.json() == first.json()
    assert PhotoUpload.objects.count() == PhotoChunk.objects.count() == 1
    # A plain chunk resent (an older app resuming) is answered the same way.
    assert phone.put_bytes(f"/uploads/{pid}?offset=0", data).json() == first.json()
    assert PhotoChunk.objects.count() == 1


def test_the_same_id_with_another_photo_is_a_conflict(phone):
    data = jpeg_bytes()
    pid, first = put_one(phone, data)
    assert first.json()["status"] == "complete"
    _pid, other_sha = put_one(phone, data, pid=pid, sha256="1" * 64)
    _pid, other_size = put_one(phone, data[:-1], pid=pid)
    for response in (other_sha, other_size):
        assert response.status_code == 409 and response.json()["code"] == "id_reused"
    # An upload opened by the two-step path is held to what was announced there too.
    opened = str(uuid.uuid4())
    phone.post("/uploads", {"id": opened, "size": len(data), "sha256": "2" * 64})
    _pid, response = put_one(phone, data, pid=opened)
    assert response.status_code == 409 and response.json()["code"] == "id_reused"
    assert PhotoUpload.objects.count() == 2 and PhotoChunk.objects.count() == 1


def test_an_upload_opened_by_the_two_step_path_takes_the_one_request(phone):
    data = jpeg_bytes()
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    _pid, response = put_one(phone, data, pid=pid)
    assert response.status_code == 200 and response.json()["status"] == "complete"
    assert PhotoUpload.objects.count() == PhotoChunk.objects.count() == 1


def test_a_first_chunk_starts_a_larger_photo_that_goes_on_in_chunks(phone):
    data = jpeg_bytes(200)
    half = len(data) // 2
    pid, first = put_one(phone, data[:half], size=len(data), sha256=hashlib.sha256(data).hexdigest())
    assert first.status_code == 200 and first.json()["received"] == half
    assert first.json()["status"] == "receiving"
    done = phone.put_bytes(f"/uploads/{pid}?offset={half}", data[half:]).json()
    assert done["status"] == "complete" and done["received"] == len(data)


def test_a_gap_on_an_unknown_upload_leaves_nothing(phone):
    data = jpeg_bytes()
    _pid, response = put_one(
        phone, data[10:], size=len(data), sha256=hashlib.sha256(data).hexdigest(), offset=10
    )
    assert response.status_code == 409
    assert response.json()["code"] == "offset_mismatch" and response.json()["details"] == {"received": 0}
    assert not PhotoUpload.objects.exists()


@pytest.mark.parametrize(
    ("size", "sha256", "code"),
    [
        (10**9, "", "too_large"),  # over the photo size limit
        (None, "xyz" + "0" * 61, "invalid_input"),  # not hex
        (None, "0" * 63, "invalid_input"),  # too short
        (None, "0" * 65, None),  # longer than a checksum: refused by the parameter's own check
    ],
)
def test_bad_announcements_are_refused_as_the_two_step_path_refuses_them(phone, size, sha256, code):
    data = jpeg_bytes()
    _pid, response = put_one(phone, data, size=size, sha256=sha256)
    assert response.status_code == 422, response.content
    if code:
        assert response.json()["code"] == code
        started = phone.post(
            "/uploads",
            {"id": str(uuid.uuid4()), "size": size or len(data), "sha256": sha256 or "0" * 64},
        )
        assert started.json() == response.json()
    assert not PhotoUpload.objects.exists() and not PhotoChunk.objects.exists()


def test_size_without_checksum_is_refused(phone):
    data = jpeg_bytes()
    pid = str(uuid.uuid4())
    response = phone.put_bytes(f"/uploads/{pid}?offset=0&size={len(data)}", data)
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert response.json()["message"] == "Kirim ukuran dan checksum foto bersama-sama, atau tidak keduanya."
    only_sha = phone.put_bytes(f"/uploads/{pid}?offset=0&sha256={hashlib.sha256(data).hexdigest()}", data)
    assert only_sha.status_code == 422
    assert not PhotoUpload.objects.exists()


def test_a_damaged_photo_is_rejected_as_in_two_steps(phone):
    data = jpeg_bytes()
    _pid, one = put_one(phone, data, sha256="0" * 64)
    _pid, two = two_step(phone, data, sha256="0" * 64)
    assert one.status_code == two.status_code == 200
    assert one.json()["status"] == "rejected" and one.json()["reason"]
    assert {k: v for k, v in one.json().items() if k != "id"} == {
        k: v for k, v in two.json().items() if k != "id"
    }
    not_a_photo = b"%PDF-1.4 this is not a photo at all" * 10
    _pid, one = put_one(phone, not_a_photo)
    _pid, two = two_step(phone, not_a_photo)
    assert one.json()["status"] == "rejected" and "JPEG" in one.json()["reason"]
    assert one.json()["reason"] == two.json()["reason"]


def test_a_pixel_bomb_in_one_request_is_rejected(phone):
    _pid, response = put_one(phone, png_bomb())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == UploadStatus.REJECTED and "megapiksel" in response.json()["reason"]


def test_a_body_longer_than_a_chunk_or_than_announced_leaves_nothing(phone, settings):
    settings.OUTREACH_PHOTO_MAX_BYTES = 4 * sync.CHUNK_MAX
    data = b"\xff" * (sync.CHUNK_MAX + 1)
    _pid, response = put_one(phone, data)
    assert response.status_code == 422 and "KB" in response.json()["message"]
    _pid, empty = put_one(phone, b"", size=10, sha256="0" * 64)
    assert empty.status_code == 422
    small = jpeg_bytes()
    _pid, longer = put_one(phone, small, size=len(small) - 1)
    assert longer.status_code == 422
    assert not PhotoUpload.objects.exists() and not PhotoChunk.objects.exists()


def test_an_unknown_upload_without_size_and_checksum_is_still_404(phone):
    response = phone.put_bytes(f"/uploads/{uuid.uuid4()}?offset=0", jpeg_bytes())
    assert response.status_code == 404
    assert phone.put_bytes("/uploads/not-a-uuid?offset=0&size=10&sha256=" + "0" * 64, b"x").status_code == 422
    assert not PhotoUpload.objects.exists()


def test_uploads_are_per_device(cast, phone, register_phone):
    """The same id from another phone is another upload; neither sees the other's."""
    data = jpeg_bytes()
    pid, mine = put_one(phone, data)
    other = register_phone(cast.outreach, "Ponsel kedua")
    assert other.put_bytes(f"/uploads/{pid}?offset=0", data).status_code == 404
    _pid, theirs = put_one(other, data, pid=pid)
    assert theirs.status_code == 200 and mine.status_code == 200
    assert PhotoUpload.objects.filter(client_id=pid).count() == 2


def test_a_revoked_phone_hands_its_photo_over_until_it_wiped(phone):
    Device.objects.filter(pk=phone.device.pk).update(revoked_at=timezone.now())
    _pid, before_wipe = put_one(phone, jpeg_bytes())
    assert before_wipe.status_code == 200 and before_wipe.json()["status"] == "complete"
    Device.objects.filter(pk=phone.device.pk).update(wipe_confirmed_at=timezone.now())
    _pid, after = put_one(phone, jpeg_bytes(80))
    assert after.status_code == 403
    assert after.json()["code"] == "device_revoked" and after.json()["details"] == {"wipe": True}
    assert PhotoUpload.objects.count() == 1


def test_a_request_cut_before_the_chunk_is_stored_leaves_no_upload(phone):
    """The upload and its chunk are one transaction: a failure after the upload's INSERT rolls it
    back, and the same request sent again succeeds."""
    data = jpeg_bytes()
    pid = str(uuid.uuid4())
    with (
        mock.patch.object(PhotoChunk.objects, "create", side_effect=RuntimeError("connection lost")),
        pytest.raises(RuntimeError),
    ):
        put_one(phone, data, pid=pid)
    assert not PhotoUpload.objects.exists()
    _pid, again = put_one(phone, data, pid=pid)
    assert again.json()["status"] == "complete"
    assert PhotoUpload.objects.count() == PhotoChunk.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_twice_at_once_makes_one_upload(phone):
    """A phone that times out and resends while the first request still runs: both find no upload
    (on PostgreSQL both read before either inserts, held together here), one inserts it, the other
    meets the unique constraint, reads again and answers with the row the first made."""
    data = jpeg_bytes()
    pid = str(uuid.uuid4())
    url = (
        f"/api/v1/outreach/uploads/{pid}?offset=0&size={len(data)}&sha256={hashlib.sha256(data).hexdigest()}"
    )
    both_read = threading.Barrier(2, timeout=10)
    finish = sync._upload_finish
    appends = mock.Mock(wraps=sync._upload_append)

    def finish_together(upload, body):
        # SQLite takes its write lock at BEGIN: the second request waits for the first there.
        if connection.vendor == "postgresql":
            both_read.wait()
        finish(upload, body)

    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def send() -> None:
        try:
            start.wait()
            response = Client().put(url, data=data, content_type="application/octet-stream", **phone.auth)
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    with (
        mock.patch.object(sync, "_upload_finish", finish_together),
        mock.patch.object(sync, "_upload_append", appends),
    ):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert [status for status, _answer in answers] == [200, 200], answers
    assert answers[0][1] == answers[1][1] and answers[0][1]["status"] == "complete"
    assert PhotoUpload.objects.count() == PhotoChunk.objects.count() == 1
    if connection.vendor == "postgresql":
        assert appends.call_count == 3  # the loser's first transaction, rolled back, and its retry
