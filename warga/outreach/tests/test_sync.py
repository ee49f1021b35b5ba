"""The sync protocol: idempotency, partial success, conflicts, and every bad input the issue lists."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from warga.audit.models import AuditLog
from warga.cards.models import RecordingEvent
from warga.outreach.models import Assignment, SyncRecord, Target, TargetKind
from warga.outreach.services import event_targets_build

pytestmark = pytest.mark.django_db


def jpeg_bytes(size: int = 64, color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


# --- Registration and assignments ------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 200), ("kec_officer", 200), ("dukcapil", 403), ("admin", 403)],
)
def test_device_registration_grid(cast, client_for, who, status):
    import json

    user = cast.grid()[who]
    response = client_for(user).post(
        "/api/v1/outreach/devices", data=json.dumps({"label": "HP"}), content_type="application/json"
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["token"].startswith("wdv_")


def test_device_registration_needs_a_label(cast, client_for):
    import json

    response = client_for(cast.outreach).post(
        "/api/v1/outreach/devices", data=json.dumps({"label": "  "}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("Beri nama ponsel")


def test_assignment_holds_the_desa_residents_and_targets(cast, event, phone, make_resident):
    unrecorded = make_resident(age=30)
    make_resident(age=5)
    make_resident(age=40, desa=cast.other_desa)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    data = phone.download(event)
    ids = [row[0] for row in data["residents"]]
    assert unrecorded.pk in ids and len(ids) == 2
    row = next(r for r in data["residents"] if r[0] == unrecorded.pk)
    assert row[data["fields"].index("targets")] & 1  # KTP-el not recorded
    assert data["event"]["equipment"] == ["KIT-01"]
    assignment = Assignment.objects.get(public_id=data["assignment"])
    assert assignment.residents_count == 2
    assert AuditLog.objects.filter(
        action="outreach.assignment.download", object_id=str(assignment.pk)
    ).exists()


def test_assignment_refused_to_a_non_member(cast, event, register_phone):
    other = register_phone(cast.outsider)
    response = other.post("/assignments", {"event_id": event.pk})
    assert response.status_code == 404  # the event is outside the outsider's area


def test_device_status_lists_the_officers_events(cast, event, phone):
    response = phone.get("/device")
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["events"]] == [event.pk]


# --- Sync semantics ---------------------------------------------------------------------------------
def test_recording_accepted_then_replay_is_already_received(cast, event, phone, make_resident):
    resident = make_resident(age=25)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    rec = phone.record("ktp_recording", {"resident": resident.pk, "equipment": "KIT-01"})
    first = phone.sync([rec])
    assert first.status_code == 200, first.content
    answer = first.json()["results"][0]
    assert answer["status"] == "accepted", answer
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    assert Target.objects.get(resident=resident, kind=TargetKind.KTP_RECORDING).served_at is not None
    row = SyncRecord.objects.get(client_id=rec["id"])
    assert row.officer == cast.outreach and row.status == "accepted"
    # The recording's own audit row carries the device.
    assert AuditLog.objects.filter(
        action="cards.recording.create", device_id=str(phone.device.public_id)
    ).exists()

    replay = phone.sync([rec]).json()["results"][0]
    assert replay["status"] == "already_received" and replay["replayed"] is True
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    assert SyncRecord.objects.filter(client_id=rec["id"]).count() == 1


def test_same_id_with_different_content_is_a_conflict(cast, event, phone, make_resident):
    a, b = make_resident(), make_resident()
    phone.download(event)
    rid = str(uuid.uuid4())
    phone.sync([phone.record("ktp_recording", {"resident": a.pk}, rid=rid)])
    answer = phone.sync([phone.record("ktp_recording", {"resident": b.pk}, rid=rid)]).json()["results"][0]
    assert answer["status"] == "conflict" and answer["code"] == "id_reused"
    assert not RecordingEvent.objects.filter(resident=b).exists()


def test_tampered_record_is_rejected_and_not_stored(cast, event, phone, make_resident):
    resident = make_resident()
    phone.download(event)
    rec = phone.record("ktp_recording", {"resident": resident.pk})
    rec["body"] = rec["body"].replace(str(resident.pk), str(resident.pk + 1))
    answer = phone.sync([rec]).json()["results"][0]
    assert answer["status"] == "rejected" and answer["code"] == "bad_signature"
    assert "diubah" in answer["message"]
    assert not SyncRecord.objects.exists() and not RecordingEvent.objects.exists()


def test_partial_success_in_one_batch(cast, event, phone, make_resident):
    good = make_resident()
    child = make_resident(age=8)
    elsewhere = make_resident(desa=cast.other_desa)
    phone.download(event)
    records = [
        phone.record("ktp_recording", {"resident": good.pk}),
        phone.record("ktp_recording", {"resident": child.pk}),
        phone.record("ktp_recording", {"resident": elsewhere.pk}),
        phone.record("ktp_recording", {"resident": good.pk, "unexpected": 1}),
        phone.record("mystery", {}),
    ]
    results = phone.sync(records).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected", "rejected"]
    assert results[1]["code"] == "cards.too_young"
    assert results[2]["code"] == "not_in_assignment"
    assert results[3]["code"] == "bad_record"
    assert results[4]["code"] == "unknown_kind"
    assert RecordingEvent.objects.count() == 1
    # A replay of the whole batch answers the same and changes nothing.
    again = phone.sync(records).json()["results"]
    assert [r["status"] for r in again] == [
        "already_received",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert RecordingEvent.objects.count() == 1


def test_resident_outside_the_officers_area(cast, event, register_phone, make_resident):
    """A kecamatan officer's phone: a resident of another kecamatan (never on the list) is refused."""
    event.desa = cast.desa
    event.save()
    phone = register_phone(cast.kec_officer)
    phone.download(event)
    outside = make_resident(desa=cast.other_desa)
    answer = phone.sync([phone.record("ktp_recording", {"resident": outside.pk})]).json()["results"][0]
    assert answer["status"] == "rejected" and answer["code"] == "not_in_assignment"
    assert answer["resendable"] is False
    assert not RecordingEvent.objects.exists()


def test_expired_assignment_refuses_the_batch(cast, event, phone, make_resident):
    resident = make_resident()
    phone.download(event)
    Assignment.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = phone.sync([phone.record("ktp_recording", {"resident": resident.pk})])
    assert response.status_code == 410
    assert response.json()["code"] == "assignment_expired"
    assert not SyncRecord.objects.exists() and not RecordingEvent.objects.exists()


def test_revoked_device_is_told_to_wipe(cast, event, phone, make_resident, client_for):
    resident = make_resident()
    phone.download(event)
    response = client_for(cast.admin).post(f"/api/v1/outreach/devices/{phone.device.pk}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"]
    response = phone.get("/device")
    assert response.status_code == 403
    assert response.json()["code"] == "device_revoked" and response.json()["details"] == {"wipe": True}
    assert phone.post("/device/wiped", {}).json() == {"ok": True}
    phone.device.refresh_from_db()
    assert phone.device.wipe_confirmed_at is not None
    # Once wiped, the token hands over nothing more.
    response = phone.sync([phone.record("ktp_recording", {"resident": resident.pk})])
    assert response.status_code == 403 and response.json()["code"] == "device_revoked"
    assert not RecordingEvent.objects.exists()


def test_wrong_phone_clock_uses_server_time_and_flags(cast, event, phone, make_resident):
    resident = make_resident()
    phone.download(event)
    future = timezone.now() + timedelta(days=3)
    rec = phone.record("ktp_recording", {"resident": resident.pk}, captured_at=future.isoformat())
    body = phone.sync([rec], sent_at=future.isoformat()).json()
    assert body["results"][0]["status"] == "accepted"
    assert body["results"][0]["clock_flagged"] is True
    assert body["clock_warning"] and abs(body["clock_skew_seconds"] - 3 * 86400) < 60
    recording = RecordingEvent.objects.get(resident=resident)
    assert abs((recording.recorded_at - timezone.now()).total_seconds()) < 60
    row = SyncRecord.objects.get()
    assert row.clock_flagged and row.captured_at and row.captured_at > timezone.now() + timedelta(days=2)


def test_bad_token_is_unauthenticated(event, phone):
    phone.token = "wdv_not-a-real-token"
    assert phone.get("/device").status_code == 401


# --- Photo uploads ------------------------------------------------------------------------------------
def test_photo_upload_resumes_after_a_cut(phone):
    data = jpeg_bytes(200)
    pid = str(uuid.uuid4())
    start = phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    assert start.status_code == 200 and start.json()["received"] == 0
    half = len(data) // 2
    assert phone.put_bytes(f"/uploads/{pid}?offset=0", data[:half]).json()["received"] == half
    # The phone lost the answer and does not know where the server is: it asks again.
    again = phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    assert again.json()["received"] == half
    # A chunk past the server's offset is refused with the offset to resume from.
    gap = phone.put_bytes(f"/uploads/{pid}?offset={half + 10}", data[half + 10 :])
    assert gap.status_code == 409 and gap.json()["details"] == {"received": half}
    # A resent chunk the server already has is acknowledged without change.
    assert phone.put_bytes(f"/uploads/{pid}?offset=0", data[:half]).json()["received"] == half
    done = phone.put_bytes(f"/uploads/{pid}?offset={half}", data[half:]).json()
    assert done["status"] == "complete" and done["received"] == len(data)


def test_a_file_that_is_not_an_image_is_rejected(phone):
    data = b"%PDF-1.4 this is not a photo at all" * 10
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    done = phone.put_bytes(f"/uploads/{pid}?offset=0", data).json()
    assert done["status"] == "rejected"
    assert "JPEG" in done["reason"]


def test_a_damaged_photo_is_rejected(phone):
    data = jpeg_bytes()
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": "0" * 64})
    done = phone.put_bytes(f"/uploads/{pid}?offset=0", data).json()
    assert done["status"] == "rejected"


def test_upload_bad_inputs(phone):
    data = jpeg_bytes()
    assert phone.post("/uploads", {"id": "nope", "size": 10, "sha256": "0" * 64}).status_code == 422
    assert (
        phone.post("/uploads", {"id": str(uuid.uuid4()), "size": 10**9, "sha256": "0" * 64}).status_code
        == 422
    )
    assert phone.post("/uploads", {"id": str(uuid.uuid4()), "size": 10, "sha256": "xyz"}).status_code == 422
    assert phone.get(f"/uploads/{uuid.uuid4()}").status_code == 404
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": 5, "sha256": hashlib.sha256(data[:5]).hexdigest()})
    assert phone.put_bytes(f"/uploads/{pid}?offset=0", data).status_code == 422  # longer than announced
    other = phone.post("/uploads", {"id": pid, "size": 6, "sha256": "1" * 64})
    assert other.status_code == 409


def test_old_upload_chunks_are_purged(phone):
    from warga.outreach.models import PhotoChunk, PhotoUpload
    from warga.outreach.sync import uploads_purge

    data = jpeg_bytes()
    done, left = str(uuid.uuid4()), str(uuid.uuid4())
    phone.post("/uploads", {"id": done, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    phone.put_bytes(f"/uploads/{done}?offset=0", data)
    phone.post("/uploads", {"id": left, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    phone.put_bytes(f"/uploads/{left}?offset=0", data[:10])
    assert uploads_purge() == 0
    PhotoUpload.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert uploads_purge() == 2
    assert not PhotoChunk.objects.exists()
    assert list(PhotoUpload.objects.values_list("status", flat=True)) == ["complete"]


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_applied_once(cast, event, phone, make_resident):
    """A phone that times out and resends while the first request still runs: the device's
    batches take turns, so one applies the records and the other answers from the ledger."""
    import threading

    from django.db import connections
    from django.test import Client

    residents = [make_resident(age=20 + i) for i in range(5)]
    phone.download(event)
    records = [phone.record("ktp_recording", {"resident": r.pk, "equipment": "KIT-01"}) for r in residents]
    # The same id twice in one batch is answered from the ledger too.
    records.append(records[0])
    barrier = threading.Barrier(2)
    answers: list[list[str]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            phone_client = Client()
            barrier.wait()
            response = phone_client.post(
                "/api/v1/outreach/sync",
                data={
                    "assignment": phone.assignment,
                    "sent_at": timezone.now().isoformat(),
                    "records": records,
                },
                content_type="application/json",
                **phone.auth,
            )
            statuses = [r["status"] for r in response.json()["results"]]
        finally:
            connections.close_all()
        with lock:
            answers.append(statuses)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(answers) == sorted([["accepted"] * 5 + ["already_received"], ["already_received"] * 6]), (
        answers
    )
    assert RecordingEvent.objects.filter(resident__in=residents).count() == 5
    assert SyncRecord.objects.filter(device=phone.device).count() == 5


def test_a_phone_of_an_account_without_its_required_two_step_login_is_refused(cast, phone):
    """An account that must use two-step login does nothing until it is set up, on a phone too."""
    from warga.accounts.models import User

    assert phone.get("/device").status_code == 200
    User.objects.filter(pk=cast.outreach.pk).update(is_superuser=True, totp_confirmed_at=None)
    refused = phone.get("/device")
    assert refused.status_code == 403
    assert refused.json()["code"] == "second_factor_required"


def test_the_officers_roles_are_read_at_every_request(cast, event, phone, make_resident):
    """The device's authentication reads the officer's roles with the device (one statement): a
    role taken away counts from the phone's next request, one given back too, and an officer
    with several roles keeps all of them."""
    from warga.accounts.models import UserRole
    from warga.core.permissions import Role

    resident = make_resident(age=25)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    UserRole.objects.get_or_create(user=cast.outreach, role=Role.KECAMATAN_COUNTER)
    assert phone.get("/device").status_code == 200
    UserRole.objects.filter(user=cast.outreach).delete()
    rec = phone.record("ktp_recording", {"resident": resident.pk, "equipment": "KIT-01"})
    refused = phone.sync([rec])
    assert refused.status_code == 403, refused.content
    assert not RecordingEvent.objects.filter(resident=resident).exists()
    UserRole.objects.create(user=cast.outreach, role=Role.OUTREACH_OFFICER)
    UserRole.objects.create(user=cast.outreach, role=Role.KECAMATAN_COUNTER)
    answer = phone.sync([rec]).json()["results"][0]
    assert answer["status"] == "accepted", answer
