"""Each kind of field record goes through the same service as the office pages."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application, Attachment
from warga.outreach.models import PhotoUpload, SyncRecord
from warga.reports.models import Case

from .test_sync import jpeg_bytes

pytestmark = pytest.mark.django_db


def upload(phone, data: bytes, chunk: int = 1000) -> str:
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    for offset in range(0, len(data), chunk):
        answer = phone.put_bytes(f"/uploads/{pid}?offset={offset}", data[offset : offset + chunk])
        assert answer.status_code == 200, answer.content
    return pid


def test_application_with_photos(cast, event, phone, make_resident):
    ensure_default_services()
    applicant = make_resident(age=35)
    data = phone.download(event)
    codes = [s["code"] for s in data["reference"]["services"]]
    assert "ktp-baru" in codes
    service = next(s for s in data["reference"]["services"] if s["code"] == "ktp-baru")
    assert [d["code"] for d in service["documents"]][:1] == ["kk"]
    pid = upload(phone, jpeg_bytes(120))
    body = {
        "service": "ktp-baru",
        "applicant_nik": applicant.nik,
        "data": {},
        "photos": [{"upload": pid, "requirement": "kk"}],
    }
    answer = phone.sync([phone.record("application", body)]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    app = Application.objects.get(applicant=applicant)
    assert app.channel == "outreach" and answer["object"]["label"] == app.tracking_code
    assert Attachment.objects.filter(application=app, requirement="kk").count() == 1
    assert PhotoUpload.objects.get(client_id=pid).used_by == SyncRecord.objects.get()


def test_application_waits_for_its_photo(cast, event, phone, make_resident):
    ensure_default_services()
    applicant = make_resident(age=35)
    phone.download(event)
    data = jpeg_bytes(120)
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    phone.put_bytes(f"/uploads/{pid}?offset=0", data[:100])
    record = phone.record(
        "application",
        {
            "service": "ktp-baru",
            "applicant_nik": applicant.nik,
            "photos": [{"upload": pid, "requirement": "kk"}],
        },
    )
    answer = phone.sync([record]).json()["results"][0]
    assert answer["status"] == "retry" and answer["code"] == "photo_pending"
    assert not SyncRecord.objects.exists() and not Application.objects.exists()
    phone.put_bytes(f"/uploads/{pid}?offset=100", data[100:])
    assert phone.sync([record]).json()["results"][0]["status"] == "accepted"
    assert Application.objects.count() == 1


def test_application_with_a_photo_that_is_not_an_image(cast, event, phone, make_resident):
    ensure_default_services()
    applicant = make_resident(age=35)
    phone.download(event)
    pid = upload(phone, b"GIF89a not really" * 20)
    record = phone.record(
        "application",
        {
            "service": "ktp-baru",
            "applicant_nik": applicant.nik,
            "photos": [{"upload": pid, "requirement": "kk"}],
        },
    )
    answer = phone.sync([record]).json()["results"][0]
    assert answer["status"] == "rejected" and answer["code"] == "photo_rejected"
    assert not Application.objects.exists()


def test_correction_accepted_and_stale_version_conflict(
    cast, event, register_phone, field_counter, make_resident
):
    from warga.registry.services import resident_correct

    resident = make_resident()
    phone = register_phone(field_counter)
    phone.download(event)
    body = {
        "resident": resident.pk,
        "version": resident.version,
        "changes": {"occupation": "Petani"},
        "reason": "Dilihat di KK",
    }
    answer = phone.sync([phone.record("correction", body)]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    resident.refresh_from_db()
    assert resident.occupation == "Petani"
    # Someone at the office changes the resident; the phone's next correction is now stale.
    resident_correct(
        actor=cast.actor(cast.kec_verifier),
        resident=resident,
        changes={"occupation": "Guru"},
        reason="Data baru",
    )
    stale = {**body, "changes": {"occupation": "Pedagang"}}
    answer = phone.sync([phone.record("correction", stale)]).json()["results"][0]
    assert answer["status"] == "conflict" and answer["code"] == "version_changed"
    assert answer["details"]["server"] == {"occupation": "Guru"}
    resident.refresh_from_db()
    assert resident.occupation == "Guru"
    assert answer["details"]["version"] == resident.version


def test_correction_of_a_field_not_allowed_in_the_field(
    cast, event, register_phone, field_counter, make_resident
):
    resident = make_resident()
    phone = register_phone(field_counter)
    phone.download(event)
    body = {"resident": resident.pk, "version": 1, "changes": {"nik": "1"}, "reason": "salah"}
    answer = phone.sync([phone.record("correction", body)]).json()["results"][0]
    assert answer["status"] == "rejected" and "nik" in answer["message"]


def test_outreach_officer_corrects_resident_data_in_the_field(cast, event, phone, make_resident):
    """Field officers hold registry.correct: the correction goes through the register's service,
    with the reason and the history row, like one made at the office."""
    from warga.registry.models import ResidentChange

    resident = make_resident()
    phone.download(event)
    body = {
        "resident": resident.pk,
        "version": 1,
        "changes": {"occupation": "Petani"},
        "reason": "Dilihat di KK",
    }
    answer = phone.sync([phone.record("correction", body)]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    resident.refresh_from_db()
    assert resident.occupation == "Petani"
    change = ResidentChange.objects.filter(resident=resident).latest("id")
    assert change.changes["occupation"] == ["", "Petani"] and change.reason == "Dilihat di KK"


def test_citizen_report(cast, event, register_phone, field_counter):
    phone = register_phone(field_counter)
    phone.download(event)
    rec = phone.record("report", {"text": "Tiang listrik roboh di RT 02", "category": "listrik"})
    answer = phone.sync([rec]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    report = Case.objects.get()
    assert report.desa == cast.desa and report.client_ref == rec["id"]
    assert (report.channel, report.category) == ("field", "listrik_padam")
    bad = phone.record("report", {"text": "Sesuatu terjadi", "category": "ufo"})
    assert phone.sync([bad]).json()["results"][0]["code"] == "bad_record"
