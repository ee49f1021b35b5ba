"""Permission grid: every SMS page and API operation × anonymous, outsider, kecamatan officer,
Disdukcapil, administrator (plus the desa operator where the page is theirs)."""

from __future__ import annotations

import json

import pytest

from warga.messaging.models import Broadcast, BroadcastStatus, Invitation

pytestmark = pytest.mark.django_db

LOGIN = 302
ROLES = ("anonymous", "outsider", "kec_officer", "dukcapil", "admin")


@pytest.fixture
def broadcast(cast, people) -> Broadcast:
    return Broadcast.objects.create(
        name="Posyandu RW 1",
        template="Posyandu besok",
        area=cast.desa,
        created_by=cast.kec_verifier,
        recipients_estimate=3,
    )


@pytest.fixture
def invitation(cast, people) -> Invitation:
    from .conftest import make_phone, make_resident

    make_phone(make_resident(cast.desa, name="NENG ROSMIATI", sex="F", rw=1, rt=1), "+6281200000020")
    return Invitation.objects.create(
        resident=people.siti, number="+6281200000001", desa=cast.desa, rw=1, rt=1, scope="rt", text="Hajat"
    )


def grid(cast, client_for, method, url, expected, data=None, api=False):
    users = cast.grid()
    for role in ROLES:
        client = client_for(users[role])
        if method == "get":
            response = client.get(url)
        elif api:
            response = client.post(url, data=json.dumps(data or {}), content_type="application/json")
        else:
            response = client.post(url, data or {})
        assert response.status_code == expected[role], (role, url, response.status_code)
    return True


def test_broadcast_list_page(cast, client_for, broadcast):
    grid(
        cast,
        client_for,
        "get",
        "/sms/broadcasts/",
        {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    assert "Posyandu RW 1" not in client_for(cast.outsider).get("/sms/broadcasts/").content.decode()
    assert "Posyandu RW 1" in client_for(cast.kec_officer).get("/sms/broadcasts/").content.decode()
    assert client_for(cast.desa_operator).get("/sms/broadcasts/").status_code == 403


def test_broadcast_detail_page(cast, client_for, broadcast):
    url = f"/sms/broadcasts/{broadcast.pk}/"
    grid(
        cast,
        client_for,
        "get",
        url,
        {"anonymous": LOGIN, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    page = client_for(cast.kec_officer).get(url).content.decode()
    assert "Menunggu persetujuan atasan lain" in page  # a counter officer cannot approve
    assert "Setujui dan kirim" in client_for(cast.head).get(url).content.decode()
    assert "Setujui dan kirim" not in client_for(cast.kec_verifier).get(url).content.decode()  # own broadcast
    partial = client_for(cast.kec_officer).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="progress"' in partial and "<html" not in partial


def test_broadcast_create_page(cast, client_for, people):
    grid(
        cast,
        client_for,
        "get",
        "/sms/broadcasts/new/",
        {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    assert client_for(cast.desa_operator).get("/sms/broadcasts/new/").status_code == 403
    client = client_for(cast.kec_officer)
    form = {
        "name": "Rekam KTP",
        "text": "Yth. {nama}, rekam KTP-el Selasa.",
        "area": cast.desa.code,
        "action": "preview",
    }
    preview = client.post("/sms/broadcasts/new/", form, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="recipients">3<' in preview
    empty = client.post("/sms/broadcasts/new/", {**form, "action": "save", "min_age": 90})
    assert "Tidak ada warga di wilayah dan segmen ini" in empty.content.decode()
    assert Broadcast.objects.count() == 0
    outside = client.post("/sms/broadcasts/new/", {**form, "action": "save", "area": cast.other_desa.code})
    assert outside.status_code == 200 and Broadcast.objects.count() == 0  # not a choice for this officer
    saved = client.post("/sms/broadcasts/new/", {**form, "action": "save"})
    assert saved.status_code == 302
    assert Broadcast.objects.get().status == BroadcastStatus.PENDING


def test_broadcast_decisions(cast, client_for, broadcast, django_capture_on_commit_callbacks):
    url = f"/sms/broadcasts/{broadcast.pk}/approve/"
    with django_capture_on_commit_callbacks(execute=True):
        grid(
            cast,
            client_for,
            "post",
            url,
            {"anonymous": LOGIN, "outsider": 404, "kec_officer": 403, "dukcapil": 403, "admin": 302},
        )
    broadcast.refresh_from_db()
    assert broadcast.status in (BroadcastStatus.DONE, BroadcastStatus.SENDING)
    assert broadcast.decided_by == cast.admin


def test_broadcast_reject_and_cancel_pages(cast, client_for, broadcast):
    client = client_for(cast.head)
    client.post(f"/sms/broadcasts/{broadcast.pk}/reject/", {"reason": ""})
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.PENDING  # a refusal needs a reason
    client.post(f"/sms/broadcasts/{broadcast.pk}/reject/", {"reason": "Jadwal belum pasti"})
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.REJECTED
    assert client_for(cast.outsider).post(f"/sms/broadcasts/{broadcast.pk}/cancel/").status_code == 404
    assert client.post(f"/sms/broadcasts/{broadcast.pk}/whatever/").status_code == 404


def test_stats_page(cast, client_for, broadcast):
    grid(
        cast,
        client_for,
        "get",
        "/sms/stats/",
        {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    assert client_for(cast.desa_operator).get("/sms/stats/").status_code == 403


def test_invitations_page(cast, client_for, invitation):
    grid(
        cast,
        client_for,
        "get",
        "/sms/invitations/",
        {"anonymous": LOGIN, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200},
    )
    assert "Hajat" in client_for(cast.desa_operator).get("/sms/invitations/").content.decode()
    url = f"/sms/invitations/{invitation.pk}/refuse/"
    grid(
        cast,
        client_for,
        "post",
        url,
        {"anonymous": LOGIN, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 302},
        {"reason": "x"},
    )


def test_simulator_page(cast, client_for, settings):
    grid(
        cast,
        client_for,
        "get",
        "/sms/simulator/",
        {"anonymous": LOGIN, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200},
    )
    settings.SMS_GATEWAY = "kannel"
    assert client_for(cast.admin).get("/sms/simulator/").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_api_broadcasts(cast, client_for, broadcast):
    grid(
        cast,
        client_for,
        "get",
        "/api/v1/sms/broadcasts",
        {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    assert client_for(cast.outsider).get("/api/v1/sms/broadcasts").json()["count"] == 0
    assert (
        client_for(cast.kec_officer).get("/api/v1/sms/broadcasts").json()["items"][0]["name"]
        == "Posyandu RW 1"
    )
    url = f"/api/v1/sms/broadcasts/{broadcast.pk}"
    grid(
        cast,
        client_for,
        "get",
        url,
        {"anonymous": 401, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    detail = client_for(cast.dukcapil).get(url).json()
    assert detail["stats"]["total"] == 0 and detail["status"] == "pending"


def test_api_create_preview_and_approve(cast, client_for, people, django_capture_on_commit_callbacks):
    body = {
        "name": "Rekam KTP",
        "text": "Yth. {nama}: rekam KTP-el",
        "area_code": cast.desa.code,
        "segment": {"rw": 1},
    }
    grid(
        cast,
        client_for,
        "post",
        "/api/v1/sms/broadcasts/preview",
        {"anonymous": 401, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 200},
        body,
        api=True,
    )
    preview = (
        client_for(cast.kec_officer)
        .post("/api/v1/sms/broadcasts/preview", body, content_type="application/json")
        .json()
    )
    assert (preview["recipients"], preview["segments"]) == (2, 1)
    officer = client_for(cast.kec_officer)
    empty = officer.post(
        "/api/v1/sms/broadcasts", {**body, "segment": {"sex": "F", "rw": 2}}, content_type="application/json"
    )
    assert empty.status_code == 422 and empty.json()["code"] == "broadcast.empty"
    created = officer.post("/api/v1/sms/broadcasts", body, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    url = f"/api/v1/sms/broadcasts/{pk}/approve"
    with django_capture_on_commit_callbacks(execute=True):  # queued and sent once it commits
        grid(
            cast,
            client_for,
            "post",
            url,
            {"anonymous": 401, "outsider": 404, "kec_officer": 403, "dukcapil": 403, "admin": 200},
            api=True,
        )
    assert client_for(cast.head).post(url).status_code == 409  # already approved
    assert (
        client_for(cast.admin).get(f"/api/v1/sms/broadcasts/{pk}").json()["stats"]["counts"]["delivered"] == 2
    )


def test_api_reject_and_cancel(cast, client_for, broadcast):
    url = f"/api/v1/sms/broadcasts/{broadcast.pk}/reject"
    assert (
        client_for(cast.outsider).post(url, {"reason": "x"}, content_type="application/json").status_code
        == 404
    )
    assert (
        client_for(cast.kec_officer).post(url, {"reason": "x"}, content_type="application/json").status_code
        == 403
    )
    assert client_for(cast.head).post(url, {"reason": ""}, content_type="application/json").status_code == 422
    assert (
        client_for(cast.head)
        .post(url, {"reason": "Tidak perlu"}, content_type="application/json")
        .status_code
        == 200
    )
    cancel = f"/api/v1/sms/broadcasts/{broadcast.pk}/cancel"
    assert client_for(None).post(cancel).status_code == 401
    assert client_for(cast.head).post(cancel).status_code == 409


def test_api_stats(cast, client_for, broadcast):
    grid(
        cast,
        client_for,
        "get",
        "/api/v1/sms/stats/daily?days=7",
        {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    )
    rows = client_for(cast.dukcapil).get("/api/v1/sms/stats/daily?days=7").json()
    assert len(rows) == 7 and rows[0]["total"] == 0
    from warga.messaging.models import SmsMessage

    SmsMessage.objects.create(to="+6281200000001", text="x", purpose="otp", status="delivered")
    SmsMessage.objects.create(
        to="+6281200000002", text="x", purpose="broadcast", status="failed", broadcast=broadcast, segments=2
    )
    today = client_for(cast.dukcapil).get("/api/v1/sms/stats/daily?days=7").json()[0]
    assert (today["total"], today["delivered"], today["failed"], today["segments"]) == (2, 1, 1, 3)
    # a kecamatan officer counts only the broadcasts of their area
    assert client_for(cast.kec_officer).get("/api/v1/sms/stats/daily?days=7").json()[0]["total"] == 1
    assert client_for(cast.outsider).get("/api/v1/sms/stats/daily?days=7").json()[0]["total"] == 0
    page = client_for(cast.dukcapil).get("/sms/stats/?days=7").content.decode()
    assert 'data-testid="day"' in page


def test_api_invitations(cast, client_for, invitation):
    grid(
        cast,
        client_for,
        "get",
        "/api/v1/sms/invitations",
        {"anonymous": 401, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200},
    )
    operator = client_for(cast.desa_operator)
    assert operator.get("/api/v1/sms/invitations").json()["count"] == 1
    refuse = f"/api/v1/sms/invitations/{invitation.pk}/refuse"
    assert operator.post(refuse, {"reason": ""}, content_type="application/json").status_code == 422
    approve = f"/api/v1/sms/invitations/{invitation.pk}/approve"
    grid(
        cast,
        client_for,
        "post",
        approve,
        {"anonymous": 401, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200},
        api=True,
    )
    assert operator.post(approve).status_code == 409
