"""Officer pages: permission grid for every page, what officers see, and forms going through services."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from warga.audit.models import AuditLog
from warga.messaging.models import SmsMessage
from warga.registry import services
from warga.registry.models import LifeEvent, Phone, Resident, ResidentChange

from .conftest import snapshot

pytestmark = pytest.mark.django_db

# Expected status per page for: anonymous, outsider (other kecamatan), kec_officer, dukcapil, admin.
# 302 = sent to the login page; outsiders get 404 for records of this kecamatan.
RECORD_PAGES = [
    (
        "registry:resident",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:resident_edit",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:death",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:move",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:marriage",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:divorce",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:phone_add",
        "head",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:family",
        "family",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:birth",
        "family",
        {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
]
AREA_PAGES = [
    (
        "registry:search",
        {"anonymous": 302, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:move_in",
        {"anonymous": 302, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 403},
    ),
    (
        "registry:drive",
        {"anonymous": 302, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    ),
    (
        "registry:stats",
        {"anonymous": 302, "outsider": 200, "kec_officer": 200, "dukcapil": 200, "admin": 200},
    ),
    # Only verifiers export: the counter officer and the administrator are refused.
    (
        "registry:stats_export",
        {"anonymous": 302, "outsider": 200, "kec_officer": 403, "dukcapil": 200, "admin": 403},
    ),
]


@pytest.mark.parametrize(("name", "target", "grid"), RECORD_PAGES, ids=[p[0] for p in RECORD_PAGES])
def test_record_page_grid(cast, client_for, household, name, target, grid):
    obj = household.head if target == "head" else household.family
    url = reverse(name, args=[obj.pk])
    for who, user in cast.grid().items():
        response = client_for(user).get(url)
        assert response.status_code == grid[who], (who, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")


def test_phone_verify_page_grid(cast, client_for, household):
    phone = services.phone_add(
        actor=cast.actor(cast.dukcapil),
        resident=household.head,
        number="081211112222",
        consent_broadcast=False,
        channel="counter",
    )
    url = reverse("registry:phone_verify", args=[phone.pk])
    expected = {"anonymous": 302, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403}
    for who, user in cast.grid().items():
        assert client_for(user).get(url).status_code == expected[who], who


@pytest.mark.parametrize(("name", "grid"), AREA_PAGES, ids=[p[0] for p in AREA_PAGES])
def test_area_page_grid(cast, client_for, household, name, grid):
    for who, user in cast.grid().items():
        response = client_for(user).get(reverse(name))
        assert response.status_code == grid[who], (who, response.status_code)


def test_resident_page_shows_record_and_audits(cast, client_for, household):
    client = client_for(cast.kec_officer)
    response = client.get(reverse("registry:resident", args=[household.head.pk]))
    page = response.content.decode()
    assert "Budi Santoso" in page and household.head.nik in page and household.family.kk_number in page
    assert "Kepala keluarga" in page or "kepala" in page.lower()
    assert (
        AuditLog.objects.filter(
            action="registry.resident.view", object_id=str(household.head.pk), actor=cast.kec_officer
        ).count()
        == 1
    )


def test_family_card_lists_members_in_kk_order(cast, client_for, household):
    response = client_for(cast.desa_operator).get(reverse("registry:family", args=[household.family.pk]))
    page = response.content.decode()
    rows = re.findall(r'href="/registry/residents/(\d+)/"', page)
    assert rows == [str(household.head.pk), str(household.wife.pk), str(household.child.pk)]
    assert AuditLog.objects.filter(action="registry.family.view", object_id=str(household.family.pk)).exists()


def test_search_by_post_finds_variants_and_keeps_names_out_of_urls(
    cast, client_for, household, far_household
):
    client = client_for(cast.kec_officer)
    response = client.post(reverse("registry:search"), {"q": "siti nur hasanah"})
    page = response.content.decode()
    assert response.status_code == 200 and "Siti Nurhasanah" in page
    assert client.post(reverse("registry:search"), {"q": "Euis Suryani"}).context["page"].paginator.count == 0
    assert "?q=" not in page
    htmx = client.post(
        reverse("registry:search"), {"q": "Ahmad Fauzi"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Ahmad Fauzi" in htmx and "<html" not in htmx
    short = client.post(reverse("registry:search"), {"q": "ab"}).content.decode()
    assert "tiga huruf" in short or "three letters" in short


def test_correction_page_saves_and_shows_conflict(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = reverse("registry:resident_edit", args=[household.child.pk])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update({"occupation": "Pelajar", "reason": "Sesuai KK terbaru", "birth_date": "2010-07-01"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert Resident.objects.get(pk=household.child.pk).occupation == "Pelajar"
    stale = client.post(url, {**data, "occupation": "Santri"})  # still version 1
    assert stale.status_code == 200
    assert "Reload" in stale.content.decode() or "Muat ulang" in stale.content.decode()
    assert Resident.objects.get(pk=household.child.pk).occupation == "Pelajar"
    no_reason = client.post(url, {**data, "version": 2, "occupation": "Santri", "reason": ""})
    assert (
        no_reason.status_code == 200 and Resident.objects.get(pk=household.child.pk).occupation == "Pelajar"
    )


def test_birth_form_registers_and_shows_errors(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = reverse("registry:birth", args=[household.family.pk])
    base = {
        "full_name": "Dinda Lestari", "sex": "F", "birth_date": "2024-05-05", "birth_place": "Purwakarta",
        "mother": household.wife.pk, "father": household.head.pk, "reporter": "Budi", "documents": "SKL 12/2024\n",
    }  # fmt: skip
    before = snapshot()
    bad = client.post(url, {**base, "birth_date": "1970-01-01"})
    assert bad.status_code == 200 and snapshot() == before
    assert bad.context["form"].errors
    response = client.post(url, base)
    assert response.status_code == 302, response.context["form"].errors
    child = Resident.objects.get(full_name="Dinda Lestari")
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:resident", args=[child.pk]
    )
    assert LifeEvent.objects.get(type="birth").documents == ["SKL 12/2024"]


def test_death_move_marriage_divorce_forms(cast, client_for, household, registrar):
    client = client_for(cast.dukcapil)
    response = client.post(
        reverse("registry:divorce", args=[household.wife.pk]),
        {
            "spouse_nik": household.head.nik,
            "occurred_on": "2024-01-02",
            "reporter": "Siti",
            "place": "PA Purwakarta",
        },
    )
    assert response.status_code == 302
    assert Resident.objects.get(pk=household.wife.pk).marital_status == "cerai_hidup"
    response = client.post(
        reverse("registry:marriage", args=[household.child.pk]),
        {"spouse_nik": "3214014101000009", "occurred_on": "2024-01-02", "reporter": "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["spouse_nik"]
    target = cast.desa.code
    response = client.post(
        reverse("registry:move", args=[household.child.pk]),
        {
            "kind": "within",
            "members": [household.child.pk],
            "moved_on": "2024-03-03",
            "to_desa": target,
            "rw": 4,
            "rt": 4,
        },
    )
    assert response.status_code == 302
    assert Resident.objects.get(pk=household.child.pk).relationship == "kepala"
    response = client.post(
        reverse("registry:move", args=[household.head.pk]),
        {"kind": "out", "members": [household.head.pk], "moved_on": "2024-03-03"},
    )
    assert response.status_code == 200 and "destination" in response.context["form"].errors
    response = client.post(
        reverse("registry:death", args=[household.head.pk]),
        {"died_on": "2024-06-06", "reporter": "Ahmad", "place": "Rumah"},
    )
    assert response.status_code == 302 and Resident.objects.get(pk=household.head.pk).life_status == "dead"
    page = client.get(reverse("registry:resident", args=[household.head.pk])).content.decode()
    assert (
        reverse("registry:resident_edit", args=[household.head.pk]) not in page
    )  # no edits on a dead person
    assert client.get(reverse("registry:death", args=[household.head.pk])).status_code == 200
    again = client.post(
        reverse("registry:death", args=[household.head.pk]), {"died_on": "2024-06-07", "reporter": "Ahmad"}
    )
    assert again.status_code == 200 and again.context["form"].non_field_errors()


def test_move_in_form_issues_kk(cast, client_for):
    client = client_for(cast.kec_officer)
    data = {
        "desa": cast.desa.code, "rw": 1, "rt": 1, "address": "Kp. Anyar", "origin": "Kab. Subang", "moved_on": "2024-02-02",
        "nik": "3214010808700001", "full_name": "Ujang Suherman", "sex": "M", "birth_date": "1970-08-08",
        "marital_status": "kawin", "relationship": "kepala",
    }  # fmt: skip
    response = client.post(reverse("registry:move_in"), data)
    assert response.status_code == 302, response.context["form"].errors
    resident = Resident.objects.get(nik="3214010808700001")
    assert response.status_code == 302 and resident.family.kk_number.startswith("321401")
    again = client.post(reverse("registry:move_in"), data)
    assert again.status_code == 200 and "nik" in again.context["form"].errors


def test_phone_pages_send_and_verify(cast, client_for, household):
    client = client_for(cast.desa_operator)
    response = client.post(
        reverse("registry:phone_add", args=[household.wife.pk]),
        {"number": "0857 1234 5678", "consent_broadcast": "on", "channel": "counter"},
    )
    phone = Phone.objects.get(resident=household.wife)
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:phone_verify", args=[phone.pk]
    )
    bad = client.post(
        reverse("registry:phone_add", args=[household.wife.pk]),
        {"number": "+1 415 555 0100", "channel": "counter"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    url = reverse("registry:phone_verify", args=[phone.pk])
    wrong = client.post(url, {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    code = re.search(r"\b(\d{6})\b", SmsMessage.objects.get(purpose="otp").text).group(1)
    if code == "000000":  # the wrong guess above was right by chance
        return
    assert client.post(url, {"code": code}).status_code == 302
    assert Phone.objects.get(pk=phone.pk).verified_at is not None


def test_drive_counts_adults_with_verified_numbers(cast, client_for, household):
    phone = services.phone_add(
        actor=cast.actor(cast.dukcapil),
        resident=household.head,
        number="081299990000",
        consent_broadcast=True,
        channel="field",
    )
    Phone.objects.filter(pk=phone.pk).update(verified_at=phone.created_at)
    response = client_for(cast.kec_officer).get(reverse("registry:drive"), {"kecamatan": cast.kecamatan.code})
    rows = {row["region"].code: row for row in response.context["stats"]["rows"]}
    assert rows[cast.desa.code]["adults"] == 2 and rows[cast.desa.code]["verified"] == 1
    assert rows[cast.desa.code]["percent"] == 50.0


def test_stats_page_and_export(cast, client_for, household, far_household):
    response = client_for(cast.kec_verifier).get(reverse("registry:stats"))
    stats = response.context["stats"]
    assert stats["totals"]["total"] == 3 and stats["totals"]["M"] == 2 and stats["totals"]["F"] == 1
    assert "chart.umd.min.js" in response.content.decode()
    export = client_for(cast.kec_verifier).get(reverse("registry:stats_export"))
    assert export["Content-Type"].startswith("text/csv")
    body = export.content.decode("utf-8-sig")
    assert cast.desa.name in body and cast.other_desa.name not in body
    assert AuditLog.objects.filter(action="registry.stats.export").exists()
    whole = client_for(cast.dukcapil).get(reverse("registry:stats")).context["stats"]
    assert whole["totals"]["total"] == 6 and len(whole["rows"]) == 17  # per kecamatan of the kabupaten


def test_home_panel_for_officers(cast, client_for, household):
    page = client_for(cast.desa_operator).get("/").content.decode()
    assert reverse("registry:search") in page and reverse("registry:drive") in page
    assert "registry/_home_panel" not in page
    admin_page = client_for(cast.admin).get("/").content.decode()
    assert 'action="/registry/"' not in admin_page


def test_history_rows_for_page_writes(cast, client_for, household):
    before = ResidentChange.objects.count()
    services.resident_correct(
        actor=cast.actor(cast.dukcapil),
        resident=household.wife,
        changes={"occupation": "Guru"},
        reason="Data lama",
    )
    assert ResidentChange.objects.count() == before + 1
    page = (
        client_for(cast.dukcapil).get(reverse("registry:resident", args=[household.wife.pk])).content.decode()
    )
    assert "Guru" in page and "Data lama" in page
    from django.utils import formats, translation

    with translation.override("id"):
        assert formats.date_format(date.today()) in page  # e.g. "07 Des 2026"
