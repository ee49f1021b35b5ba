"""A small image declaring billions of pixels is refused from its header, on every upload path."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from warga.applications.models import Application, Attachment
from warga.core.tests.bombs import png_bomb

from .conftest import birth_data, png_bytes

pytestmark = pytest.mark.django_db


def _online_form(flow, skl: bytes) -> dict:
    return {
        "applicant_nik": flow.household.head.nik,
        "phone": "081234567890",
        **{f"d-{k}": v for k, v in birth_data(flow.household).items()},
        "doc-skl": SimpleUploadedFile("skl.png", skl),
        "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
    }


def test_pixel_bomb_refused_on_anonymous_online_application(client, flow):
    bomb = png_bomb()
    assert len(bomb) < 30_000
    client.get("/applications/apply/akta-lahir/")  # the first request loads the URLs: not timed
    started = time.monotonic()
    response = client.post("/applications/apply/akta-lahir/", _online_form(flow, bomb))
    elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert "50 megapiksel" in response.content.decode()
    assert elapsed < 3, elapsed
    assert Application.objects.count() == 0 and Attachment.objects.count() == 0


def test_pixel_bomb_refused_on_officer_scan(cast, client_for, flow):
    app = flow.submit(draft=True)
    response = client_for(cast.kec_officer).post(
        f"/applications/{app.pk}/attach/skl/",
        {"file": SimpleUploadedFile("skl.png", png_bomb())},
        follow=True,
    )
    assert "50 megapiksel" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_pixel_bomb_refused_on_api_upload(cast, client_for, flow):
    app = flow.submit(draft=True)
    response = client_for(cast.kec_officer).post(
        f"/api/v1/applications/{app.pk}/documents/skl", png_bomb(), content_type="image/png"
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["code"] == "image_too_large"
    assert Attachment.objects.count() == 0


def test_png_above_the_decoded_budget_is_refused_but_a_large_jpeg_is_reduced(
    cast, client_for, flow, settings
):
    settings.IMAGE_MAX_DECODED_PIXELS = 1_000_000
    app = flow.submit(draft=True)
    officer = client_for(cast.kec_officer)
    big_png = png_bytes((1200, 1000))
    response = officer.post(
        f"/applications/{app.pk}/attach/skl/", {"file": SimpleUploadedFile("skl.png", big_png)}, follow=True
    )
    assert "1 megapiksel" in response.content.decode()
    jpeg = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(jpeg, "JPEG")
    response = officer.post(
        f"/applications/{app.pk}/attach/skl/", {"file": SimpleUploadedFile("skl.jpg", jpeg.getvalue())}
    )
    stored = Attachment.objects.get()
    with Image.open(stored.file) as kept:
        assert max(kept.size) == 2000


def test_online_uploads_are_rate_limited_per_address(client, flow, settings):
    settings.APPLICATIONS_RATE_LIMITS = {"apply": (2, 3600)}
    for _ in range(2):
        assert (
            client.post("/applications/apply/akta-lahir/", _online_form(flow, png_bomb())).status_code == 422
        )
    response = client.post("/applications/apply/akta-lahir/", _online_form(flow, png_bomb()))
    assert response.status_code == 429


@pytest.fixture
def returned_online(flow):
    from django.test import Client

    response = Client().post("/applications/apply/akta-lahir/", _online_form(flow, png_bytes()))
    assert response.status_code == 302
    app = Application.objects.get()
    return flow.step(app, "return_to_applicant", "kec_verifier", reason="SKL tidak terbaca")


def test_resubmission_refuses_a_pixel_bomb_and_is_rate_limited(flow, returned_online, settings):
    from .test_resubmit_online import resubmit

    settings.APPLICATIONS_RATE_LIMITS = {"track": (100, 600), "resubmit": (2, 3600)}
    nik = flow.household.head.nik
    for _ in range(2):
        response = resubmit(returned_online, nik, skl=png_bomb())
        assert response.status_code == 422 and "50 megapiksel" in response.content.decode()
    assert resubmit(returned_online, nik, skl=png_bomb()).status_code == 429
    assert Attachment.objects.filter(application=returned_online).count() == 2  # the original scans
