"""Two-step login: nothing before it is set up, old tokens revoked, no code replay, backup codes."""

import re
import time

import pyotp
import pytest

from conftest import PASSWORD, signed_in
from warga.accounts.models import ApiToken, BackupCode, User, UserRole
from warga.audit.models import AuditLog
from warga.core.permissions import Role

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def old_token(user: User) -> str:
    """A token as one could be made before (the old code let anyone mint one)."""
    raw, prefix, digest = ApiToken.generate()
    ApiToken.objects.create(user=user, name="lama", key_prefix=prefix, key_hash=digest)
    return raw


@pytest.fixture
def admin_without_2fa(cast) -> User:
    User.objects.filter(pk=cast.admin.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=None)
    return User.objects.get(pk=cast.admin.pk)


def shown_codes(html: str) -> list[str]:
    return re.findall(r'<li data-testid="backup-code">([a-z0-9]{5}-[a-z0-9]{5})</li>', html)


def login_password_only(client, username: str) -> None:
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_api_token_creation_refused_before_two_step_login(admin_without_2fa, client):
    login_password_only(client, "admin")  # no TOTP yet: logged in, but only to set it up
    response = client.post("/api/v1/account/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "second_factor_required" and set(body) == {"code", "message", "details"}
    assert "/account/2fa/setup/" in body["message"]
    assert not ApiToken.objects.filter(user=admin_without_2fa).exists()


def test_api_by_session_refused_before_two_step_login(admin_without_2fa, client_for):
    client = client_for(admin_without_2fa)
    response = client.get("/api/v1/account/me", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 403 and response.json()["code"] == "second_factor_required"
    assert "Atur" in response.json()["message"]  # translated


@pytest.mark.parametrize("path", ["/", "/audit/", "/staff/", "/account/tokens/", "/registry/"])
def test_pages_refused_before_two_step_login(admin_without_2fa, client_for, path):
    response = client_for(admin_without_2fa).get(path)
    assert response.status_code == 302 and response["Location"] == "/account/2fa/setup/"


def test_token_page_post_refused_before_two_step_login(admin_without_2fa, client_for):
    response = client_for(admin_without_2fa).post("/account/tokens/", {"name": "x"})
    assert response.status_code == 302 and response["Location"] == "/account/2fa/setup/"
    assert not ApiToken.objects.filter(user=admin_without_2fa).exists()


def test_create_api_token_command_refused_before_two_step_login(admin_without_2fa):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("create_api_token", "admin", "--name", "x")
    assert not ApiToken.objects.filter(user=admin_without_2fa).exists()


def test_old_token_refused_then_revoked_when_two_step_login_is_set_up(cast, client, client_for):
    officer = cast.kec_officer
    raw = old_token(officer)
    assert client.get("/api/v1/account/me", **bearer(raw)).status_code == 200
    # The officer becomes an administrator: the token stops working until two-step login is on.
    UserRole.objects.create(user=officer, role=Role.SYSTEM_ADMIN)
    refused = client.get("/api/v1/account/me", **bearer(raw))
    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_required"

    browser = client_for(officer)
    assert browser.get("/account/2fa/setup/").status_code == 200
    officer.refresh_from_db()
    setup = browser.post("/account/2fa/setup/", {"code": pyotp.TOTP(officer.totp_secret).now()})
    assert setup.status_code == 200
    officer.refresh_from_db()
    assert officer.totp_enabled
    # Made before two-step login: revoked for good.
    after = client.get("/api/v1/account/me", **bearer(raw))
    assert after.status_code == 401 and after.json()["code"] == "unauthenticated"
    assert ApiToken.objects.get(user=officer).revoked_at is not None
    entry = AuditLog.objects.filter(action="accounts.totp_enabled", object_id=str(officer.pk)).get()
    assert entry.summary == {"tokens_revoked": 1}
    # A token made now works.
    fresh = browser.post("/api/v1/account/tokens", {"name": "baru"}, content_type="application/json")
    assert fresh.status_code == 201
    assert client.get("/api/v1/account/me", **bearer(fresh.json()["key"])).status_code == 200


def test_totp_code_accepted_once(cast, client):
    code = pyotp.TOTP(cast.admin.totp_secret).now()
    login = client.post("/login/", {"username": "admin", "password": PASSWORD})
    assert login["Location"].startswith("/account/2fa/")
    assert client.post("/account/2fa/", {"code": code}).status_code == 302
    assert signed_in(client)
    client.post("/logout/")

    client.post("/login/", {"username": "admin", "password": PASSWORD})
    replay = client.post("/account/2fa/", {"code": code})
    assert replay.status_code == 200 and "Kode tidak benar." in replay.content.decode()
    assert not signed_in(client)
    # The next time step's code still works.
    later = pyotp.TOTP(cast.admin.totp_secret).at(time.time() + 30)
    assert client.post("/account/2fa/", {"code": later}).status_code == 302


def test_backup_codes_shown_once_stored_hashed_usable_once_and_regenerated(
    admin_without_2fa, client_for, client
):
    browser = client_for(admin_without_2fa)
    browser.get("/account/2fa/setup/")
    admin = User.objects.get(pk=admin_without_2fa.pk)
    totp = pyotp.TOTP(admin.totp_secret)
    page = browser.post("/account/2fa/setup/", {"code": totp.now()}).content.decode()
    assert 'data-testid="backup-codes"' in page
    codes = shown_codes(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(BackupCode.objects.filter(user=admin).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert 'data-testid="backup-codes"' not in browser.get("/account/2fa/setup/").content.decode()
    assert (
        AuditLog.objects.filter(action="accounts.backup_codes_generated", object_id=str(admin.pk)).count()
        == 1
    )

    # Phone not at hand: a backup code logs in once.
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    assert client.post("/account/2fa/", {"code": codes[0].upper()}).status_code == 302
    assert signed_in(client)
    assert AuditLog.objects.filter(action="accounts.backup_code_used").get().summary == {"left": 9}
    client.post("/logout/")
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    again = client.post("/account/2fa/", {"code": codes[0]})
    assert again.status_code == 200 and "Kode tidak benar." in again.content.decode()

    # New codes need a current authenticator code and replace the old ones.
    wrong = browser.post("/account/2fa/backup-codes/", {"code": "000000"})
    assert "Kode tidak benar." in wrong.content.decode()
    fresh = browser.post("/account/2fa/backup-codes/", {"code": totp.at(time.time() + 30)}).content.decode()
    new_codes = shown_codes(fresh)
    assert len(new_codes) == 10
    assert (
        AuditLog.objects.filter(action="accounts.backup_codes_generated", object_id=str(admin.pk)).count()
        == 2
    )
    refused = client.post("/account/2fa/", {"code": codes[1]})
    assert refused.status_code == 200 and "Kode tidak benar." in refused.content.decode()
    assert client.post("/account/2fa/", {"code": new_codes[0]}).status_code == 302


def test_backup_codes_need_two_step_login_first(admin_without_2fa, client_for):
    response = client_for(admin_without_2fa).post("/account/2fa/backup-codes/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/account/2fa/setup/"
    assert not BackupCode.objects.filter(user=admin_without_2fa).exists()


def test_reset_second_factor_drops_backup_codes(cast, client_for):
    BackupCode.objects.create(user=cast.kec_verifier, code_hash="x" * 64)
    client_for(cast.admin).post(f"/staff/{cast.kec_verifier.pk}/reset-2fa/")
    assert not BackupCode.objects.filter(user=cast.kec_verifier).exists()


def test_every_page_and_api_operation_waits_for_two_step_login(admin_without_2fa, client_for):
    from warga.accounts.middleware import EXEMPT_PREFIXES
    from warga.core.tests.test_permission_grid import _concrete, _page_routes

    client = client_for(admin_without_2fa)
    failures = []
    for route, _name, _view in _page_routes():
        path = _concrete(route, {})
        if path.startswith(EXEMPT_PREFIXES):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code != 302 or response["Location"] != "/account/2fa/setup/":
                failures.append(f"{method.upper()} {path} → {response.status_code}")
    schema = client_for(None).get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            response = getattr(client, method)(concrete, content_type="application/json")
            if response.status_code != 403 or response.json()["code"] != "second_factor_required":
                failures.append(f"{method.upper()} {path} → {response.status_code}")
    assert not failures, failures
