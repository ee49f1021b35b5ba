"""An XLSX bomb is refused from the zip's central directory and the sheet's declared size,
before openpyxl parses anything, so the upload request returns at once."""

from __future__ import annotations

import io
import time

import pytest

from warga.core.tests.bombs import xlsx_bomb
from warga.imports.export import HEADERS
from warga.imports.models import ImportBatch

pytestmark = pytest.mark.django_db

UPLOAD = "/registry/import/"


def _upload(client, content: bytes):
    file = io.BytesIO(content)
    file.name = "data.xlsx"
    return client.post(UPLOAD, {"file": file, "mode": "valid-rows"})


def test_xlsx_bomb_refused_fast_on_register_import(cast, client_for):
    bomb = xlsx_bomb(header=list(HEADERS))
    assert len(bomb) < 3 * 1024 * 1024
    client = client_for(cast.kec_verifier)
    client.get(UPLOAD)
    started = time.monotonic()
    response = _upload(client, bomb)
    elapsed = time.monotonic() - started
    assert "tidak dapat dibaca dengan aman" in response.content.decode()
    assert elapsed < 3, elapsed
    assert ImportBatch.objects.count() == 0


def test_declared_rows_over_the_limit_refused_before_parsing(cast, client_for, settings):
    settings.IMPORT_MAX_ROWS = 10
    workbook = xlsx_bomb(rows=3, header=list(HEADERS), dimension="A1:C500000")
    response = _upload(client_for(cast.kec_verifier), workbook)
    assert "paling banyak 10" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_uncompressed_size_over_the_limit_refused(cast, client_for, settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED = 10_000
    workbook = xlsx_bomb(rows=300, header=list(HEADERS))
    response = _upload(client_for(cast.kec_verifier), workbook)
    assert "tidak dapat dibaca dengan aman" in response.content.decode()
    assert ImportBatch.objects.count() == 0
