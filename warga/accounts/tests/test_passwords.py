"""Django's password validators on every path that sets a password, with the message shown."""

import os
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from warga.accounts.demo import DEMO_PASSWORD
from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

WEAK = [
    ("12345678901", "Kata sandi ini seluruhnya terdiri dari angka."),
    ("password123", "Kata sandi ini terlalu umum."),
    ("aaaaaaaaaa", "Kata sandi ini terlalu umum."),
    ("siti-aminah", "Kata sandi terlalu mirip dengan nama belakang."),
]


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_staff_creation_page_refuses_weak_passwords(cast, client_for, password, message):
    response = client_for(cast.admin).post(
        "/staff/new/",
        {
            "username": "siti",
            "password": password,
            "full_name": "Siti Aminah",
            "area_code": "32.14.01",
            "roles": ["kecamatan_counter"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="siti").exists()


@pytest.mark.parametrize(("password", "message"), WEAK[:3])
def test_password_change_by_admin_refuses_weak_passwords(cast, client_for, password, message):
    before = User.objects.get(pk=cast.kec_officer.pk).password
    response = client_for(cast.admin).post(
        f"/staff/{cast.kec_officer.pk}/password/", {"password": password}, follow=True
    )
    assert message in response.content.decode()
    assert User.objects.get(pk=cast.kec_officer.pk).password == before


def test_service_refuses_weak_password_without_an_actor(cast):
    with pytest.raises(InvalidInput) as caught:
        staff_create(
            actor=None,
            username="skrip",
            password="password123",
            full_name="Skrip",
            roles=[],
            unit_id=None,
            area_code="32.14",
        )
    assert caught.value.code == "accounts.weak_password"
    assert not User.objects.filter(username="skrip").exists()


def test_createsuperuser_refuses_weak_password_even_without_input(cast):
    env = {"DJANGO_SUPERUSER_PASSWORD": "password123"}
    with mock.patch.dict(os.environ, env), pytest.raises(CommandError, match=r"terlalu umum|too common"):
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org")
    assert not User.objects.filter(username="root").exists()
    with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "Kuat-Sekali-2026!"}):
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org")
    assert User.objects.get(username="root").check_password("Kuat-Sekali-2026!")


def test_demo_and_test_passwords_pass_the_validators(cast):
    from django.contrib.auth.password_validation import validate_password

    from conftest import PASSWORD

    for username in ["admin", "kadis", "verifikator", "loket", "desa", "jemput", "bupati"]:
        validate_password(DEMO_PASSWORD, User(username=username, first_name=username.title()))
    for user in User.objects.all():
        validate_password(PASSWORD, user)
