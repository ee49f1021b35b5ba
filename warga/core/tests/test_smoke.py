import pytest

pytestmark = pytest.mark.django_db


def test_home_is_the_residents_portal_for_a_visitor(regions, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "cards" in response.context and "panels" not in response.context


def test_home_for_officer(cast, client_for):
    response = client_for(cast.kec_officer).get("/")
    assert response.status_code == 200
    assert "Kec_Officer" in response.content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["queue"]) == ("ok", "ok", "ok")
    assert body["sms"]["status"] == "ok"


def test_region_api(regions, client):
    response = client.get("/api/v1/regions/3214")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "32.14" and body["type"] == "kabupaten" and body["children_count"] == 17


def test_region_api_unknown(regions, client):
    response = client.get("/api/v1/regions/99.99")
    assert response.status_code == 404
    assert response.json()["code"] == "region.unknown"


def test_favicon_and_touch_icon_are_served(client):
    for path, content_type in (("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(content_type)
        assert b"".join(response.streaming_content if response.streaming else [response.content])
