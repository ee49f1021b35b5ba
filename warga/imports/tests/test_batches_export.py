"""The imports list's export and print view: the officer's area only, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.imports.models import ImportBatch

pytestmark = pytest.mark.django_db

HEADER = ["#", "Berkas", "Status", "Jumlah baris", "Diunggah", "Diunggah oleh"]


def _batch(area, user, name: str) -> ImportBatch:
    return ImportBatch.objects.create(
        file="imports/x.csv",
        file_name=name,
        file_sha256=name.ljust(64, "0")[:64],
        file_format="csv",
        layout="simple",
        mode="valid-rows",
        area=area,
        created_by=user,
        rows_expected=12,
    )


@pytest.fixture
def batches(cast):
    return _batch(cast.kecamatan, cast.kec_verifier, "purwakarta.csv"), _batch(
        cast.other_kecamatan, cast.outsider, "lain.csv"
    )


def _page() -> str:
    return reverse("imports:upload")


def test_csv_and_xlsx_list_the_batches_of_the_area(cast, client_for, batches):
    rows = csv_rows(client_for(cast.kec_verifier).get(_page(), {"format": "csv"}))
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == ["purwakarta.csv"] and rows[1][3] == "12"
    assert rows[1][5] == "Kec_Verifier"
    book = xlsx_rows(client_for(cast.outsider).get(_page(), {"format": "xlsx"}))
    assert list(book[0]) == HEADER and [r[1] for r in book[1:]] == ["lain.csv"]
    everything = csv_rows(client_for(cast.dukcapil).get(_page(), {"format": "csv"}))
    assert {"purwakarta.csv", "lain.csv"} <= {r[1] for r in everything[1:]}
    audits = export_audits("imports.batches.export")
    assert audits[:2] == [
        {"format": "csv", "rows": 1, "filters": {}},
        {"format": "xlsx", "rows": 1, "filters": {}},
    ]


def test_print_view(cast, client_for, batches):
    answer = client_for(cast.kec_verifier).get(_page(), {"format": "print"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Impor terakhir" in page and "purwakarta.csv" in page and "lain.csv" not in page
    assert export_audits("imports.batches.export")[-1]["format"] == "print"


def test_the_page_has_the_buttons_and_a_role_without_import_is_refused(cast, client_for, batches):
    assert "format=csv" in client_for(cast.kec_verifier).get(_page()).content.decode()
    for fmt in ("csv", "xlsx", "print"):
        assert client_for(cast.kec_officer).get(_page(), {"format": fmt}).status_code == 403
    assert not export_audits("imports.batches.export")
