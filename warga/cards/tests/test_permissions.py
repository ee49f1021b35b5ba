"""Permission grid: every page and API operation × anonymous, outsider (other kecamatan),
officer of this kecamatan, Disdukcapil, administrator (and the printing operator)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.cards.documents import suket_token
from warga.cards.models import ItemResult, KtpStatus
from warga.cards.priority import default_rule_set
from warga.cards.services import print_batch_lock, print_item_record, suket_issue

ROLES = ["anonymous", "outsider", "kec_officer", "dukcapil", "admin", "printer"]


@pytest.fixture
def world(cast, make_resident, stock, kec_office):
    """A resident of this kecamatan with a card printed at the kecamatan office (ready there),
    another waiting with a SUKET, an open batch, and stock at the kecamatan office."""
    stock(5, office=kec_office)
    waiting = make_resident(status=KtpStatus.PRR, name="Rina Waiting")
    ready = make_resident(status=KtpStatus.PRR, name="Dedi Ready")
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=kec_office, rule_set=default_rule_set(), size=2)
    item = batch.items.get(card__resident=ready)
    print_item_record(actor=printer, item=item, result=ItemResult.PRINTED, card_serial="GRID-1")
    suket = suket_issue(actor=cast.actor(cast.kec_officer), resident=waiting, office=kec_office)
    return {"waiting": waiting, "ready": ready, "batch": batch, "suket": suket, "card": ready.ktp_card}


def _users(cast):
    return {**cast.grid(), "printer": cast.printer}


def _status(client_for, user, url, method="get", data=None):
    client = client_for(user)
    response = getattr(client, method)(url, data or {})
    return response.status_code


PAGES = {
    # name: (url builder, expected per ROLES)
    "dashboard": (lambda w: reverse("cards:dashboard"), [302, 200, 200, 200, 403, 200]),
    "resident_find": (lambda w: reverse("cards:resident_find"), [302, 200, 200, 200, 403, 200]),
    "resident": (lambda w: reverse("cards:resident", args=[w["waiting"].pk]), [302, 404, 200, 200, 403, 200]),
    "recordings": (lambda w: reverse("cards:recordings"), [302, 200, 200, 200, 403, 200]),
    "import": (lambda w: reverse("cards:import"), [302, 403, 403, 200, 403, 200]),
    "targets": (lambda w: reverse("cards:targets"), [302, 200, 200, 200, 403, 200]),
    "stock": (lambda w: reverse("cards:stock"), [302, 200, 200, 200, 403, 200]),
    "stock_ledger": (
        lambda w: reverse("cards:stock_ledger", args=[w["batch"].office_id]),
        [302, 404, 200, 200, 403, 200],
    ),
    "queue": (lambda w: reverse("cards:queue"), [302, 403, 403, 403, 403, 200]),
    "rules": (lambda w: reverse("cards:rules"), [302, 403, 403, 403, 403, 200]),
    "batches": (lambda w: reverse("cards:batches"), [302, 403, 403, 403, 403, 200]),
    "batch": (lambda w: reverse("cards:batch", args=[w["batch"].pk]), [302, 403, 403, 403, 403, 200]),
    "distribution": (lambda w: reverse("cards:distribution"), [302, 200, 200, 403, 403, 200]),
    "handover": (lambda w: reverse("cards:handover", args=[w["card"].pk]), [302, 404, 200, 403, 403, 200]),
    "sukets": (lambda w: reverse("cards:sukets"), [302, 200, 200, 200, 403, 200]),
    "suket_pdf": (lambda w: reverse("cards:suket_pdf", args=[w["suket"].pk]), [302, 404, 200, 200, 403, 200]),
    "stock_public": (lambda w: reverse("cards:stock_public"), [200, 200, 200, 200, 200, 200]),
    "suket_verify": (lambda w: reverse("cards:suket_verify", args=[suket_token(w["suket"])]), [200] * 6),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_grid(name, cast, client_for, world):
    build, expected = PAGES[name]
    users = _users(cast)
    got = [_status(client_for, users[role], build(world)) for role in ROLES]
    assert got == expected, dict(zip(ROLES, got, strict=True))


def test_outsider_lists_show_nothing_of_this_kecamatan(cast, client_for, world):
    client = client_for(cast.outsider)
    for name in ("recordings", "sukets", "distribution", "dashboard"):
        html = client.get(reverse(f"cards:{name}")).content.decode()
        assert "Rina Waiting" not in html and "Dedi Ready" not in html, name
    response = client.post(reverse("cards:resident_find"), {"nik": world["waiting"].nik})
    assert "Tidak ada penduduk dengan NIK ini" in response.content.decode()


POSTS = {
    # name: (url builder, data builder, expected per ROLES); refusals only (no state change needed)
    "record": (
        lambda w: reverse("cards:record", args=[w["waiting"].pk]),
        {},
        [302, 404, None, None, 403, 403],
    ),
    "status_update": (
        lambda w: reverse("cards:status_update", args=[w["waiting"].pk]),
        {},
        [302, 403, 403, None, 403, None],
    ),
    "suket_issue": (
        lambda w: reverse("cards:suket_issue", args=[w["waiting"].pk]),
        {},
        [302, 404, None, None, 403, None],
    ),
    "stock_count": (lambda w: reverse("cards:stock_count"), {}, [302, 403, 403, 403, 403, None]),
    "batch_lock": (lambda w: reverse("cards:batch_lock"), {}, [302, 403, 403, 403, 403, None]),
    "batch_close": (
        lambda w: reverse("cards:batch_close", args=[w["batch"].pk]),
        {},
        [302, 403, 403, 403, 403, None],
    ),
    "send": (lambda w: reverse("cards:send"), {}, [302, None, None, 403, 403, None]),
    "targets_export": (
        lambda w: reverse("cards:targets_export"),
        {"area": "32.14.01", "format": "csv"},
        [302, 404, 403, None, 403, 403],
    ),
}


@pytest.mark.parametrize("name", sorted(POSTS))
def test_post_grid_refusals(name, cast, client_for, world):
    build, data, expected = POSTS[name]
    users = _users(cast)
    for role, want in zip(ROLES, expected, strict=True):
        if want is None:
            continue
        got = _status(client_for, users[role], build(world), "post", data)
        assert got == want, (role, got)


API = {
    "status": (lambda w: f"/api/v1/cards/residents/{w['waiting'].pk}/status", [401, 404, 200, 200, 403, 200]),
    "targets": (lambda w: "/api/v1/cards/targets", [401, 200, 200, 200, 403, 200]),
    "backlog": (lambda w: "/api/v1/cards/backlog", [401, 200, 200, 200, 403, 200]),
    "statistics": (lambda w: "/api/v1/cards/statistics", [401, 200, 200, 200, 403, 200]),
    "stock": (lambda w: "/api/v1/cards/stock", [401, 200, 200, 200, 403, 200]),
    "entries": (
        lambda w: f"/api/v1/cards/stock/entries?office_id={w['batch'].office_id}",
        [401, 404, 200, 200, 403, 200],
    ),
    "requests": (lambda w: "/api/v1/cards/stock/requests", [401, 200, 200, 200, 403, 200]),
    "queue": (
        lambda w: f"/api/v1/cards/queue?office_id={w['batch'].office_id}",
        [401, 403, 403, 403, 403, 200],
    ),
    "batches": (lambda w: "/api/v1/cards/batches", [401, 403, 403, 403, 403, 200]),
    "items": (lambda w: f"/api/v1/cards/batches/{w['batch'].pk}/items", [401, 403, 403, 403, 403, 200]),
    "deliveries": (lambda w: "/api/v1/cards/deliveries", [401, 200, 200, 403, 403, 200]),
    "pickup": (lambda w: "/api/v1/cards/pickup", [401, 200, 200, 403, 403, 200]),
    "sukets": (lambda w: "/api/v1/cards/sukets", [401, 200, 200, 200, 403, 200]),
    "public_stock": (lambda w: "/api/v1/cards/stock/public", [200] * 6),
    "verify": (lambda w: f"/api/v1/cards/sukets/verify/{suket_token(w['suket'])}", [200] * 6),
}


@pytest.mark.parametrize("name", sorted(API))
def test_api_grid(name, cast, client_for, world):
    build, expected = API[name]
    users = _users(cast)
    got = [_status(client_for, users[role], build(world)) for role in ROLES]
    assert got == expected, dict(zip(ROLES, got, strict=True))


def test_api_outsider_sees_no_pickup_or_suket_of_this_kecamatan(cast, client_for, world):
    client = client_for(cast.outsider)
    assert client.get("/api/v1/cards/pickup").json()["count"] == 0
    assert client.get("/api/v1/cards/sukets").json()["count"] == 0
    mine = client_for(cast.kec_officer).get("/api/v1/cards/pickup").json()
    assert [i["card_id"] for i in mine["items"]] == [world["card"].pk]


def test_api_writes_refused_for_outsider_and_anonymous(cast, client_for, world):
    payload = {
        "resident_id": world["waiting"].pk,
        "recorded_at": timezone.now().isoformat(),
        "device_set": "X",
        "outreach_event_id": 3,
    }
    assert (
        client_for(None)
        .post("/api/v1/cards/recordings", payload, content_type="application/json")
        .status_code
        == 401
    )
    assert (
        client_for(cast.outsider)
        .post("/api/v1/cards/recordings", payload, content_type="application/json")
        .status_code
        == 404
    )
    handover = {"recipient_name": "X", "proof_kind": "id", "proof_note": "KK"}
    assert (
        client_for(cast.outsider)
        .post(f"/api/v1/cards/cards/{world['card'].pk}/handover", handover, content_type="application/json")
        .status_code
        == 404
    )
    item = world["batch"].items.get(result="pending")
    assert (
        client_for(cast.kec_officer)
        .post(
            f"/api/v1/cards/batches/items/{item.pk}/result",
            {"result": "printed", "card_serial": "Z"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
