"""A residents search's export and print view: its own capability, the search's filters posted
(no name or NIK in a URL), the officer's area, the columns of the results list, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db

ACTION = "registry.residents.export"
HEADER = [
    "NIK",
    "Nama lengkap",
    "Jenis kelamin",
    "Tanggal lahir",
    "Desa/kelurahan",
    "RW",
    "RT",
    "Nomor KK",
    "Status",
]


def _export(client, **data):
    return client.post(reverse("registry:search_export"), data)


def test_csv_lists_the_desa_with_the_columns_of_the_results(cast, client_for, household, far_household):
    rows = csv_rows(_export(client_for(cast.kec_officer), format="csv", desa=cast.desa.code))
    assert rows[0] == HEADER
    by_nik = {r[0]: r for r in rows[1:]}
    assert set(by_nik) == {household.head.nik, household.wife.nik, household.child.nik}
    head = by_nik[household.head.nik]
    assert head[1] == "Budi Santoso" and head[3] == "1980-05-17"
    assert (head[5], head[6], head[7]) == ("1", "2", household.family.kk_number)
    assert far_household.head.nik not in by_nik
    assert export_audits(ACTION) == [{"format": "csv", "rows": 3, "filters": {"desa": cast.desa.code}}]


def test_xlsx_of_a_name_search_keeps_the_name_out_of_the_audit(cast, client_for, household, far_household):
    book = xlsx_rows(_export(client_for(cast.kec_officer), format="xlsx", q="Rizky Ramadhan"))
    assert list(book[0]) == HEADER
    assert far_household.child.nik not in [r[0] for r in book[1:]]  # another kecamatan
    audit = export_audits(ACTION)[-1]
    assert audit["format"] == "xlsx" and audit["filters"] == {"q": True}
    assert "Rizky" not in str(audit)


def test_print_view_with_the_filters(cast, client_for, household):
    answer = _export(client_for(cast.desa_operator), format="print", desa=cast.desa.code, sex="F")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert "Penduduk" in page and "Siti Nurhasanah" in page and "Budi Santoso" not in page
    assert f"Desa/kelurahan: {cast.desa.name}" in page or cast.desa.name in page
    assert "Jenis kelamin: " in page
    assert 'href="/registry/"' in page
    assert export_audits(ACTION)[-1] == {
        "format": "print",
        "rows": 1,
        "filters": {"desa": cast.desa.code, "sex": "F"},
    }


def test_an_officer_of_another_area_gets_only_their_residents(cast, client_for, household, far_household):
    client = client_for(cast.outsider)
    refused = _export(client, format="csv", desa=cast.desa.code)  # not a desa of the outsider's area
    assert refused.status_code == 302 and refused["Location"] == "/registry/"
    rows = csv_rows(_export(client, format="csv", desa=cast.other_desa.code))
    niks = {r[0] for r in rows[1:]}
    assert far_household.head.nik in niks and household.head.nik not in niks
    named = csv_rows(_export(client, format="csv", q="Budi Santoso"))
    assert household.head.nik not in {r[0] for r in named[1:]}


@pytest.mark.parametrize("who", ["printer", "outreach", "admin"])
def test_a_role_without_the_capability_is_refused(cast, client_for, household, who):
    client = client_for(getattr(cast, who))
    for fmt in ("csv", "xlsx", "print"):
        assert _export(client, format=fmt, desa=cast.desa.code).status_code == 403
    assert not export_audits(ACTION)


def test_the_results_carry_the_buttons_and_no_name_goes_into_a_url(cast, client_for, household):
    page = (
        client_for(cast.kec_officer).post(reverse("registry:search"), {"q": "Budi Santoso"}).content.decode()
    )
    assert 'action="/registry/export/"' in page and 'value="xlsx"' in page
    assert "?q=" not in page and "format=" not in page
    printer = (
        client_for(cast.printer).post(reverse("registry:search"), {"q": "Budi Santoso"}).content.decode()
    )
    assert "Budi Santoso" in printer and "/registry/export/" not in printer
    assert client_for(cast.kec_officer).get(reverse("registry:search_export")).status_code == 405
