import pytest

from conftest import PASSWORD
from warga.accounts.models import User
from warga.audit.models import AuditLog

pytestmark = pytest.mark.django_db

PAGES = ["/staff/", "/staff/new/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 403), ("kec_officer", 403), ("dukcapil", 403), ("admin", 200)],
)
def test_permission_grid(cast, client_for, path, who, status):
    user = None if who == "anonymous" else getattr(cast, who)
    assert client_for(user).get(path).status_code == status


def test_edit_page_grid(cast, client_for):
    path = f"/staff/{cast.kec_officer.pk}/"
    assert client_for(cast.outsider).get(path).status_code == 403
    assert client_for(cast.dukcapil).post(path, {"full_name": "x"}).status_code == 403
    assert client_for(cast.admin).get(path).status_code == 200


def test_admin_creates_an_account_with_roles_and_scope(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        "/staff/new/",
        {
            "username": "siti",
            "password": "kata-sandi-yang-kuat-77",
            "full_name": "Siti Aminah",
            "unit": cast.kec_officer.unit_id,
            "area_code": "321401",
            "roles": ["kecamatan_verifier"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="siti")
    assert user.area_id == "32.14.01" and user.role_codes() == ["kecamatan_verifier"]
    assert AuditLog.objects.filter(action="accounts.staff_created", object_id=str(user.pk)).exists()
    assert client.get("/staff/", {"q": "siti"}).content.decode().count("Siti Aminah") == 1


def test_create_refuses_bad_input(cast, client_for):
    client = client_for(cast.admin)
    before = User.objects.count()
    taken = client.post(
        "/staff/new/",
        {
            "username": "kec_officer",
            "password": "kata-sandi-yang-kuat-77",
            "full_name": "X",
            "area_code": "32.14",
        },
    )
    assert "sudah dipakai" in taken.content.decode()
    unknown_area = client.post(
        "/staff/new/",
        {"username": "baru", "password": "kata-sandi-yang-kuat-77", "full_name": "X", "area_code": "99.99"},
    )
    assert unknown_area.status_code == 200 and "is-invalid" in unknown_area.content.decode()
    assert User.objects.count() == before


def test_edit_roles_deactivate_and_audit(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        f"/staff/{cast.kec_officer.pk}/",
        {
            "full_name": "Petugas Baru",
            "area_code": "32.14.01",
            "roles": ["kecamatan_counter", "kecamatan_verifier"],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=cast.kec_officer.pk)
    assert sorted(user.role_codes()) == ["kecamatan_counter", "kecamatan_verifier"]
    assert not user.is_active  # unchecked box
    entry = AuditLog.objects.filter(action="accounts.staff_updated").latest("id")
    assert set(entry.summary["fields"]) >= {"first_name", "is_active", "roles"}


def test_admin_cannot_lock_themselves_out(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        f"/staff/{cast.admin.pk}/", {"full_name": "Admin", "area_code": "32.14", "roles": []}
    )
    assert response.status_code == 200
    assert User.objects.get(pk=cast.admin.pk).is_active


def test_unlock_reset_and_password(cast, client_for, client):
    from django.utils import timezone

    User.objects.filter(pk=cast.kec_officer.pk).update(
        locked_until=timezone.now() + timezone.timedelta(hours=1)
    )
    admin = client_for(cast.admin)
    admin.post(f"/staff/{cast.kec_officer.pk}/unlock/")
    assert not User.objects.get(pk=cast.kec_officer.pk).is_locked()
    weak = admin.post(f"/staff/{cast.kec_officer.pk}/password/", {"password": "1234567890"}, follow=True)
    assert "alert-danger" in weak.content.decode()
    assert client.post("/login/", {"username": "kec_officer", "password": PASSWORD}).status_code == 302
    admin.post(f"/staff/{cast.kec_officer.pk}/password/", {"password": "Rahasia-Baru-2026!"})
    assert (
        client.post("/login/", {"username": "kec_officer", "password": "Rahasia-Baru-2026!"}).status_code
        == 302
    )
    assert AuditLog.objects.filter(action="accounts.password_set").count() == 1
