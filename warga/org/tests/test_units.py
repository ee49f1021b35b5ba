import pytest

from warga.audit.models import AuditLog
from warga.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 200), ("kec_officer", 200), ("dukcapil", 200), ("admin", 200)],
)
def test_directory_grid(cast, client_for, who, status):
    user = None if who == "anonymous" else getattr(cast, who)
    assert client_for(user).get("/units/").status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("outsider", 403), ("dukcapil", 403), ("admin", 200)]
)
def test_edit_grid(cast, client_for, who, status):
    unit = Unit.objects.get(code="pln")
    user = None if who == "anonymous" else getattr(cast, who)
    assert client_for(user).get(f"/units/{unit.pk}/").status_code == status


def test_standard_units_exist_per_kecamatan_and_desa(cast):
    assert Unit.objects.filter(kind="kecamatan").count() == 17
    assert Unit.objects.filter(kind="desa").count() == 192
    assert Unit.objects.filter(code__in=["disdukcapil", "dinkes", "pln", "pdam", "call112"]).count() == 5


def test_search_and_edit_contact(cast, client_for):
    client = client_for(cast.admin)
    assert "PLN" in client.get("/units/", {"q": "listrik"}).content.decode()
    unit = Unit.objects.get(code="pln")
    response = client.post(
        f"/units/{unit.pk}/",
        {
            "name": unit.name,
            "phone": "123",
            "email": "bukan-email",
            "address": "",
            "head_name": "",
            "topics": "listrik",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # invalid email: form shown again
    assert Unit.objects.get(pk=unit.pk).phone == ""
    client.post(
        f"/units/{unit.pk}/",
        {
            "name": unit.name,
            "phone": "0264-200123",
            "email": "up3@pln.co.id",
            "address": "Jl. Veteran",
            "head_name": "Manajer UP3",
            "topics": "listrik,padam",
            "is_active": "on",
        },
    )
    unit.refresh_from_db()
    assert unit.phone == "0264-200123" and unit.head_name == "Manajer UP3"
    assert AuditLog.objects.filter(action="org.unit.updated", object_id=str(unit.pk)).exists()
