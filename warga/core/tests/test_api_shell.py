import json
import re

import pytest

from warga.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/account/tokens"


def test_malformed_json_is_422_naming_the_problem(cast, client_for):
    response = client_for(cast.kec_officer).post(TOKENS, "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert not ApiToken.objects.exists()


def test_wrong_field_type_names_the_field(cast, client_for):
    response = client_for(cast.kec_officer).post(
        TOKENS, {"name": "x", "expires_in_days": "lama"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert "expires_in_days" in body["message"]
    assert body["details"][0]["field"] == "expires_in_days"


def test_errors_follow_accept_language(cast, client_for):
    client = client_for(cast.kec_officer)
    indonesian = client.post(TOKENS, {"name": ""}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="id")
    english = client.post(TOKENS, {"name": ""}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert indonesian.json()["message"].startswith("Masukan tidak valid")
    assert english.json()["message"].startswith("Invalid input")


def test_idempotency_key_replays_same_answer(cast, client_for):
    client = client_for(cast.kec_officer)
    first = client.post(TOKENS, {"name": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(TOKENS, {"name": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.count() == 1


def test_idempotency_key_with_other_body_is_409(cast, client_for):
    client = client_for(cast.kec_officer)
    client.post(TOKENS, {"name": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(TOKENS, {"name": "y"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_mismatch"
    assert ApiToken.objects.count() == 1


def test_idempotency_keys_are_per_caller(cast, client_for):
    client_for(cast.kec_officer).post(
        TOKENS, {"name": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    other = client_for(cast.outsider).post(
        TOKENS, {"name": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 201
    assert ApiToken.objects.count() == 2


def test_failed_request_with_key_can_be_retried(cast, client_for):
    client = client_for(cast.kec_officer)
    bad = client.post(TOKENS, {"name": ""}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 422
    again = client.post(TOKENS, {"name": ""}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert again.status_code == 422


def test_every_operation_declares_its_4xx(client):
    schema = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "422" not in codes:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"operations without declared 4xx: {missing}"


def test_authenticated_operations_declare_401(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert "401" in operation["responses"], f"{method.upper()} {path} must declare 401"


def test_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    external = [
        u
        for u in re.findall(r"""(?:src|href)=["']([^"']+)""", html)
        if u.startswith(("http:", "https:", "//"))
    ]
    assert external == []
    assert "/static/ninja/swagger-ui-bundle" in html


def test_openapi_is_valid_json_with_bearer_auth(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert schema["info"]["title"] == "Warga API"
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
