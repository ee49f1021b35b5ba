"""Status files: an XLSX bomb is refused in the request before parsing; every file is parsed in
the task worker, within a time limit."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from warga.cards.models import KtpCard, StatusImport
from warga.core.tests.bombs import xlsx_bomb

pytestmark = pytest.mark.django_db


def test_xlsx_bomb_refused_fast_on_the_import_page_and_api(cast, client_for):
    bomb = xlsx_bomb()
    client = client_for(cast.dukcapil)
    client.get(reverse("cards:import"))
    started = time.monotonic()
    response = client.post(reverse("cards:import"), {"file": SimpleUploadedFile("s.xlsx", bomb)})
    assert time.monotonic() - started < 3
    assert "tidak dapat dibaca dengan aman" in response.content.decode()
    started = time.monotonic()
    response = client.post("/api/v1/cards/imports", {"file": SimpleUploadedFile("s.xlsx", bomb)})
    assert time.monotonic() - started < 3
    assert response.status_code == 422 and response.json()["code"] == "workbook.too_large"
    assert StatusImport.objects.count() == 0


def test_declared_rows_over_the_limit_refused(cast, client_for):
    workbook = xlsx_bomb(rows=2, dimension="A1:C900000")
    response = client_for(cast.dukcapil).post(
        "/api/v1/cards/imports", {"file": SimpleUploadedFile("s.xlsx", workbook)}
    )
    assert response.status_code == 422 and response.json()["code"] == "workbook.too_many_rows"
    assert StatusImport.objects.count() == 0


def test_parse_stops_at_the_time_limit(cast, client_for, settings, django_capture_on_commit_callbacks):
    settings.CARDS_IMPORT_TIME_LIMIT = 0
    day = timezone.localdate().isoformat()
    content = ("nik,status,date\n" + "".join(f"32140101019{i:05d},PRR,{day}\n" for i in range(5000))).encode()
    client = client_for(cast.dukcapil)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/cards/imports", {"file": SimpleUploadedFile("s.csv", content)})
    result = client.get(f"/api/v1/cards/imports/{response.json()['id']}").json()
    assert result["state"] == "rejected"
    assert "lebih lama dari 0 detik" in result["errors"][0]["message"]
    assert not KtpCard.objects.exists()
    assert not StatusImport.objects.get().file  # the upload is not kept
