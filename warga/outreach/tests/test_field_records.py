"""Field records are never destroyed without a person deciding: a revoked phone hands its records
to review, a resident who moved is served where they live now, a recording already made at the
office is closed (not offered for resend), and conflicts speak plain Indonesian."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.cards.models import RecordingEvent
from warga.cards.services import ktp_recording_record
from warga.org.models import Unit, UnitKind
from warga.outreach.models import Device, MovedResidentNotice, QuarantinedRecord, SyncRecord
from warga.registry.models import LifeStatus, Resident

pytestmark = pytest.mark.django_db


def _revoke(client_for, cast, phone) -> None:
    response = client_for(cast.admin).post(f"/api/v1/outreach/devices/{phone.device.pk}/revoke")
    assert response.status_code == 200, response.content


def _api(client, method: str, path: str, data: dict | None = None):
    call = getattr(client, method)
    if data is None:
        return call(f"/api/v1/outreach{path}")
    return call(f"/api/v1/outreach{path}", data=json.dumps(data), content_type="application/json")


# --- The queue length the phone reports ------------------------------------------------------------
def test_phone_reports_its_queue_on_every_contact(cast, event, phone, make_resident, client_for):
    resident = make_resident()
    phone.download(event)
    assert phone.get("/device?queue=7").status_code == 200
    phone.device.refresh_from_db()
    assert phone.device.queue_length == 7 and phone.device.queue_reported_at is not None
    response = phone.post(
        "/sync",
        {
            "assignment": phone.assignment,
            "sent_at": timezone.now().isoformat(),
            "records": [phone.record("ktp_recording", {"resident": resident.pk})],
            "queue": 3,
        },
    )
    assert response.status_code == 200
    devices = _api(client_for(cast.admin), "get", "/devices").json()["items"]
    assert devices[0]["queue_length"] == 3 and devices[0]["last_seen_at"]
    assert (
        phone.post("/sync", {"assignment": phone.assignment, "records": [], "queue": -1}).status_code == 422
    )


# --- A revoked phone: records to review, the wipe only after ------------------------------------------
def test_revoked_phone_hands_records_to_review_and_a_supervisor_accepts(
    cast, event, phone, make_resident, client_for
):
    first, second = make_resident(), make_resident()
    phone.download(event)
    before = (timezone.now() - timedelta(minutes=5)).isoformat()
    held = [
        phone.record("ktp_recording", {"resident": first.pk}, captured_at=before),
        phone.record("ktp_recording", {"resident": second.pk}, captured_at=before),
    ]
    _revoke(client_for, cast, phone)
    after = phone.record(
        "ktp_recording",
        {"resident": first.pk},
        captured_at=(timezone.now() + timedelta(seconds=5)).isoformat(),
    )
    # The app learns of the revocation at its next contact; nothing is wiped yet.
    told = phone.get("/device")
    assert told.status_code == 403 and told.json()["code"] == "device_revoked"

    response = phone.post("/sync", {"assignment": phone.assignment, "records": [*held, after], "queue": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revoked"] is True
    answers = body["results"]
    assert [a["status"] for a in answers] == ["quarantined", "quarantined", "rejected"]
    assert (
        answers[2]["code"] == "signed_after_revocation" and "setelah ponsel dicabut" in answers[2]["message"]
    )
    assert all(a["resendable"] is False for a in answers)
    # Nothing reached the register; a resend is answered the same and stores nothing twice.
    assert not RecordingEvent.objects.exists() and not SyncRecord.objects.exists()
    again = phone.post("/sync", {"assignment": phone.assignment, "records": held}).json()["results"]
    assert [a["status"] for a in again] == ["quarantined", "quarantined"]
    assert QuarantinedRecord.objects.count() == 2

    # The supervisor of this kecamatan sees both; one of another kecamatan sees none.
    supervisor = client_for(cast.kec_verifier)
    listed = _api(supervisor, "get", "/review").json()["items"]
    assert len(listed) == 2 and {q["kind"] for q in listed} == {"ktp_recording"}
    assert _api(client_for(cast.outsider), "get", "/review").json()["items"] == []
    first_id, second_id = sorted(q["id"] for q in listed)
    assert _api(client_for(cast.outsider), "post", f"/review/{first_id}/accept", {}).status_code == 404
    assert _api(client_for(cast.kec_officer), "post", f"/review/{first_id}/accept", {}).status_code == 403

    accepted = _api(supervisor, "post", f"/review/{first_id}/accept", {})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["result"]["status"] == "accepted"
    assert RecordingEvent.objects.filter(resident=first).count() == 1
    # Applied as a normal sync: the ledger has it, so the phone's record stays idempotent.
    ledger = SyncRecord.objects.get()
    assert ledger.status == "accepted" and ledger.officer == cast.outreach
    assert _api(supervisor, "post", f"/review/{first_id}/accept", {}).status_code == 409
    assert RecordingEvent.objects.filter(resident=first).count() == 1

    assert _api(supervisor, "post", f"/review/{second_id}/reject", {"reason": ""}).status_code == 422
    rejected = _api(supervisor, "post", f"/review/{second_id}/reject", {"reason": "Petugas tidak bertugas"})
    assert rejected.status_code == 200 and rejected.json()["reason"] == "Petugas tidak bertugas"
    assert not RecordingEvent.objects.filter(resident=second).exists()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "outreach.quarantine.receive",
        "outreach.quarantine.accept",
        "outreach.quarantine.reject",
    } <= actions
    assert "outreach.sync.refused_after_revocation" in actions

    # Only now does the phone wipe; afterwards its token hands over nothing more.
    assert phone.post("/device/wiped", {}).json() == {"ok": True}
    late = phone.post("/sync", {"assignment": phone.assignment, "records": held})
    assert late.status_code == 403 and late.json()["code"] == "device_revoked"


def test_review_page_is_scoped_and_needs_the_capability(cast, event, phone, make_resident, client_for):
    resident = make_resident()
    phone.download(event)
    record = phone.record(
        "ktp_recording",
        {"resident": resident.pk},
        captured_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
    )
    _revoke(client_for, cast, phone)
    phone.post("/sync", {"assignment": phone.assignment, "records": [record]})
    held = QuarantinedRecord.objects.get()
    url = reverse("outreach:review")
    assert client_for(None).get(url).status_code == 302
    assert client_for(cast.kec_officer).get(url).status_code == 403
    assert "Perekaman KTP-el" not in client_for(cast.outsider).get(url).content.decode()
    page = client_for(cast.kec_verifier).get(url).content.decode()
    assert "Perekaman KTP-el" in page and "Ponsel uji" in page and resident.full_name in page
    assert client_for(cast.outsider).post(url, {"record": held.pk, "decision": "accept"}).status_code == 404
    client_for(cast.kec_verifier).post(url, {"record": held.pk, "decision": "reject", "reason": ""})
    held.refresh_from_db()
    assert held.status == "pending"  # no reason, no rejection
    client_for(cast.head).post(url, {"record": held.pk, "decision": "accept"})
    held.refresh_from_db()
    assert held.status == "accepted" and RecordingEvent.objects.filter(resident=resident).count() == 1


def test_records_that_needed_attention_also_go_to_review(
    cast, event, register_phone, field_counter, make_resident, client_for
):
    """A record the server refused earlier is still on the phone: it is handed over too, with the
    earlier answer, and the supervisor can apply it once the register allows."""
    from warga.registry.services import resident_correct

    resident = make_resident()
    phone = register_phone(field_counter)
    phone.download(event)
    version = resident.version
    resident_correct(
        actor=cast.actor(cast.kec_verifier),
        resident=resident,
        changes={"occupation": "Guru"},
        reason="Data baru",
    )
    stale = phone.record(
        "correction",
        {
            "resident": resident.pk,
            "version": version,
            "changes": {"occupation": "Petani"},
            "reason": "Dilihat di KK",
        },
        captured_at=(timezone.now() - timedelta(minutes=3)).isoformat(),
    )
    assert phone.sync([stale]).json()["results"][0]["status"] == "conflict"
    _revoke(client_for, cast, phone)
    answer = phone.post("/sync", {"assignment": phone.assignment, "records": [stale]}).json()["results"][0]
    assert answer["status"] == "quarantined"
    held = QuarantinedRecord.objects.get()
    assert held.earlier_answer["code"] == "version_changed"
    # Still stale: accepting cannot apply it and changes nothing; the supervisor rejects instead.
    response = _api(client_for(cast.kec_verifier), "post", f"/review/{held.pk}/accept", {})
    assert response.status_code == 409 and "tidak dapat diterapkan" in response.json()["message"]
    held.refresh_from_db()
    resident.refresh_from_db()
    assert held.status == "pending" and resident.occupation == "Guru"
    assert SyncRecord.objects.get().status == "conflict"


# --- A resident who moved after the download ------------------------------------------------------
def test_recording_of_a_resident_who_moved_lands_once_and_the_receiving_office_is_told(
    cast, event, register_phone, field_counter, make_resident, client_for
):
    resident = make_resident()
    phone = register_phone(field_counter)  # a kecamatan officer: the new desa is outside their area
    phone.download(event)
    Resident.objects.filter(pk=resident.pk).update(desa=cast.other_desa)  # moved to Campaka meanwhile
    record = phone.record("ktp_recording", {"resident": resident.pk})
    answer = phone.sync([record]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    assert "sudah pindah" in answer["message"] and cast.other_desa.name not in answer["message"]
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    again = phone.sync([record]).json()["results"][0]
    assert again["status"] == "already_received"
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    notice = MovedResidentNotice.objects.get()
    assert notice.desa == cast.other_desa and notice.from_desa == cast.desa

    # The office of Campaka sees it; the outreach kecamatan does not (the resident is not theirs now).
    url = reverse("outreach:moved")
    assert resident.full_name in client_for(cast.outsider).get(url).content.decode()
    assert resident.full_name not in client_for(cast.kec_officer).get(url).content.decode()
    assert client_for(cast.kec_officer).post(url, {"notice": notice.pk}).status_code == 404
    client_for(cast.outsider).post(url, {"notice": notice.pk})
    notice.refresh_from_db()
    assert notice.seen_by == cast.outsider
    assert AuditLog.objects.filter(action="outreach.moved_resident.seen").count() == 1
    assert AuditLog.objects.filter(action="outreach.moved_resident.notice").count() == 1


def test_correction_of_a_resident_who_moved_is_applied_where_they_live(
    cast, event, register_phone, field_counter, make_resident
):
    resident = make_resident()
    phone = register_phone(field_counter)
    phone.download(event)
    Resident.objects.filter(pk=resident.pk).update(desa=cast.other_desa)
    body = {
        "resident": resident.pk,
        "version": resident.version,
        "changes": {"occupation": "Petani"},
        "reason": "KK asli",
    }
    answer = phone.sync([phone.record("correction", body)]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    resident.refresh_from_db()
    assert resident.occupation == "Petani"
    assert MovedResidentNotice.objects.get().kind == "correction"


def test_records_that_cannot_be_true_are_refused(cast, event, phone, make_resident):
    dead = make_resident()
    phone.download(event)
    newcomer = make_resident()  # entered after the download: never on this assignment's list
    Resident.objects.filter(pk=dead.pk).update(
        life_status=LifeStatus.DEAD, died_on=timezone.localdate() - timedelta(days=2)
    )
    answers = phone.sync(
        [
            phone.record("ktp_recording", {"resident": dead.pk}),
            phone.record("ktp_recording", {"resident": newcomer.pk}),
        ]
    ).json()["results"]
    assert [(a["status"], a["code"]) for a in answers] == [
        ("rejected", "died_before"),
        ("rejected", "not_in_assignment"),
    ]
    assert "meninggal" in answers[0]["message"]
    assert not any(a["resendable"] for a in answers)
    assert not RecordingEvent.objects.exists() and not MovedResidentNotice.objects.exists()


# --- Already recorded at the office ------------------------------------------------------------------
def test_recording_already_made_at_the_office_is_closed(cast, event, phone, make_resident):
    resident = make_resident()
    phone.download(event)
    office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    ktp_recording_record(
        actor=cast.actor(cast.kec_officer),
        resident=resident,
        recorded_at=timezone.now() - timedelta(hours=1),
        place_unit=office,
        device_set="KEC-1",
    )
    record = phone.record("ktp_recording", {"resident": resident.pk})
    answer = phone.sync([record]).json()["results"][0]
    assert answer["status"] == "closed" and answer["code"] == "already_recorded"
    assert answer["resendable"] is False
    assert "Sudah direkam di" in answer["message"] and office.name in answer["message"]
    assert "Kec_Officer" in answer["message"]
    assert "menjadi" not in answer["message"]
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    assert phone.sync([record]).json()["results"][0]["status"] == "closed"


# --- Conflicts in plain Indonesian ---------------------------------------------------------------------
def test_conflict_names_who_changed_and_translates_the_field(
    cast, event, register_phone, field_counter, make_resident
):
    from warga.registry.services import resident_correct

    resident = make_resident()
    phone = register_phone(field_counter)
    phone.download(event)
    version = resident.version
    resident_correct(
        actor=cast.actor(cast.kec_verifier),
        resident=resident,
        changes={"occupation": "Guru", "religion": "islam"},
        reason="Data baru",
    )
    body = {
        "resident": resident.pk,
        "version": version,
        "changes": {"occupation": "Petani", "religion": "kristen"},
        "reason": "Dilihat di KK",
    }
    answer = phone.sync([phone.record("correction", body)]).json()["results"][0]
    assert answer["status"] == "conflict" and answer["resendable"] is True
    assert "diubah di kantor pada" in answer["message"] and "Kec_Verifier" in answer["message"]
    labels = answer["details"]["labels"]
    assert labels["occupation"] == "Pekerjaan" and labels["religion"] == "Agama"
    assert answer["details"]["server_display"]["religion"] == "Islam"


def test_revoke_confirmation_shows_last_contact_and_queue(cast, phone, client_for):
    phone.get("/device?queue=12")
    page = client_for(cast.admin).get(reverse("outreach:device_revoke", args=[phone.device.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="queue-length">12' in text and "12 catatan" in text
    assert Device.objects.get().revoked_at is None
    assert (
        client_for(cast.kec_officer)
        .get(reverse("outreach:device_revoke", args=[phone.device.pk]))
        .status_code
        == 403
    )


def test_review_decision_api_grid(cast, event, phone, make_resident, client_for):
    resident = make_resident()
    phone.download(event)
    record = phone.record(
        "ktp_recording",
        {"resident": resident.pk},
        captured_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
    )
    _revoke(client_for, cast, phone)
    phone.post("/sync", {"assignment": phone.assignment, "records": [record]})
    held = QuarantinedRecord.objects.get()
    for path, data in [
        (f"/review/{held.pk}/reject", {"reason": "Bukan petugas kami"}),
        (f"/review/{held.pk}/accept", {}),
    ]:
        expected = {"anonymous": 401, "outsider": 404, "kec_officer": 403, "admin": 403}
        for who, status in expected.items():
            response = _api(client_for(cast.grid()[who]), "post", path, data)
            assert response.status_code == status, (who, path, response.status_code)
    held.refresh_from_db()
    assert held.status == "pending"
    assert _api(client_for(cast.dukcapil), "post", f"/review/{held.pk}/accept", {}).status_code == 200
    assert RecordingEvent.objects.filter(resident=resident).count() == 1


def test_revoked_phone_hands_over_an_application_with_its_photo(
    cast, event, phone, make_resident, client_for
):
    """The photo arrives after the revocation (the phone has not wiped yet), outlives the purge of
    old uploads while the record waits, and is attached when the supervisor accepts."""
    from warga.applications.catalogue import ensure_default_services
    from warga.applications.models import Application, Attachment
    from warga.outreach.models import PhotoChunk, PhotoUpload
    from warga.outreach.sync import uploads_purge

    from .test_records import upload
    from .test_sync import jpeg_bytes

    ensure_default_services()
    applicant = make_resident(age=35)
    phone.download(event)
    captured = (timezone.now() - timedelta(minutes=2)).isoformat()
    _revoke(client_for, cast, phone)
    pid = upload(phone, jpeg_bytes(120))
    body = {
        "service": "ktp-baru",
        "applicant_nik": applicant.nik,
        "data": {},
        "photos": [{"upload": pid, "requirement": "kk"}],
    }
    record = phone.record("application", body, captured_at=captured)
    answer = phone.post("/sync", {"assignment": phone.assignment, "records": [record]}).json()["results"][0]
    assert answer["status"] == "quarantined"
    assert not Application.objects.exists()
    PhotoUpload.objects.update(created_at=timezone.now() - timedelta(days=10))
    uploads_purge()
    assert PhotoChunk.objects.exists()
    held = QuarantinedRecord.objects.get()
    assert _api(client_for(cast.kec_verifier), "post", f"/review/{held.pk}/accept", {}).status_code == 200
    app = Application.objects.get(applicant=applicant)
    assert Attachment.objects.filter(application=app, requirement="kk").count() == 1
    # Once wiped, the phone uploads nothing more.
    phone.post("/device/wiped", {})
    assert (
        phone.post("/uploads", {"id": str(held.client_id), "size": 10, "sha256": "0" * 64}).status_code == 403
    )
