"""Register API: permission grid, scoping, audit of reads, life events, and the public NIK check."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.cache import cache

from warga.audit.models import AuditLog
from warga.registry.models import LifeEvent, Resident, ResidentChange

from .conftest import person, snapshot

pytestmark = pytest.mark.django_db

# role → expected status for reading a record of this kecamatan
READ_GRID = {"anonymous": 401, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403}


def post(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize("who", list(READ_GRID))
def test_resident_detail_grid(cast, client_for, household, who):
    user = cast.grid()[who]
    response = client_for(user).get(f"/api/v1/residents/{household.head.pk}")
    assert response.status_code == READ_GRID[who], response.content
    if response.status_code == 200:
        body = response.json()
        assert body["nik"] == household.head.nik and body["kk_number"] == household.family.kk_number
        assert body["desa"]["code"] == cast.desa.code and body["ktp_required"] is True
        assert (
            AuditLog.objects.filter(action="registry.resident.view", object_id=str(household.head.pk)).count()
            == 1
        )
    else:
        assert response.json()["code"] in {"unauthenticated", "not_found", "forbidden"}
        assert not AuditLog.objects.filter(action="registry.resident.view").exists()


@pytest.mark.parametrize("who", list(READ_GRID))
def test_lookup_by_nik_grid(cast, client_for, household, who):
    response = post(client_for(cast.grid()[who]), "/api/v1/residents/lookup", {"nik": household.wife.nik})
    assert response.status_code == READ_GRID[who]
    if who == "kec_officer":
        assert response.json()["full_name"] == "Siti Nurhasanah"


@pytest.mark.parametrize("who", list(READ_GRID))
def test_family_grid(cast, client_for, household, who):
    client = client_for(cast.grid()[who])
    response = client.get(f"/api/v1/families/{household.family.pk}")
    assert response.status_code == READ_GRID[who]
    lookup = post(client, "/api/v1/families/lookup", {"kk_number": household.family.kk_number})
    assert lookup.status_code == READ_GRID[who]
    if response.status_code == 200:
        members = response.json()["members"]
        assert [m["relationship"] for m in members] == ["kepala", "istri", "anak"]


@pytest.mark.parametrize("who", list(READ_GRID))
def test_history_events_phones_grid(cast, client_for, household, who):
    client = client_for(cast.grid()[who])
    for tail in ("history", "events", "phones"):
        response = client.get(f"/api/v1/residents/{household.head.pk}/{tail}")
        assert response.status_code == READ_GRID[who], tail
    if who == "dukcapil":
        history = client.get(f"/api/v1/residents/{household.head.pk}/history").json()
        assert history["count"] == 1 and history["items"][0]["action"] == "create"


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 200), ("kec_officer", 200), ("dukcapil", 200), ("admin", 403)],
)
def test_search_grid_and_scope(cast, client_for, household, far_household, who, status):
    response = post(client_for(cast.grid()[who]), "/api/v1/residents/search", {"q": "Siti Nur Hasanah"})
    assert response.status_code == status
    if status == 200:
        names = [item["full_name"] for item in response.json()["items"]]
        assert ("Siti Nurhasanah" in names) is (who != "outsider")


def test_search_pagination_and_filters(cast, client_for, household):
    client = client_for(cast.dukcapil)
    response = post(client, "/api/v1/residents/search?page=1", {"desa": cast.desa.code})
    body = response.json()
    assert body["count"] == 3 and len(body["items"]) == 3
    response = post(client, "/api/v1/residents/search", {"q": "Ahmad Fauzi", "birth_year": 2010, "sex": "M"})
    assert [i["full_name"] for i in response.json()["items"]] == ["Ahmad Fauzi"]
    response = post(client, "/api/v1/residents/search", {"q": "ab"})
    assert response.status_code == 422 and response.json()["code"] == "registry.search_short"
    assert AuditLog.objects.filter(action="registry.resident.search").count() == 2


EVENT_GRID = {"anonymous": 401, "outsider": 404, "kec_officer": 201, "dukcapil": 201, "admin": 403}


@pytest.mark.parametrize("who", list(EVENT_GRID))
def test_birth_grid(cast, client_for, household, who):
    body = {
        "family_id": household.family.pk,
        "full_name": "Putri Ayu",
        "sex": "F",
        "birth_date": "2024-04-01",
        "birth_place": "Purwakarta",
        "mother_id": household.wife.pk,
        "father_id": household.head.pk,
        "reporter": "Budi Santoso",
        "documents": ["Surat keterangan lahir"],
    }
    before = snapshot()
    response = post(client_for(cast.grid()[who]), "/api/v1/events/birth", body)
    assert response.status_code == EVENT_GRID[who], response.content
    if response.status_code == 201:
        child = response.json()
        assert child["nik"].startswith("3214014104240") and child["relationship"] == "anak"
    else:
        assert snapshot() == before


def test_birth_bad_input_422(cast, client_for, household):
    client = client_for(cast.kec_officer)
    before = snapshot()
    body = {
        "family_id": household.family.pk,
        "full_name": "Bayi",
        "sex": "M",
        "birth_date": "1970-01-01",
        "birth_place": "",
        "mother_id": household.wife.pk,
        "reporter": "Bidan",
    }
    response = post(client, "/api/v1/events/birth", body)
    assert response.status_code == 422
    assert response.json()["details"][0]["code"] == "child_older_than_parent"
    assert "tidak mungkin lebih tua" in response.json()["message"]
    response = post(client, "/api/v1/events/birth", {**body, "birth_date": "2024-02-30"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert snapshot() == before


def test_death_move_marriage_divorce_via_api(cast, client_for, household):
    client = client_for(cast.dukcapil)
    response = post(
        client,
        "/api/v1/events/divorce",
        {
            "husband_id": household.head.pk,
            "wife_id": household.wife.pk,
            "divorced_on": "2024-01-05",
            "reporter": "Siti",
        },
    )
    assert response.status_code == 201 and response.json()["type"] == "divorce"
    target = cast.desa.code
    response = post(
        client,
        "/api/v1/events/move-within",
        {"resident_ids": [household.child.pk], "to_desa": target, "rw": 3, "rt": 1, "moved_on": "2024-02-01"},
    )
    assert response.status_code == 201, response.content
    response = post(
        client,
        "/api/v1/events/move-out",
        {"resident_ids": [household.wife.pk], "destination": "Kota Bekasi", "moved_on": "2024-03-01"},
    )
    assert response.status_code == 201
    response = post(
        client,
        "/api/v1/events/death",
        {"resident_id": household.head.pk, "died_on": "2024-04-01", "place": "Rumah", "reporter": "Ahmad"},
    )
    assert response.status_code == 201
    response = post(
        client,
        "/api/v1/events/death",
        {"resident_id": household.head.pk, "died_on": "2024-04-02", "reporter": "Ahmad"},
    )
    assert response.status_code == 422 and response.json()["code"] == "registry.resident_dead"
    assert LifeEvent.objects.count() == 4
    people = [
        {**person("Ujang", "M", date(1970, 8, 8), 5), "birth_date": "1970-08-08", "relationship": "kepala"}
    ]
    response = post(
        client,
        "/api/v1/events/move-in",
        {"people": people, "desa": cast.desa.code, "moved_on": "2024-05-01", "origin": "Karawang"},
    )
    assert response.status_code == 201 and response.json()[0]["relationship"] == "kepala"
    bride = {**person("Rina", "F", date(1999, 9, 9), 6), "birth_date": "1999-09-09", "relationship": "anak"}
    rina = post(
        client,
        "/api/v1/events/move-in",
        {
            "people": [bride],
            "family_id": response.json()[0]["family_id"],
            "moved_on": "2024-05-02",
            "origin": "Subang",
        },
    ).json()[0]
    response = post(
        client,
        "/api/v1/events/marriage",
        {
            "husband_id": household.child.pk,
            "wife_id": rina["id"],
            "married_on": "2024-06-01",
            "reporter": "KUA",
        },
    )
    assert response.status_code == 422 and response.json()["details"][0]["code"] == "under_age"


def test_correct_with_version_conflict(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = f"/api/v1/residents/{household.child.pk}/correct"
    ok = post(
        client, url, {"changes": {"occupation": "Pelajar"}, "reason": "Data pekerjaan", "expected_version": 1}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = post(
        client, url, {"changes": {"occupation": "Santri"}, "reason": "Data pekerjaan", "expected_version": 1}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "registry.stale_version"
    assert Resident.objects.get(pk=household.child.pk).occupation == "Pelajar"
    assert ResidentChange.objects.filter(resident=household.child, action="correct").count() == 1
    outsider = post(client_for(cast.outsider), url, {"changes": {"occupation": "X"}, "reason": "Coba-coba"})
    assert outsider.status_code == 404


def test_family_create_update_members_api(cast, client_for, household):
    client = client_for(cast.kec_officer)
    response = post(
        client, "/api/v1/families", {"desa": cast.desa.code, "rw": 1, "rt": 1, "address": "Kp. Baru"}
    )
    assert response.status_code == 201
    family = response.json()
    assert family["kk_number"].startswith("321401") and family["members"] == []
    response = post(client, "/api/v1/families", {"desa": cast.other_desa.code})
    assert response.status_code == 422 and response.json()["details"][0]["code"] == "outside_area"
    response = post(
        client,
        f"/api/v1/families/{household.family.pk}/split",
        {"member_ids": [household.child.pk], "new_head_id": household.child.pk},
    )
    assert response.status_code == 201 and response.json()["members"][0]["relationship"] == "kepala"
    response = post(
        client,
        f"/api/v1/families/{household.family.pk}/update",
        {"changes": {"address": "Jl. Pahlawan 5"}, "reason": "Alamat berubah"},
    )
    assert response.status_code == 200 and response.json()["address"] == "Jl. Pahlawan 5"


def test_phone_api(cast, client_for, household):
    from warga.messaging.models import SmsMessage

    client = client_for(cast.desa_operator)
    response = post(
        client,
        f"/api/v1/residents/{household.head.pk}/phones",
        {"number": "0813 2222 3333", "consent_broadcast": True, "channel": "counter"},
    )
    assert response.status_code == 201 and response.json()["number"] == "+6281322223333"
    phone_id = response.json()["id"]
    code = SmsMessage.objects.get(purpose="otp").text.split(": ")[1][:6]
    assert post(client, f"/api/v1/phones/{phone_id}/verify", {"code": "12"}).status_code == 422
    response = post(client, f"/api/v1/phones/{phone_id}/verify", {"code": code})
    assert response.status_code == 200 and response.json()["can_receive_broadcasts"] is True
    assert (
        post(client_for(cast.outsider), f"/api/v1/phones/{phone_id}/verify", {"code": code}).status_code
        == 404
    )


# --------------------------------------------------------------------------- public NIK check


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def check(client, nik: str, **extra):
    return client.post("/api/v1/nik/check", {"nik": nik}, content_type="application/json", **extra)


def test_nik_check_valid(regions, client, fresh_cache):
    response = check(client, "3214015708900003")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["errors"] == []
    assert body["birth_date"] == "1990-08-17" and body["sex"] == "F"
    assert body["region_name"] == "Kec. Purwakarta, Kabupaten Purwakarta"
    assert set(body) == {"nik", "valid", "errors", "kecamatan_code", "region_name", "birth_date", "sex"}


def test_nik_check_errors_in_indonesian(regions, client, fresh_cache):
    body = check(client, "3214993102990000").json()
    assert body["valid"] is False
    messages = [e["message"] for e in body["errors"]]
    assert "kode kecamatan 321499 tidak dikenal" in messages
    assert "tanggal lahir 310299 tidak ada" in messages
    assert {e["code"] for e in body["errors"]} == {
        "nik.unknown_kecamatan",
        "nik.invalid_date",
        "nik.serial_zero",
    }
    assert check(client, "12ab").json()["errors"][0]["code"] == "nik.not_digits"


def test_nik_check_does_not_reveal_existence(cast, client, household, fresh_cache):
    held = check(client, household.head.nik).json()
    free = check(client, f"{household.head.nik[:12]}0999").json()
    assert set(held) == set(free)
    assert held["valid"] is free["valid"] is True
    assert {k: v for k, v in held.items() if k != "nik"} == {k: v for k, v in free.items() if k != "nik"}


def test_nik_check_rate_limited_per_ip(regions, client, fresh_cache, settings):
    settings.NIK_CHECK_RATE_PER_MINUTE = 3
    for _ in range(3):
        assert check(client, "3214015708900003", REMOTE_ADDR="10.0.0.1").status_code == 200
    limited = check(client, "3214015708900003", REMOTE_ADDR="10.0.0.1")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert check(client, "3214015708900003", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_nik_check_takes_the_nik_in_the_body_only(regions, client, fresh_cache):
    """A NIK in a path ends up in access logs and browser history: the old GET is gone."""
    assert client.get("/api/v1/nik/3214015708900003/check").status_code == 404
    assert check(client, "3214015708900003").json()["valid"] is True


def test_nik_check_rate_limit_behind_a_trusted_proxy(regions, client, fresh_cache, settings):
    """Behind the proxy each client has its own budget; a direct client cannot dodge the limit by
    writing X-Forwarded-For."""
    settings.NIK_CHECK_RATE_PER_MINUTE = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(2):
        assert (
            check(client, "3214015708900003", HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy).status_code
            == 200
        )
    assert (
        check(client, "3214015708900003", HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy).status_code == 429
    )
    assert (
        check(client, "3214015708900003", HTTP_X_FORWARDED_FOR="203.0.113.6", **via_proxy).status_code == 200
    )
    direct = {"REMOTE_ADDR": "198.51.100.7"}
    for n in range(3):
        forged = f"203.0.113.{50 + n}"
        status = check(client, "3214015708900003", HTTP_X_FORWARDED_FOR=forged, **direct).status_code
        assert status == (200 if n < 2 else 429)


def test_every_operation_declares_its_errors():
    """Walks this app's router (the shared OpenAPI document also holds other apps' operations)."""
    from warga.registry.api import router

    seen = 0
    for path, view in router.path_operations.items():
        for op in view.operations:
            statuses = set(op.response_models)
            assert 422 in statuses, path
            if op.auth_param is None:  # declared public
                assert path == "/nik/check" and 429 in statuses
            else:
                assert {401, 403} <= statuses, path
            seen += 1
    assert seen >= 25
