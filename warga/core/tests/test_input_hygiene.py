"""Bad input never causes a server error: control characters, out-of-range numbers and dates,
unknown API paths, error pages without collected static files."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NIK = "3214010101900001"


def _json(client: Client, path: str, body: object):
    return client.post(path, json.dumps(body), content_type="application/json")


def _assert_error_schema(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) >= {"code", "message"} and data["message"]
    if code:
        assert data["code"] == code
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications?status=%00",
        "/api/v1/applications?service_code=KTP%00",
        "/api/v1/boards/announcements?q=%01",
        "/api/v1/broadcasts?status=%00",
        "/api/v1/reports/?status=%00",
        "/api/v1/account/tokens?page=1%00",
    ],
)
def test_nul_in_query_is_422(cast, client_for, path):
    response = client_for(cast.dukcapil).get(path)
    _assert_error_schema(response, 422, "invalid_characters")


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/residents/lookup", {"nik": NIK + "\u0000"}),
        ("/api/v1/families/lookup", {"kk": "\u0000"}),
        ("/api/v1/residents/search", {"q": "Siti\u0007"}),
        ("/api/v1/residents/search", {"q": "\ud800"}),
        ("/api/v1/residents/search", {"q\u0000": "Siti"}),
    ],
)
def test_control_character_in_json_body_is_422(cast, client_for, path, body):
    response = _json(client_for(cast.dukcapil), path, body)
    _assert_error_schema(response, 422, "invalid_characters")


def test_free_text_keeps_line_breaks_and_tabs(cast, client_for):
    response = _json(client_for(cast.dukcapil), "/api/v1/residents/search", {"q": "Siti\tAminah\r\n"})
    assert response.status_code == 200, response.content[:300]


def test_deeply_nested_json_is_422(cast, client_for):
    body = "[" * 100_000 + "]" * 100_000
    response = client_for(cast.dukcapil).post(
        "/api/v1/residents/search", body, content_type="application/json"
    )
    _assert_error_schema(response, 422)


def test_nul_in_path_is_422(cast, client_for):
    response = client_for(cast.dukcapil).get("/api/v1/track/AB%00CD")
    _assert_error_schema(response, 422, "invalid_characters")


def test_nul_in_header_is_422(cast, client_for):
    response = client_for(None).get("/api/v1/track/ABCD", HTTP_AUTHORIZATION="Bearer abc\x00def")
    _assert_error_schema(response, 422, "invalid_characters")


def test_nul_in_page_form_and_query_is_a_translated_400_page(cast, client_for):
    client = client_for(cast.kec_officer)
    response = client.get("/registry/?q=%00")
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in response.content.decode()
    response = client.post("/registry/", {"q": "Siti\x00"})  # multipart
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in response.content.decode()
    response = client.post("/registry/", "q=Siti%01", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_huge_page_number_is_422(cast, client_for):
    response = client_for(cast.dukcapil).get("/api/v1/account/tokens?page=9223372036854775807")
    _assert_error_schema(response, 422)


def test_page_number_on_pages_never_fails(cast, client_for):
    response = client_for(cast.dukcapil).get("/cards/import/?page=9223372036854775807")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01&end=0001-01-02", "start=0001-01-01"])
def test_far_dates_are_422(cast, client_for, query):
    response = client_for(cast.dukcapil).get(f"/api/v1/applications/stats?{query}")
    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 422:
        _assert_error_schema(response, 422)


def test_far_end_date_is_422(cast, client_for):
    response = client_for(cast.dukcapil).get("/api/v1/applications/stats?end=9999-12-31")
    _assert_error_schema(response, 422, "out_of_range")


def test_unknown_api_path_is_404_json(cast, client_for):
    for client in (client_for(None), client_for(cast.dukcapil)):
        _assert_error_schema(client.get("/api/v1/anything-unknown"), 404, "not_found")
        _assert_error_schema(client.post("/api/v1/anything/else", {}), 404, "not_found")


MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_error_pages_work_without_collected_static_files(cast, client_for, tmp_path, settings):
    settings.STORAGES = MANIFEST
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path  # nothing collected here: no manifest
    client = client_for(None)
    client.raise_request_exception = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()
    response = client_for(cast.kec_officer).get("/registry/?q=%00")
    assert response.status_code == 400


def test_board_announcement_with_a_time_without_zone_is_not_a_server_error(cast, client_for):
    body = {"desa_codes": [cast.desa.code], "text": "Posyandu", "starts_at": "2026-01-01T00:00:00Z"}
    client = client_for(cast.dukcapil)
    response = _json(client, "/api/v1/boards/announcements", {**body, "ends_at": "9999-12-31"})
    _assert_error_schema(response, 422)
    response = _json(client, "/api/v1/boards/announcements", {**body, "ends_at": "9999-12-31T23:59:59-12:00"})
    _assert_error_schema(response, 422)
