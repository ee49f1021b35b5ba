from __future__ import annotations

import pytest

from warga.reports.services import citizen_report_create

pytestmark = pytest.mark.django_db
LOGIN = 302


def test_permission_grid(cast, client_for):
    citizen_report_create(actor=None, text="Pohon tumbang di RT 03", channel="sms", desa=cast.desa)
    citizen_report_create(actor=None, text="Banjir tanpa desa", channel="sms")
    # By business need: the Disdukcapil and the system administrator do not read citizens' cases.
    expected = {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 403, "admin": 403}
    for role, user in cast.grid().items():
        assert client_for(user).get("/reports/").status_code == expected[role], role
    assert "Pohon tumbang" not in client_for(cast.outsider).get("/reports/").content.decode()
    officer = client_for(cast.kec_officer).get("/reports/").content.decode()
    assert "Pohon tumbang" in officer and "Banjir tanpa desa" not in officer
    # The API lists what each may see: a Disdukcapil officer answers the cases assigned to the
    # Disdukcapil (births and deaths), so the list answers, with none of these two.
    api = {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 403}
    for role, user in cast.grid().items():
        assert client_for(user).get("/api/v1/reports/").status_code == api[role], role
    assert client_for(cast.outsider).get("/api/v1/reports/").json()["count"] == 0
    assert client_for(cast.dukcapil).get("/api/v1/reports/").json()["count"] == 0
    assert client_for(cast.printer).get("/reports/").status_code == 403
