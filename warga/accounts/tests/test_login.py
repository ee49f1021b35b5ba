import time

import pyotp
import pytest
from django.test import Client, override_settings

from conftest import PASSWORD, signed_in
from warga.accounts.models import LoginFailure
from warga.audit.models import AuditLog

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_login_page_in_indonesian(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'lang="id"' in response.content.decode()


def test_login_success_goes_home_and_is_audited(cast, client):
    response = post_login(client, "kec_officer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)
    assert AuditLog.objects.filter(action="accounts.login", object_id=str(cast.kec_officer.pk)).exists()


def test_wrong_password_shows_generic_error(cast, client):
    response = post_login(client, "kec_officer", "wrong")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert not signed_in(client)


@override_settings(LOGIN_MAX_FAILURES=3)
def test_lockout_after_repeated_failures(cast, client):
    for _ in range(3):
        post_login(client, "kec_officer", "wrong")
    stored = list(LoginFailure.objects.values_list("name_hash", flat=True))
    assert len(stored) == 3 and not any("kec_officer" in value for value in stored)
    # Even the right password is refused from this address while locked (other addresses:
    # test_login_throttle.py).
    response = post_login(client, "kec_officer", PASSWORD)
    assert response.status_code == 200
    assert "terkunci" in response.content.decode()
    assert AuditLog.objects.filter(action="accounts.locked").count() == 1


def test_admin_with_totp_needs_second_step(cast, client):
    response = post_login(client, "admin", PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")
    assert not signed_in(client)  # not logged in yet
    bad = client.post("/account/2fa/", {"code": "000000"})
    assert bad.status_code == 200 and "Kode tidak benar." in bad.content.decode()
    good = client.post("/account/2fa/", {"code": pyotp.TOTP(cast.admin.totp_secret).now()})
    assert good.status_code == 302
    assert signed_in(client)


def test_admin_without_totp_is_sent_to_setup(cast, client_for):
    admin = cast.admin
    admin.totp_confirmed_at = None
    admin.totp_secret = ""
    admin.save()
    client = client_for(admin)
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"] == "/account/2fa/setup/"
    page = client.get("/account/2fa/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    admin.refresh_from_db()
    assert client.post("/account/2fa/setup/", {"code": "123"}).status_code == 200
    client.post("/account/2fa/setup/", {"code": pyotp.TOTP(admin.totp_secret).now()})
    admin.refresh_from_db()
    assert admin.totp_enabled
    assert client.get("/audit/").status_code == 200


@override_settings(SESSION_IDLE_SECONDS=60)
def test_idle_session_expires(cast, client, monkeypatch):
    post_login(client, "kec_officer", PASSWORD)
    assert signed_in(client)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    monkeypatch.setattr(time, "time", real)
    assert not signed_in(client)


def test_logout_requires_post(cast, client_for):
    client = client_for(cast.kec_officer)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert not signed_in(client)


def test_open_redirect_refused(cast, client):
    response = client.post(
        "/login/?next=https://evil.example/", {"username": "kec_officer", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
