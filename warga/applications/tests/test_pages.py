"""Pages: permission grid, the counter and scan station, the public form, tracking, verification."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from warga.applications.models import Application, Attachment, OfficeMode, OfficeRollout, Status
from warga.applications.selectors import document_token
from warga.messaging.models import SmsMessage

from .conftest import birth_data, jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

GRID = ("anonymous", "outsider", "kec_officer", "dukcapil", "admin")


def grid(cast, client_for, url):
    result = {}
    for name in GRID:
        user = getattr(cast, name) if name != "anonymous" else None
        response = client_for(user).get(url)
        result[name] = (
            302 if response.status_code == 302 and "/login/" in response["Location"] else response.status_code
        )
    return result


def test_officer_pages_grid(cast, client_for, flow):
    app = flow.submit()
    assert grid(cast, client_for, "/applications/") == {
        "anonymous": 302,
        "outsider": 200,
        "kec_officer": 200,
        "dukcapil": 200,
        "admin": 403,
    }
    assert grid(cast, client_for, f"/applications/{app.pk}/") == {
        "anonymous": 302,
        "outsider": 404,
        "kec_officer": 200,
        "dukcapil": 200,
        "admin": 403,
    }
    assert grid(cast, client_for, "/applications/new/") == {
        "anonymous": 302,
        "outsider": 200,
        "kec_officer": 200,
        "dukcapil": 403,
        "admin": 403,
    }
    assert grid(cast, client_for, "/applications/stats/") == {
        "anonymous": 302,
        "outsider": 200,
        "kec_officer": 403,
        "dukcapil": 200,
        "admin": 403,
    }
    assert grid(cast, client_for, "/applications/services/") == {
        "anonymous": 302,
        "outsider": 403,
        "kec_officer": 403,
        "dukcapil": 403,
        "admin": 200,
    }
    assert grid(cast, client_for, "/applications/services/akta-lahir/") == {
        "anonymous": 302,
        "outsider": 403,
        "kec_officer": 403,
        "dukcapil": 403,
        "admin": 200,
    }
    assert grid(cast, client_for, "/applications/rollout/") == {
        "anonymous": 302,
        "outsider": 403,
        "kec_officer": 403,
        "dukcapil": 403,
        "admin": 200,
    }
    assert grid(cast, client_for, "/applications/paper/") == {
        "anonymous": 302,
        "outsider": 200,
        "kec_officer": 200,
        "dukcapil": 200,
        "admin": 403,
    }
    assert grid(cast, client_for, f"/applications/{app.pk}/receipt.pdf") == {
        "anonymous": 302,
        "outsider": 404,
        "kec_officer": 200,
        "dukcapil": 200,
        "admin": 403,
    }


def test_queue_shows_overdue_first_and_filters(cast, client_for, flow):
    from datetime import timedelta

    from django.utils import timezone

    first = flow.submit(child_name="Anak Pertama")
    late = flow.submit(child_name="Anak Kedua")
    Application.objects.filter(pk=late.pk).update(stage_due_on=timezone.localdate() - timedelta(days=3))
    page = client_for(cast.kec_verifier).get("/applications/").content.decode()
    assert page.index(late.tracking_code) < page.index(first.tracking_code)
    assert "table-danger" in page
    only = client_for(cast.kec_verifier).get("/applications/?overdue=on&status=all").content.decode()
    assert late.tracking_code in only and first.tracking_code not in only
    by_code = (
        client_for(cast.kec_verifier)
        .get(f"/applications/?code={first.tracking_code.lower()}&status=all")
        .content.decode()
    )
    assert first.tracking_code in by_code and late.tracking_code not in by_code
    assert (
        late.tracking_code in client_for(cast.kec_verifier).get("/").content.decode()
    )  # home panel lists overdue


def test_counter_scan_station_flow(cast, client_for, flow):
    officer = client_for(cast.kec_officer)
    page = officer.get("/applications/new/?service=akta-lahir").content.decode()
    assert "Gratis" in page
    data = {f"d-{k}": v for k, v in birth_data(flow.household).items()}
    response = officer.post(
        "/applications/new/",
        {"service": "akta-lahir", "a-applicant_nik": flow.household.head.nik, "a-phone": "", **data},
    )
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.status == Status.DRAFT and app.channel == "counter"
    for code, content in (("skl", jpeg_bytes()), ("kk", pdf_bytes())):
        r = officer.post(
            f"/applications/{app.pk}/attach/{code}/", {"file": SimpleUploadedFile("scan.bin", content)}
        )
        assert r.status_code == 302
    scan = Attachment.objects.get(requirement="skl")
    from django.core.files.storage import default_storage
    from PIL import Image

    with default_storage.open(scan.file.name) as fh, Image.open(fh) as image:
        assert max(image.size) <= 2000 and not image.getexif()
    assert "scan" not in scan.file.name and len(scan.file.name.split("/")[-1]) > 30
    r = officer.post(f"/applications/{app.pk}/transition/", {"action": "lodge", "version": app.version})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    # the message names the file and where it now stands, not the button that was pressed
    shown = officer.get(r["Location"]).content.decode()
    assert f"Permohonan {app.tracking_code} kini: {app.get_status_display()}." in shown
    r = client_for(cast.outsider).post(f"/applications/{app.pk}/transition/", {"action": "verify"})
    assert r.status_code == 404


def test_scan_refused_when_disguised_or_huge(cast, client_for, flow):
    app = flow.submit(draft=True)
    officer = client_for(cast.kec_officer)
    exe = b"MZ\x90\x00" + b"\x00" * 200
    r = officer.post(
        f"/applications/{app.pk}/attach/skl/",
        {"file": SimpleUploadedFile("akta.pdf", exe, content_type="application/pdf")},
        follow=True,
    )
    assert "bukan dokumen PDF, JPEG, atau PNG" in r.content.decode()
    r = officer.post(
        f"/applications/{app.pk}/attach/skl/",
        {"file": SimpleUploadedFile("a.pdf", b"x")},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        follow=True,
    )
    assert "terlalu besar" in r.content.decode()
    assert Attachment.objects.count() == 0


def test_online_form_flow_with_scans_and_sms(client, flow):
    page = client.get("/applications/apply/").content.decode()
    assert "Akta kelahiran" in page and "Gratis" in page
    data = {f"d-{k}": v for k, v in birth_data(flow.household).items()}
    response = client.post(
        "/applications/apply/akta-lahir/",
        {
            "applicant_nik": flow.household.head.nik,
            "phone": "0812-3456-7890",
            **data,
            "doc-skl": SimpleUploadedFile("skl.jpg", jpeg_bytes((800, 600))),
            "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get()
    assert app.channel == "online" and app.status == Status.SUBMITTED and app.attachments.count() == 2
    done = client.get(response["Location"]).content.decode()
    assert app.tracking_code in done
    assert client.get("/applications/apply/receipt.pdf").content.startswith(b"%PDF")
    assert Client().get("/applications/apply/receipt.pdf").status_code == 404  # another browser gets nothing
    sms = SmsMessage.objects.get()
    assert app.tracking_code in sms.text and sms.to.endswith("81234567890")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"applicant_nik": "3214011705800999"}, "tidak terdaftar"),
        ({"d-mother_nik": "3214010302830099"}, "tidak terdaftar"),
        ({"doc-skl": None}, "Dokumen wajib belum dilampirkan"),
        ({"doc-skl": SimpleUploadedFile("skl.pdf", b"MZ\x90\x00" + b"\x00" * 100)}, "bukan dokumen PDF"),
    ],
)
def test_online_form_bad_input_changes_nothing(client, flow, change, message):
    form = {
        "applicant_nik": flow.household.head.nik,
        "phone": "081234567890",
        **{f"d-{k}": v for k, v in birth_data(flow.household).items()},
        "doc-skl": SimpleUploadedFile("skl.png", png_bytes()),
        "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
    }
    form.update(change)
    form = {k: v for k, v in form.items() if v is not None}
    response = client.post("/applications/apply/akta-lahir/", form)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert (
        Application.objects.count() == 0
        and Attachment.objects.count() == 0
        and SmsMessage.objects.count() == 0
    )


def test_online_form_refuses_200_mb_before_reading(client, flow):
    response = client.post(
        "/applications/apply/akta-lahir/", {"applicant_nik": "x"}, CONTENT_LENGTH=str(200 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "terlalu besar" in response.content.decode()


def test_online_refused_for_training_office(client, flow, cast):
    OfficeRollout.objects.create(unit_id=cast.kec_officer.unit_id, mode=OfficeMode.TRAINING)
    form = {
        "applicant_nik": flow.household.head.nik,
        "phone": "081234567890",
        **{f"d-{k}": v for k, v in birth_data(flow.household).items()},
        "doc-skl": SimpleUploadedFile("skl.png", png_bytes()),
        "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
    }
    response = client.post("/applications/apply/akta-lahir/", form)
    assert response.status_code == 422 and "belum menerima permohonan daring" in response.content.decode()


def test_tracking_page_and_rate_limit(client, flow, settings):
    app = flow.to("verified")
    r = client.post("/applications/track/", {"code": app.tracking_code.lower()})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "Diverifikasi kecamatan" in page and "B*** S******" in page
    assert flow.household.head.nik not in page and "Budi Santoso" not in page
    assert client.get("/applications/track/ZZZZZZZZZZ/").status_code == 404
    settings.APPLICATIONS_RATE_LIMITS = {"track": (2, 600)}
    client.get("/applications/track/ZZZZZZZZZZ/")
    client.get("/applications/track/ZZZZZZZZZZ/")
    response = client.get(f"/applications/track/{app.tracking_code}/")
    assert response.status_code == 429 and "Diverifikasi kecamatan" not in response.content.decode()


def test_verification_page(client, flow):
    app = flow.to("issued")
    number, token = app.document_number, document_token(app.document_number)
    page = client.get(f"/applications/verify/{number}/{token}/").content.decode()
    assert "Dokumen asli" in page and "P**** A** L******" in page and "Putri" not in page
    forged = client.post("/applications/verify/", {"number": number, "token": "x" * 27}).content.decode()
    assert "Tidak terverifikasi" in forged


def test_detail_shows_new_family_member_after_approval(cast, client_for, flow):
    app = flow.to("approved")
    page = client_for(cast.kec_officer).get(f"/applications/{app.pk}/").content.decode()
    assert "Putri Ayu Lestari" in page and 'id="family-members"' in page


def test_catalogue_edit_page(cast, client_for, catalogue):
    admin = client_for(cast.admin)
    page = admin.get("/applications/services/akta-lahir/").content.decode()
    assert "skl |" in page
    form = {
        "name": "Akta kelahiran",
        "name_en": "Birth certificate",
        "description": "",
        "is_active": "on",
        "channels": ["counter", "online"],
        "target_days_kecamatan": 1,
        "target_days_disdukcapil": 2,
        "target_days_return": 1,
        "target_days_total": 5,
        "form_schema": "not json",
        "requirements": "skl | Surat keterangan lahir | yes",
    }
    assert "bukan JSON" in admin.post("/applications/services/akta-lahir/", form).content.decode()
    form["form_schema"] = '[{"name": "child_name", "type": "text", "label": "Nama anak"}]'
    assert admin.post("/applications/services/akta-lahir/", form).status_code == 302
    from warga.applications.models import Service

    service = Service.objects.get(code="akta-lahir")
    assert service.channels == ["counter", "online"] and list(
        service.requirements.values_list("code", flat=True)
    ) == ["skl"]
