"""Village running-text boards: posting, moderation, the public feed and the TV page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.boards.models import Announcement, AnnouncementStatus
from warga.boards.services import announcement_create, announcement_moderate, announcement_withdraw
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound

pytestmark = pytest.mark.django_db
LOGIN = 302


def window(hours: int = 24):
    now = timezone.now()
    return now - timedelta(minutes=1), now + timedelta(hours=hours)


def post(actor, codes, text="Posyandu Balita hari Selasa pukul 08.00 di Balai Desa", **kw):
    starts, ends = window()
    return announcement_create(
        actor=actor,
        desa_codes=codes,
        text=text,
        starts_at=kw.pop("starts_at", starts),
        ends_at=kw.pop("ends_at", ends),
        **kw,
    )


def test_counter_officer_posts_and_verifier_approves_then_board_shows_it(cast, client_for):
    items = post(cast.actor(cast.kec_officer), [cast.desa.code], priority=5)
    assert [a.status for a in items] == [AnnouncementStatus.PENDING]
    feed = client_for(None).get(f"/boards/feed/{cast.desa.code}.json").json()
    assert feed["announcements"] == []
    announcement_moderate(actor=cast.actor(cast.kec_verifier), announcement_id=items[0].pk, approve=True)
    feed = client_for(None).get(f"/boards/feed/{cast.desa.code}.json").json()
    assert [a["text"] for a in feed["announcements"]] == [
        "Posyandu Balita hari Selasa pukul 08.00 di Balai Desa"
    ]
    assert feed["announcements"][0]["source_label"] == "kecamatan"
    assert feed["desa"]["code"] == cast.desa.code and feed["refresh_seconds"] == 60
    api = client_for(None).get(f"/api/v1/boards/feed/{cast.desa.code}").json()
    assert api["announcements"][0]["priority"] == 5


def test_moderator_posts_are_shown_at_once_and_ordered_by_priority(cast):
    op = cast.actor(cast.desa_operator)
    post(op, [cast.desa.code], text="Kerja bakti Minggu pagi", priority=1)
    post(op, [cast.desa.code], text="Pemadaman listrik 10.00-14.00", priority=9)
    from warga.boards.selectors import board_feed

    assert [a["text"] for a in board_feed(desa_code=cast.desa.code)["announcements"]] == [
        "Pemadaman listrik 10.00-14.00",
        "Kerja bakti Minggu pagi",
    ]


def test_feed_shows_only_the_current_window(cast):
    op = cast.actor(cast.desa_operator)
    now = timezone.now()
    post(
        op,
        [cast.desa.code],
        text="Nanti",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    post(op, [cast.desa.code], text="Sekarang")
    from warga.boards.selectors import board_feed

    assert [a["text"] for a in board_feed(desa_code=cast.desa.code)["announcements"]] == ["Sekarang"]


def test_kecamatan_posts_to_all_its_desas_but_not_beyond(cast):
    from warga.regions.models import Region

    desas = list(Region.objects.filter(parent=cast.kecamatan).values_list("code", flat=True))
    items = post(cast.actor(cast.kec_verifier), desas)
    assert len(items) == len(desas) and all(a.status == AnnouncementStatus.APPROVED for a in items)
    with pytest.raises(NotFound):
        post(cast.actor(cast.kec_verifier), [cast.other_desa.code])
    with pytest.raises(NotFound):
        post(cast.actor(cast.desa_operator), [cast.kecamatan.code])  # not a desa


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"text": ""}, "board.empty"),
        ({"text": "x" * 301}, "board.too_long"),
        ({"text": "bad\x07bell"}, "board.characters"),
        ({"priority": 10}, "board.priority"),
        ({"codes": []}, "board.desa"),
    ],
)
def test_bad_input(cast, change, code):
    codes = change.pop("codes", [cast.desa.code])
    with pytest.raises(InvalidInput) as exc:
        post(cast.actor(cast.desa_operator), codes, **change)
    assert exc.value.code == code
    assert Announcement.objects.count() == 0


def test_bad_periods(cast):
    now = timezone.now()
    op = cast.actor(cast.desa_operator)
    for starts, ends in [
        (now, now - timedelta(hours=1)),
        (now - timedelta(days=3), now - timedelta(days=1)),
        (now, now + timedelta(days=120)),
    ]:
        with pytest.raises(InvalidInput):
            post(op, [cast.desa.code], starts_at=starts, ends_at=ends)
    assert Announcement.objects.count() == 0


def test_moderation_rules(cast):
    item = post(cast.actor(cast.kec_officer), [cast.desa.code])[0]
    with pytest.raises(NotAllowed):
        announcement_moderate(actor=cast.actor(cast.kec_officer), announcement_id=item.pk, approve=True)
    with pytest.raises(NotFound):  # a moderator elsewhere does not even see it
        announcement_moderate(actor=cast.actor(cast.outsider), announcement_id=item.pk, approve=True)
    with pytest.raises(InvalidInput):
        announcement_moderate(actor=cast.actor(cast.desa_operator), announcement_id=item.pk, approve=False)
    announcement_moderate(
        actor=cast.actor(cast.desa_operator), announcement_id=item.pk, approve=False, reason="Dobel"
    )
    with pytest.raises(Conflict):
        announcement_moderate(actor=cast.actor(cast.desa_operator), announcement_id=item.pk, approve=True)
    own = post(cast.actor(cast.kec_officer), [cast.desa.code])[0]
    announcement_withdraw(actor=cast.actor(cast.kec_officer), announcement_id=own.pk)
    own.refresh_from_db()
    assert own.status == AnnouncementStatus.WITHDRAWN


def test_tv_page_is_public_and_self_contained(cast, client_for):
    post(cast.actor(cast.desa_operator), [cast.desa.code], text="Vaksinasi gratis di Puskesmas")
    page = client_for(None).get(f"/boards/tv/{cast.desa.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Vaksinasi gratis di Puskesmas" in html
    assert f"/boards/feed/{cast.desa.code}.json" in html
    assert "boards/board.js" in html and "http://" not in html and "https://" not in html
    assert html.index("core/server_clock.js") < html.index("boards/board.js")  # the shared clock first
    assert client_for(None).get("/boards/tv/32.14.01/").status_code == 404  # a kecamatan has no board
    assert client_for(None).get("/boards/feed/99.99.json").status_code == 404
    assert client_for(None).get("/api/v1/boards/feed/99.99").status_code == 404


def test_permission_grid_pages(cast, client_for):
    expected = {"anonymous": LOGIN, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200}
    for role, user in cast.grid().items():
        assert client_for(user).get("/boards/").status_code == expected[role], role
    item = post(cast.actor(cast.kec_officer), [cast.desa.code], text="Rapat RT")[0]
    assert "Rapat RT" not in client_for(cast.outsider).get("/boards/").content.decode()
    assert "Rapat RT" in client_for(cast.kec_officer).get("/boards/").content.decode()
    moderate = {"anonymous": LOGIN, "outsider": 404, "kec_officer": 403, "dukcapil": 403, "admin": 302}
    for role, user in cast.grid().items():
        response = client_for(user).post(
            f"/boards/{item.pk}/moderate/", {"decision": "reject", "reason": "x"}
        )
        assert response.status_code == moderate[role], role
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.REJECTED and item.moderated_by == cast.admin
    # only its author or a moderator of that desa may withdraw it
    withdraw = {"anonymous": LOGIN, "outsider": 404, "kec_officer": 404, "dukcapil": 404, "admin": 302}
    other = post(cast.actor(cast.kec_verifier), [cast.desa.code], text="Lain")[0]
    for role, user in cast.grid().items():
        assert client_for(user).post(f"/boards/{other.pk}/withdraw/").status_code == withdraw[role], role


def test_create_page(cast, client_for):
    client = client_for(cast.kec_officer)
    now = timezone.localtime()
    data = {
        "area": cast.kecamatan.code,
        "text": "Jemput bola KTP-el Selasa",
        "priority": 3,
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post("/boards/", data).status_code == 302
    assert Announcement.objects.filter(status=AnnouncementStatus.PENDING).count() > 1
    bad = client.post("/boards/", {**data, "ends_at": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    assert "Waktu selesai" in bad.content.decode()


def test_permission_grid_api(cast, client_for):
    starts, ends = window()
    body = {
        "desa_codes": [cast.desa.code],
        "text": "Rapat",
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
    }
    expected = {"anonymous": 401, "outsider": 404, "kec_officer": 201, "dukcapil": 201, "admin": 201}
    for role, user in cast.grid().items():
        response = client_for(user).post(
            "/api/v1/boards/announcements", body, content_type="application/json"
        )
        assert response.status_code == expected[role], role
    listing = {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200}
    for role, user in cast.grid().items():
        assert client_for(user).get("/api/v1/boards/announcements").status_code == listing[role], role
    assert client_for(cast.outsider).get("/api/v1/boards/announcements").json()["count"] == 0
    pending = Announcement.objects.filter(status=AnnouncementStatus.PENDING).first()
    moderate = {"anonymous": 401, "outsider": 404, "kec_officer": 403, "dukcapil": 403, "admin": 200}
    for role, user in cast.grid().items():
        response = client_for(user).post(
            f"/api/v1/boards/announcements/{pending.pk}/moderate",
            {"approve": True},
            content_type="application/json",
        )
        assert response.status_code == moderate[role], role
