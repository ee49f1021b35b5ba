from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from warga.accounts.models import ApiToken
from warga.audit.models import AuditLog

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_from_command_authenticates_and_is_hashed(cast, client):
    out = StringIO()
    call_command("create_api_token", "dukcapil", "--name", "SIAK bridge", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("wrg_")
    assert not ApiToken.objects.filter(key_hash=raw).exists()  # only the hash is stored
    response = client.get("/api/v1/account/me", **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "dukcapil" and body["area_code"] == "32.14"
    assert "disdukcapil_verifier" in body["roles"]


def test_token_created_in_ui_shown_once(cast, client_for):
    client = client_for(cast.kec_officer)
    response = client.post("/account/tokens/", {"name": "Laporan harian"})
    assert response.status_code == 200
    html = response.content.decode()
    token = ApiToken.objects.get(user=cast.kec_officer)
    assert token.key_prefix in html and 'data-testid="new-token"' in html
    again = client.get("/account/tokens/").content.decode()
    assert 'data-testid="new-token"' not in again


def test_token_create_validation(cast, client_for):
    response = client_for(cast.kec_officer).post(
        "/api/v1/account/tokens", {"name": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not ApiToken.objects.exists()


def test_revoked_and_expired_tokens_refused(cast, client_for, client):
    api = client_for(cast.kec_officer)
    created = api.post("/api/v1/account/tokens", {"name": "x"}, content_type="application/json")
    assert created.status_code == 201
    raw, token_id = created.json()["key"], created.json()["id"]
    assert client.get("/api/v1/account/me", **bearer(raw)).status_code == 200
    assert api.post(f"/api/v1/account/tokens/{token_id}/revoke").status_code == 200
    refused = client.get("/api/v1/account/me", **bearer(raw))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    assert AuditLog.objects.filter(action="accounts.token_revoked").count() == 1

    created = api.post("/api/v1/account/tokens", {"name": "y"}, content_type="application/json").json()
    ApiToken.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/api/v1/account/me", **bearer(created["key"])).status_code == 401


def test_cannot_revoke_someone_elses_token(cast, client_for):
    theirs = client_for(cast.outsider).post(
        "/api/v1/account/tokens", {"name": "x"}, content_type="application/json"
    )
    response = client_for(cast.kec_officer).post(f"/api/v1/account/tokens/{theirs.json()['id']}/revoke")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.json()["id"]).revoked_at is None


def test_inactive_user_token_refused(cast, client):
    out = StringIO()
    call_command("create_api_token", "kec_officer", "--name", "x", stdout=out)
    cast.kec_officer.is_active = False
    cast.kec_officer.save()
    assert client.get("/api/v1/account/me", **bearer(out.getvalue().strip())).status_code == 401


def test_anonymous_api_is_401_with_error_schema(client):
    response = client.get("/api/v1/account/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}
