"""The residents' NIK check at /cek-nik/: the API's checks, POST only, CSRF, one rate limit with
the API, and bad input refused clearly."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/cek-nik/"
VALID = "3214015708900003"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def check(client: Client, nik: str, **extra):
    return client.post(URL, {"nik": nik}, **extra)


def test_the_page_is_public_light_and_posts(regions, client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Cek NIK · Warga</title>" in html and '<html lang="id">' in html
    assert '<form method="post" action="/cek-nik/"' in html and "csrfmiddlewaretoken" in html
    assert 'for="id_nik"' in html  # labelled field
    assert "htmx" not in html and "bootstrap-icons" not in html


def test_a_valid_nik(regions, client):
    response = check(client, VALID)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == URL and not response.request.get("QUERY_STRING")
    html = response.content.decode()
    assert "Susunan NIK ini benar." in html
    assert "Kec. Purwakarta, Kabupaten Purwakarta" in html
    assert "17 Agu 1990" in html and "Perempuan" in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_invalid_nik_names_each_reason_in_indonesian(regions, client):
    html = check(client, "3214993102990000").content.decode()
    assert "NIK ini tidak mungkin benar:" in html
    assert "Kode kecamatan 321499 tidak dikenal" in html
    assert "Tanggal lahir 310299 tidak ada" in html
    letters = check(client, "12ab").content.decode()
    assert "NIK ini tidak mungkin benar:" in letters and "angka" in letters


def test_the_page_gives_the_same_answer_as_the_api(regions, client):
    for nik in (VALID, "3214993102990000", "12ab"):
        body = client.post("/api/v1/nik/check", {"nik": nik}, content_type="application/json").json()
        page = check(client, nik)
        assert page.context["result"].check.valid is body["valid"]
        assert [e.code for e in page.context["result"].check.errors] == [e["code"] for e in body["errors"]]


def test_a_nik_in_the_query_string_is_ignored(regions, client):
    response = client.get(URL, {"nik": VALID})
    assert response.status_code == 200 and response.context["result"] is None
    assert 'value="3214015708900003"' not in response.content.decode()  # not taken into the form


def test_empty_and_very_long_input_get_a_clear_error(regions, client):
    empty = check(client, "   ")
    assert empty.status_code == 200 and "Ketik 16 angka NIK." in empty.content.decode()
    long = check(client, "3" * 100_000)
    assert long.status_code == 200
    assert "NIK terdiri dari 16 angka; yang diketik jauh lebih panjang." in long.content.decode()
    assert long.context["result"] is None


def test_nul_bytes_are_refused_with_a_clear_page(regions, client):
    response = client.post(
        URL, f"nik=3214%00{VALID}".encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in response.content.decode()


def test_csrf_is_required(regions):
    client = Client(enforce_csrf_checks=True)
    assert check(client, VALID).status_code == 403
    client.get(URL)
    token = client.cookies["csrftoken"].value
    assert client.post(URL, {"nik": VALID, "csrfmiddlewaretoken": token}).status_code == 200


def test_the_page_and_the_api_share_one_rate_limit(regions, client, settings):
    settings.NIK_CHECK_RATE_PER_MINUTE = 3
    address = {"REMOTE_ADDR": "10.0.0.9"}
    assert check(client, VALID, **address).status_code == 200
    api = client.post("/api/v1/nik/check", {"nik": VALID}, content_type="application/json", **address)
    assert api.status_code == 200
    assert check(client, VALID, **address).status_code == 200
    limited = check(client, VALID, **address)
    assert limited.status_code == 429
    assert "Terlalu banyak pemeriksaan" in limited.content.decode()
    assert "result" not in limited.context
    api = client.post("/api/v1/nik/check", {"nik": VALID}, content_type="application/json", **address)
    assert api.status_code == 429
    assert check(client, VALID, REMOTE_ADDR="10.0.0.10").status_code == 200


def test_in_english_when_chosen(regions, client):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    html = check(client, VALID).content.decode()
    assert "This NIK is built correctly." in html and "Female" in html
