"""Failed logins are limited per (username, address) and per address, so a lockout cannot be
used to shut an officer out; the account-wide back-off spares the officer's own address."""

import pyotp
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from conftest import PASSWORD, signed_in
from warga.accounts.models import LoginFailure, User
from warga.audit.models import AuditLog

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.7"


def from_address(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def attempt(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


@override_settings(LOGIN_MAX_FAILURES=3)
def test_failures_lock_the_username_at_that_address_only(cast):
    attacker = from_address(ATTACKER)
    for _ in range(3):
        assert (
            "Nama pengguna atau kata sandi salah."
            in attempt(attacker, "kec_officer", "salah").content.decode()
        )
    # From the attacker's address even the right password is refused now...
    refused = attempt(attacker, "kec_officer", PASSWORD)
    assert refused.status_code == 200 and "terkunci" in refused.content.decode()
    assert AuditLog.objects.filter(action="accounts.locked", object_id=str(cast.kec_officer.pk)).count() == 1
    # ...but the officer at the office logs in as usual.
    officer = from_address(OFFICE)
    assert attempt(officer, "kec_officer", PASSWORD).status_code == 302
    assert signed_in(officer)


@override_settings(LOGIN_MAX_FAILURES=3)
def test_own_typos_lock_the_pair_and_admin_unlock_clears_it(cast, client_for):
    officer = from_address(OFFICE)
    for _ in range(3):
        attempt(officer, "kec_officer", "salah")
    assert "terkunci" in attempt(officer, "kec_officer", PASSWORD).content.decode()
    admin = client_for(cast.admin)
    assert (
        "3 percobaan masuk gagal baru-baru ini."
        in admin.get(f"/staff/{cast.kec_officer.pk}/").content.decode()
    )
    admin.post(f"/staff/{cast.kec_officer.pk}/unlock/")
    assert not LoginFailure.objects.exists()
    assert attempt(officer, "kec_officer", PASSWORD).status_code == 302


@override_settings(LOGIN_IP_MAX_FAILURES=5)
def test_address_throttled_across_usernames(cast):
    attacker = from_address(ATTACKER)
    for name in ["kec_officer", "dukcapil", "head", "tidak_ada", "admin"]:
        attempt(attacker, name, "salah")
    refused = attempt(attacker, "kec_verifier", PASSWORD)
    assert refused.status_code == 200
    assert "Terlalu banyak percobaan masuk yang gagal dari alamat ini" in refused.content.decode()
    assert AuditLog.objects.filter(action="accounts.address_throttled", ip=ATTACKER).count() == 1
    assert attempt(from_address(OFFICE), "kec_verifier", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=100, LOGIN_ACCOUNT_MAX_FAILURES=4, LOGIN_ACCOUNT_BACKOFF_SECONDS=60)
def test_distributed_guessing_backs_off_but_spares_the_officers_address(cast):
    assert attempt(from_address(OFFICE), "kec_officer", PASSWORD).status_code == 302  # known address
    for i in range(4):
        attempt(from_address(f"203.0.113.{i + 10}"), "kec_officer", "salah")
    user = User.objects.get(pk=cast.kec_officer.pk)
    assert user.is_locked() and (user.locked_until - timezone.now()).total_seconds() <= 60
    assert AuditLog.objects.filter(action="accounts.backoff", object_id=str(user.pk)).count() == 1
    # A guess from yet another address is not even checked while the back-off lasts.
    guess = attempt(from_address("203.0.113.99"), "kec_officer", PASSWORD)
    assert guess.status_code == 200 and "Tunggu sebentar" in guess.content.decode()
    # The officer at the address of their last login is not shut out.
    assert attempt(from_address(OFFICE), "kec_officer", PASSWORD).status_code == 302
    assert not User.objects.get(pk=user.pk).is_locked()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_wrong_second_step_codes_count_as_failures(cast):
    client = from_address(ATTACKER)
    attempt(client, "admin", PASSWORD)
    for _ in range(3):
        client.post("/account/2fa/", {"code": "000000"})
    right = client.post("/account/2fa/", {"code": pyotp.TOTP(cast.admin.totp_secret).now()})
    assert right.status_code == 200 and "terkunci" in right.content.decode()
    assert not signed_in(client)
