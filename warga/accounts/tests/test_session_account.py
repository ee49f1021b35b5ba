"""A signed-in officer's account is read with its unit and roles in one statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from warga.accounts.models import User, UserRole
from warga.core.permissions import Role

pytestmark = pytest.mark.django_db


def _me(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/account/me")
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_account_its_unit_and_roles_are_one_statement(cast, client_for):
    client = client_for(cast.kec_verifier)
    response, statements = _me(client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == str(cast.kec_verifier.unit) and body["unit"]
    assert body["roles"] == sorted(cast.kec_verifier.role_codes()) and body["roles"]
    reads = [
        sql for sql in statements if '"accounts_user"' in sql or '"org_unit"' in sql or "userrole" in sql
    ]
    assert len(reads) == 1, reads


def test_roles_and_deactivation_count_from_the_next_request(cast, client_for):
    client = client_for(cast.kec_officer)
    UserRole.objects.get_or_create(user=cast.kec_officer, role=Role.KECAMATAN_VERIFIER)
    roles = client.get("/api/v1/account/me").json()["roles"]
    assert Role.KECAMATAN_VERIFIER in roles and len(roles) >= 2
    UserRole.objects.filter(user=cast.kec_officer).delete()
    response = client.get("/api/v1/account/me")
    assert response.status_code == 200 and response.json()["roles"] == []
    User.objects.filter(pk=cast.kec_officer.pk).update(is_active=False)
    assert client.get("/api/v1/account/me").status_code == 401


def test_an_account_without_a_unit_signs_in(cast, client_for):
    User.objects.filter(pk=cast.outsider.pk).update(unit=None)
    response = client_for(User.objects.get(pk=cast.outsider.pk)).get("/api/v1/account/me")
    assert response.status_code == 200 and response.json()["unit"] is None


def test_an_api_token_reads_its_account_unit_and_roles_in_one_statement(cast, client):
    from warga.accounts.services import api_token_create

    owner = cast.kec_verifier
    _token, raw = api_token_create(actor=cast.actor(owner), owner=owner, name="integration")
    client.get("/api/v1/account/me", HTTP_AUTHORIZATION=f"Bearer {raw}")  # its first use is recorded
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/account/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == sorted(cast.kec_verifier.role_codes())
    assert response.json()["unit"] == str(cast.kec_verifier.unit)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 1, statements
    UserRole.objects.filter(user=cast.kec_verifier).delete()
    assert client.get("/api/v1/account/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["roles"] == []
