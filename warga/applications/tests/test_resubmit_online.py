"""An online applicant corrects a returned file from the tracking page and sends it again."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from warga.applications.models import Application, ApplicationEvent, Attachment, Status
from warga.audit.models import AuditLog

from .conftest import birth_data, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(flow) -> Application:
    """An online birth application the kecamatan returned to the applicant."""
    client = Client()
    response = client.post(
        "/applications/apply/akta-lahir/",
        {
            "applicant_nik": flow.household.head.nik,
            "phone": "081234567890",
            **{f"d-{k}": v for k, v in birth_data(flow.household).items()},
            "doc-skl": SimpleUploadedFile("skl.png", png_bytes()),
            "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
        },
    )
    assert response.status_code == 302
    app = Application.objects.get()
    return flow.step(
        app, "return_to_applicant", "kec_verifier", reason="Surat keterangan lahir tidak terbaca"
    )


def resubmit(app: Application, nik: str, **files: bytes):
    form: dict[str, object] = {"applicant_nik": nik, "note": "SKL difoto ulang"}
    form.update({f"doc-{k}": SimpleUploadedFile(f"{k}.jpg", v) for k, v in files.items()})
    return Client().post(f"/applications/track/{app.tracking_code}/resubmit/", form)


def test_tracking_page_offers_the_correction_and_the_file_goes_back(flow, returned):
    page = Client().get(f"/applications/track/{returned.tracking_code}/").content.decode()
    assert "Surat keterangan lahir tidak terbaca" in page
    assert f"/applications/track/{returned.tracking_code}/resubmit/" in page
    old_skl = returned.attachments.get(requirement="skl", replaced_at__isnull=True)

    response = resubmit(returned, flow.household.head.nik, skl=jpeg_bytes((900, 600)))
    assert response.status_code == 302
    app = Application.objects.get(pk=returned.pk)
    assert app.status == Status.SUBMITTED and app.version == returned.version + 1
    assert app.stage_due_on is not None
    # History keeps the return and the resubmission with the applicant's note; the old scan is kept.
    actions = list(app.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[-2:] == ["return_to_applicant", "resubmit"]
    assert ApplicationEvent.objects.get(application=app, action="resubmit").reason == "SKL difoto ulang"
    old_skl.refresh_from_db()
    assert old_skl.replaced_at is not None
    current = app.attachments.get(requirement="skl", replaced_at__isnull=True)
    assert current.pk != old_skl.pk and current.content_type == "image/jpeg"
    assert AuditLog.objects.filter(action="applications.application.resubmit", object_id=str(app.pk)).exists()
    # The kecamatan can verify it again; the tracking page no longer offers the form.
    flow.step(app, "verify", "kec_verifier")
    page = Client().get(f"/applications/track/{app.tracking_code}/").content.decode()
    assert "/resubmit/" not in page


@pytest.mark.parametrize(
    ("nik", "files", "status", "message"),
    [
        ("3214011705800999", {"skl": png_bytes()}, 403, "NIK tidak cocok"),
        ("12345", {"skl": png_bytes()}, 422, "16 digit"),
        (None, {"skl": b"MZ\x90\x00" + b"\x00" * 100}, 422, "Surat keterangan lahir"),
    ],
)
def test_bad_resubmission_changes_nothing(flow, returned, nik, files, status, message):
    before = (Attachment.objects.count(), ApplicationEvent.objects.count())
    response = resubmit(returned, nik or flow.household.head.nik, **files)
    assert response.status_code == status
    assert message in response.content.decode()
    app = Application.objects.get(pk=returned.pk)
    assert app.status == Status.RETURNED_TO_APPLICANT and app.version == returned.version
    assert (Attachment.objects.count(), ApplicationEvent.objects.count()) == before


def test_nothing_to_send_is_refused(flow, returned):
    response = Client().post(
        f"/applications/track/{returned.tracking_code}/resubmit/",
        {"applicant_nik": flow.household.head.nik, "note": ""},
    )
    assert response.status_code == 422
    assert Application.objects.get(pk=returned.pk).status == Status.RETURNED_TO_APPLICANT


def test_only_returned_online_files_can_be_sent_again(flow, returned):
    verified_again = resubmit(returned, flow.household.head.nik, skl=png_bytes())
    assert verified_again.status_code == 302
    # A second post (the file is submitted now): no form, no change.
    assert resubmit(returned, flow.household.head.nik, skl=png_bytes()).status_code == 404
    # A counter file returned to the applicant is corrected at the counter, not online.
    counter = flow.submit()
    flow.attach_all(counter)
    counter = flow.step(counter, "return_to_applicant", "kec_verifier", reason="KK lama")
    assert resubmit(counter, flow.household.head.nik, skl=png_bytes()).status_code == 404
    assert Application.objects.get(pk=counter.pk).status == Status.RETURNED_TO_APPLICANT
    assert (
        Client().get(f"/applications/track/{counter.tracking_code}/").content.decode().count("/resubmit/")
        == 0
    )
    # An unknown code: 404; a GET goes back to the tracking page.
    assert Client().post("/applications/track/ZZZZZZZZ/resubmit/", {}).status_code == 404
    get = Client().get(f"/applications/track/{returned.tracking_code}/resubmit/")
    assert get.status_code == 302


def test_resubmission_needs_the_csrf_token(flow, returned):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/applications/track/{returned.tracking_code}/resubmit/",
        {"applicant_nik": flow.household.head.nik, "note": "x"},
    )
    assert response.status_code == 403
    assert Application.objects.get(pk=returned.pk).status == Status.RETURNED_TO_APPLICANT


def test_resubmission_refuses_200_mb_before_reading(flow, returned):
    response = Client().post(
        f"/applications/track/{returned.tracking_code}/resubmit/",
        {"applicant_nik": "x"},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert Application.objects.get(pk=returned.pk).status == Status.RETURNED_TO_APPLICANT
