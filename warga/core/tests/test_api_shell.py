import inspect
import json
import re
from typing import Any

import pytest
from ninja.errors import Throttled

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


# Operations with a path parameter that never answer 404, and why.
NEVER_404 = {
    ("get", "/api/v1/verify/{number}"): "an unknown number is answered `genuine: false`, like a forged one",
}
RATE_LIMITED = re.compile(r"\bThrottled\b|rate_limit|over_limit")


def required_4xx(method: str, path: str, spec: dict, operation: Any) -> dict[int, str]:
    """The 4xx answers an operation can give, read from what it is: each with the reason."""
    from warga.core.permissions import access_of

    access = access_of(operation.view_func)
    assert access is not None, f"{method.upper()} {path} declares no access"
    needed: dict[int, str] = {}
    if "{" in path and (method, path) not in NEVER_404:
        needed[404] = "a path parameter can name nothing the caller may see"
    if not access.public:
        needed[401] = "it needs a login or a token"
    if access.capabilities or access.also:
        needed[403] = f"it needs {access.describe()}"
    if spec.get("requestBody") or spec.get("parameters"):
        needed[422] = "its input can be malformed"
    if method == "post":
        needed[409] = "an Idempotency-Key reused with another body is refused"
    if RATE_LIMITED.search(inspect.getsource(inspect.unwrap(operation.view_func))):
        needed[429] = "it is rate-limited"
    return needed


def declared_4xx(spec: dict) -> set[int]:
    return {int(code) for code in spec["responses"] if 400 <= int(code) < 500}


def test_every_operation_declares_the_4xx_it_can_return(client):
    from warga.core.tests.test_permission_grid import _operations

    schema = client.get("/api/v1/openapi.json").json()
    operations = _operations()
    missing = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            declared = declared_4xx(spec)
            for status, reason in required_4xx(method, path, spec, operations[(path, method)]).items():
                if status not in declared and not (status == 422 and 400 in declared):
                    missing.append(f"{method.upper()} {path}: {status} ({reason})")
    assert not missing, "undeclared 4xx answers:\n" + "\n".join(missing)


def test_the_4xx_meta_test_reads_what_an_operation_is():
    """What each kind of operation is required to declare."""
    from types import SimpleNamespace

    from warga.core import permissions

    before = len(permissions._USES)
    try:

        @permissions.requires("registry.edit")
        def write(request: Any, resident_id: int) -> None:
            return None

        @permissions.public
        def lookup(request: Any) -> None:
            raise Throttled(wait=60)

        @permissions.login_only
        def listing(request: Any) -> None:
            return None
    finally:
        del permissions._USES[before:]
    body = {"requestBody": {"content": {}}, "responses": {"201": {}}}
    query = {"parameters": [{"name": "page", "in": "query"}], "responses": {"200": {}}}

    def needed(method: str, path: str, spec: dict, view: Any) -> set[int]:
        return set(required_4xx(method, path, spec, SimpleNamespace(view_func=view)))

    assert needed("post", "/api/v1/x/{resident_id}", body, write) == {401, 403, 404, 409, 422}
    assert needed("get", "/api/v1/x", {"responses": {}}, lookup) == {429}
    assert needed("get", "/api/v1/x", query, listing) == {401, 422}
    assert needed("get", "/api/v1/verify/{number}", {"responses": {}}, lookup) == {429}


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
