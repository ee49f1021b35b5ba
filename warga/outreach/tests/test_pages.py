"""Planning pages and supervisor API: the permission grid, what each page shows, and bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.outreach.models import Device, EventStatus, OutreachEvent, Target, Team

pytestmark = pytest.mark.django_db

GRID = ["anonymous", "outsider", "kec_officer", "dukcapil", "admin"]


def _expect(response, expected: int) -> None:
    if expected == 302:
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == expected, (response.status_code, expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("outreach:events", [302, 200, 200, 200, 200]),
        ("outreach:teams", [302, 200, 200, 200, 200]),
        ("outreach:results", [302, 200, 200, 200, 200]),
        ("outreach:event_create", [302, 200, 200, 200, 403]),
        ("outreach:planner", [302, 200, 200, 200, 403]),
        ("outreach:devices", [302, 403, 403, 403, 200]),
        ("outreach:review", [302, 200, 403, 200, 403]),
        ("outreach:moved", [302, 200, 200, 200, 200]),
        ("outreach:app", [200, 200, 200, 200, 200]),
        ("outreach:sw", [200, 200, 200, 200, 200]),
        ("outreach:manifest", [200, 200, 200, 200, 200]),
    ],
)
def test_page_grid(cast, client_for, name, expected):
    for who, status in zip(GRID, expected, strict=True):
        _expect(client_for(cast.grid()[who]).get(reverse(name)), status)


def test_event_page_grid(cast, client_for, event):
    url = reverse("outreach:event", args=[event.pk])
    for who, status in zip(GRID, [302, 404, 200, 200, 200], strict=True):
        _expect(client_for(cast.grid()[who]).get(url), status)


def test_event_action_grid(cast, client_for, event, make_resident):
    make_resident(age=30)
    url = reverse("outreach:event_action", args=[event.pk, "targets"])
    for who, status in zip(GRID, [302, 404, 302, 302, 403], strict=True):
        response = client_for(cast.grid()[who]).post(url)
        if status == 302 and who != "anonymous":
            assert response.status_code == 302 and response["Location"] == reverse(
                "outreach:event", args=[event.pk]
            )
        else:
            _expect(response, status)
    assert Target.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/outreach/events", [401, 200, 200, 200, 200]),
        ("/api/v1/outreach/results/teams", [401, 200, 200, 200, 200]),
        ("/api/v1/outreach/devices", [401, 403, 403, 403, 200]),
        ("/api/v1/outreach/review", [401, 200, 403, 200, 403]),
    ],
)
def test_api_grid(cast, client_for, event, path, expected):
    for who, status in zip(GRID, expected, strict=True):
        response = client_for(cast.grid()[who]).get(path)
        assert response.status_code == status, (who, response.status_code)


def test_outsider_sees_no_events_of_other_kecamatan(cast, client_for, event):
    body = client_for(cast.outsider).get("/api/v1/outreach/events").json()
    assert body["count"] == 0
    assert client_for(cast.kec_officer).get("/api/v1/outreach/events").json()["count"] == 1


def test_revoke_grid(cast, client_for, register_phone):
    phone = register_phone(cast.outreach)
    url = f"/api/v1/outreach/devices/{phone.device.pk}/revoke"
    for who in ["outsider", "kec_officer", "dukcapil"]:
        assert client_for(cast.grid()[who]).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 401
    assert client_for(cast.admin).post(url).status_code == 200
    assert client_for(cast.admin).post(url).status_code == 409  # already revoked


def test_revoke_confirmation_page_grid(cast, client_for, register_phone):
    phone = register_phone(cast.outreach)
    url = reverse("outreach:device_revoke", args=[phone.device.pk])
    for who, status in zip(GRID, [302, 403, 403, 403, 200], strict=True):
        _expect(client_for(cast.grid()[who]).get(url), status)
    assert Device.objects.get().revoked_at is None


def test_create_team_and_event(cast, client_for, make_resident):
    client = client_for(cast.dukcapil)
    response = client.post(
        reverse("outreach:teams"),
        {
            "name": "Pelakor 2",
            "area": cast.kabupaten.code,
            "members": [cast.outreach.pk],
            "capacity_per_day": 50,
            "vehicles": "motorbike Z 1234 AB\ncar Z 9 C",
            "equipment": "KIT-02 kamera dan pemindai",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    team = Team.objects.get(name="Pelakor 2")
    assert team.vehicles.count() == 2 and team.equipment.get().code == "KIT-02"
    assert list(team.members.all()) == [cast.outreach]

    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("outreach:event_create"),
        {
            "team": team.pk,
            "date": day.isoformat(),
            "desa": cast.desa.code,
            "meeting_point": "Masjid",
            "services": ["ktp_recording"],
        },
    )
    event = OutreachEvent.objects.get(team=team)
    assert response.status_code == 302 and response["Location"] == reverse("outreach:event", args=[event.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Masjid" in page
    assert reverse("outreach:event_action", args=[event.pk, "targets"]) in page


def test_team_bad_input(cast, client_for):
    client = client_for(cast.dukcapil)
    response = client.post(
        reverse("outreach:teams"),
        {
            "name": "X",
            "area": cast.kabupaten.code,
            "members": [cast.outreach.pk],
            "capacity_per_day": 5,
            "vehicles": "helicopter PK-1",
        },
    )
    assert response.status_code == 200
    assert "helicopter" in response.content.decode()
    assert not Team.objects.exists()
    # Someone who cannot use the field app cannot join a team.
    response = client.post(
        reverse("outreach:teams"),
        {"name": "X", "area": cast.kabupaten.code, "members": [cast.printer.pk], "capacity_per_day": 5},
    )
    assert response.status_code == 200 and not Team.objects.exists()


def test_event_bad_input(cast, client_for, team):
    client = client_for(cast.dukcapil)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("outreach:event_create"),
        {
            "team": team.pk,
            "date": yesterday.isoformat(),
            "desa": cast.desa.code,
            "meeting_point": "Balai",
            "services": ["ktp_recording"],
        },
    )
    assert response.status_code == 200
    assert not OutreachEvent.objects.exists()
    content = response.content.decode()
    assert ("past" in content) or ("lalu" in content)


def test_double_booking_a_team(cast, team, event):
    from warga.core.errors import Conflict
    from warga.outreach.services import event_create

    with pytest.raises(Conflict):
        event_create(
            actor=cast.actor(cast.dukcapil),
            team=team,
            day=event.date,
            desa=cast.desa,
            meeting_point="Lain",
            services=["ktp_recording"],
        )


def test_announce_creates_broadcast_and_board(cast, client_for, event, make_resident):
    from warga.boards.models import Announcement
    from warga.messaging.models import Broadcast
    from warga.registry.models import Phone

    resident = make_resident(age=30)
    Phone.objects.create(
        resident=resident, number="+6281234567890", verified_at=timezone.now(), consent_broadcast=True
    )

    response = client_for(cast.dukcapil).post(
        reverse("outreach:event_action", args=[event.pk, "announce"]),
        {"text": "Perekaman KTP-el besok di balai desa"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.ANNOUNCED
    assert Broadcast.objects.count() == 1
    assert Announcement.objects.filter(desa=cast.desa).count() == 1
    # A second announcement is refused with a message; nothing new is created.
    response = client_for(cast.dukcapil).post(
        reverse("outreach:event_action", args=[event.pk, "announce"]), {"text": "Lagi"}, follow=True
    )
    assert Broadcast.objects.count() == 1
    content = response.content.decode()
    assert ("announced" in content) or ("diumumkan" in content)


def test_results_per_team_and_event(cast, client_for, event, make_resident):
    a, b = make_resident(), make_resident()
    Target.objects.create(event=event, resident=a, kind="ktp_recording", served_at=timezone.now())
    Target.objects.create(event=event, resident=b, kind="ktp_recording")
    rows = client_for(cast.dukcapil).get("/api/v1/outreach/results/teams").json()
    assert rows == [{"team": "Tim Motor 1", "events": 1, "targeted": 2, "served": 1}]
    page = client_for(cast.dukcapil).get(reverse("outreach:results")).content.decode()
    assert "Tim Motor 1" in page


def test_planner_page_proposes_a_schedule(cast, client_for, make_resident):
    for _i in range(30):
        make_resident(age=30)
    start = timezone.localdate() + timedelta(days=1)
    response = client_for(cast.dukcapil).post(
        reverse("outreach:planner"),
        {
            "area": cast.kecamatan.code,
            "statuses": ["not_recorded"],
            "teams": 1,
            "capacity": 20,
            "start": start.isoformat(),
            "deadline": (start + timedelta(days=30)).isoformat(),
            "lead_days": 2,
            "min_visit": 5,
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Tidak ada rencana lain" in content and "HiGHS" not in content and "30" in content
    assert cast.desa.name in content


def test_planner_bad_input(cast, client_for):
    start = timezone.localdate() + timedelta(days=5)
    response = client_for(cast.dukcapil).post(
        reverse("outreach:planner"),
        {
            "area": cast.kecamatan.code,
            "statuses": ["not_recorded"],
            "teams": 1,
            "capacity": 20,
            "start": start.isoformat(),
            "deadline": start.isoformat(),
            "lead_days": 0,
            "min_visit": 0,
        },
    )
    assert response.status_code == 200
    assert "HiGHS" not in response.content.decode()


def test_devices_page_revoke_and_extend(cast, client_for, register_phone, event):
    phone = register_phone(cast.outreach)
    phone.download(event)
    client = client_for(cast.admin)
    page = client.get(reverse("outreach:devices")).content.decode()
    assert "Ponsel uji" in page
    from warga.outreach.models import Assignment

    assignment = Assignment.objects.get()
    before = assignment.expires_at
    client.post(reverse("outreach:assignment_extend", args=[assignment.pk]), {"days": 2})
    assignment.refresh_from_db()
    assert assignment.expires_at == before + timedelta(days=2)
    client.post(reverse("outreach:assignment_extend", args=[assignment.pk]), {"days": 99})
    assignment.refresh_from_db()
    assert assignment.expires_at == before + timedelta(days=2)
    # Revoking asks first: the page shows the last contact and the records the phone last reported.
    phone.get("/device?queue=4")
    confirm = client.get(reverse("outreach:device_revoke", args=[phone.device.pk])).content.decode()
    assert 'data-testid="queue-length">4' in confirm and "Ya, cabut perangkat ini" in confirm
    assert Device.objects.get().revoked_at is None
    client.post(reverse("outreach:device_revoke", args=[phone.device.pk]))
    assert Device.objects.get().revoked_at is None  # a POST without the confirmation changes nothing
    client.post(reverse("outreach:device_revoke", args=[phone.device.pk]), {"confirm": "yes"})
    assert Device.objects.get().revoked_at is not None


def test_service_worker_and_manifest(client):
    sw = client.get(reverse("outreach:sw"))
    body = sw.content.decode()
    assert sw["Content-Type"].startswith("application/javascript")
    assert 'workbox.setConfig({ modulePathPrefix: "/static/vendor/workbox/", debug: false })' in body
    assert "/outreach/app/" in body and "dexie.min.js" in body
    manifest = client.get(reverse("outreach:manifest")).json()
    assert manifest["start_url"] == "/outreach/app/" and len(manifest["icons"]) == 2
    shell = client.get(reverse("outreach:app")).content.decode()
    assert 'lang="id"' in shell and "Daftarkan ponsel ini" in shell


def test_the_app_sends_as_many_records_per_request_as_the_server_says(client, monkeypatch):
    from warga.outreach import sync

    def told(shell: str) -> int:
        config = shell.split('<script id="app-config" type="application/json">', 1)[1].split("</script>")[0]
        return json.loads(config)["batch"]

    assert told(client.get(reverse("outreach:app")).content.decode()) == sync.PHONE_BATCH <= sync.MAX_BATCH
    before = client.get(reverse("outreach:sw")).content
    monkeypatch.setattr(sync, "PHONE_BATCH", 7)
    assert told(client.get(reverse("outreach:app")).content.decode()) == 7
    # A changed number is a changed shell: the phones' service worker takes the new one.
    assert client.get(reverse("outreach:sw")).content != before


def test_announce_without_reachable_phones_posts_the_board_only(cast, client_for, event):
    from warga.boards.models import Announcement
    from warga.messaging.models import Broadcast

    response = client_for(cast.dukcapil).post(
        reverse("outreach:event_action", args=[event.pk, "announce"]),
        {"text": "Perekaman KTP-el"},
        follow=True,
    )
    assert Announcement.objects.filter(desa=cast.desa).count() == 1
    assert not Broadcast.objects.exists()
    content = response.content.decode()
    assert ("No SMS" in content) or ("Tanpa SMS" in content)
