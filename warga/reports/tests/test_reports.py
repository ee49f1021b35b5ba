from __future__ import annotations

import pytest

from warga.core.errors import InvalidInput, NotAllowed
from warga.reports.models import CitizenReport
from warga.reports.services import citizen_report_create

pytestmark = pytest.mark.django_db
LOGIN = 302


def test_create_is_idempotent_by_client_ref(cast):
    first = citizen_report_create(
        actor=None,
        text="Jalan  rusak",
        channel="sms",
        phone="+6281200000001",
        desa=cast.desa,
        client_ref="sms-1",
    )
    again = citizen_report_create(
        actor=None, text="Jalan rusak", channel="sms", desa=cast.desa, client_ref="sms-1"
    )
    assert first.pk == again.pk and first.text == "Jalan rusak"
    assert first.reference == f"L{first.pk:06d}"
    assert CitizenReport.objects.count() == 1


def test_without_desa_it_belongs_to_the_whole_region(cast):
    report = citizen_report_create(actor=None, text="Banjir", channel="sms")
    assert report.region == cast.kabupaten and report.desa is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": " "}, "report.empty"),
        ({"text": "x" * 1001}, "report.long"),
        ({"channel": "fax"}, "report.channel"),
    ],
)
def test_bad_input(cast, kwargs, code):
    with pytest.raises(InvalidInput) as exc:
        citizen_report_create(actor=None, **{"text": "Banjir", "channel": "sms", **kwargs})
    assert exc.value.code == code
    assert CitizenReport.objects.count() == 0


def test_a_report_belongs_to_a_desa(cast):
    with pytest.raises(InvalidInput):
        citizen_report_create(actor=None, text="x", channel="sms", desa=cast.kecamatan)


def test_officer_needs_the_capability(cast):
    with pytest.raises(NotAllowed):
        citizen_report_create(actor=cast.actor(cast.dukcapil), text="x", channel="counter", desa=cast.desa)
    report = citizen_report_create(
        actor=cast.actor(cast.kec_officer), text="Lampu jalan mati", channel="counter", desa=cast.desa
    )
    assert report.created_by == cast.kec_officer


def test_permission_grid(cast, client_for):
    citizen_report_create(actor=None, text="Pohon tumbang di RT 03", channel="sms", desa=cast.desa)
    citizen_report_create(actor=None, text="Banjir tanpa desa", channel="sms")
    expected = {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200}
    for role, user in cast.grid().items():
        assert client_for(user).get("/reports/").status_code == expected[role], role
    assert "Pohon tumbang" not in client_for(cast.outsider).get("/reports/").content.decode()
    officer = client_for(cast.kec_officer).get("/reports/").content.decode()
    assert "Pohon tumbang" in officer and "Banjir tanpa desa" not in officer
    kab = client_for(cast.dukcapil).get("/reports/?q=banjir").content.decode()
    assert "Banjir tanpa desa" in kab and "Pohon tumbang" not in kab
    api = {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200}
    for role, user in cast.grid().items():
        assert client_for(user).get("/api/v1/reports/").status_code == api[role], role
    assert client_for(cast.outsider).get("/api/v1/reports/").json()["count"] == 0
    assert client_for(cast.dukcapil).get("/api/v1/reports/").json()["count"] == 2
    assert client_for(cast.printer).get("/reports/").status_code == 403
