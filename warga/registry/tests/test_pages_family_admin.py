"""Office pages for register administration outside life events: entering a resident missing
from the register (biodata entry), changing a KK's address, adding and removing members,
splitting a KK. Through the test client: what the officer sees, what the register holds
afterwards (history and audit rows included), the permission grid, and bad input changing nothing.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.regions.models import Region
from warga.registry import services
from warga.registry.models import Family, FamilyChange, FamilyMembership, Resident, ResidentChange

from .conftest import make_household, nik_for, snapshot

pytestmark = pytest.mark.django_db

WRITE_ACTIONS = (
    "registry.resident.create",
    "registry.family.create",
    "registry.family.update",
    "registry.family.add_member",
    "registry.family.remove_member",
    "registry.family.split",
)
FAMILY_PAGES = [
    "registry:family_address",
    "registry:family_member_new",
    "registry:family_member_add",
    "registry:family_member_remove",
    "registry:family_split",
]
# Only registrars hold registry.edit: the desa operator, the outreach officer, the printing
# operator and the administrator are refused; an officer of another kecamatan finds nothing.
FAMILY_GRID = {
    "anonymous": 302,
    "outsider": 404,
    "kec_officer": 200,
    "kec_verifier": 200,
    "dukcapil": 200,
    "head": 200,
    "desa_operator": 403,
    "outreach": 403,
    "printer": 403,
    "admin": 403,
}
NEW_PERSON = {
    "full_name": "Nining Kurniasih",
    "birth_place": "Subang",
    "birth_date": "1975-03-04",
    "sex": "F",
    "religion": "islam",
    "marital_status": "cerai_mati",
    "occupation": "Pedagang",
    "education": "smp",
    "blood_type": "O",
    "citizenship": "WNI",
    "father_name": "Karta",
    "mother_name": "Enok",
    "reason": "Belum tercatat di SIAK; KTP-el diperlihatkan",
}


REQUIRED = "Bidang ini tidak boleh kosong."  # Django's own message, in Indonesian


def people(cast) -> dict:
    return {"anonymous": None, **{name: getattr(cast, name) for name in FAMILY_GRID if name != "anonymous"}}


def new_nik(serial: int = 7) -> str:
    return nik_for(date(1975, 3, 4), "F", serial)


def write_audits() -> int:
    return AuditLog.objects.filter(action__in=WRITE_ACTIONS).count()


def second_desa(cast) -> Region:
    return Region.objects.filter(parent=cast.kecamatan).order_by("code")[1]


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- permission grid


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_family_admin_page_grid(cast, client_for, household, name):
    url = reverse(name, args=[household.family.pk])
    for who, user in people(cast).items():
        response = client_for(user).get(url)
        assert response.status_code == FAMILY_GRID[who], (who, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")


def test_resident_entry_page_grid(cast, client_for):
    url = reverse("registry:resident_new")
    expected = {**FAMILY_GRID, "outsider": 200}  # an area page: the outsider enters people in their own area
    for who, user in people(cast).items():
        assert client_for(user).get(url).status_code == expected[who], who


@pytest.mark.parametrize("name", [*FAMILY_PAGES, "registry:resident_new"])
def test_refused_posts_change_nothing(cast, client_for, household, far_household, name):
    """Roles without registry.edit get 403, the other kecamatan 404, and the register is untouched."""
    args = [] if name == "registry:resident_new" else [household.family.pk]
    body = {
        **NEW_PERSON,
        "nik": new_nik(),
        "kk_number": household.family.kk_number,
        "relationship": "famili_lain",
        "desa": cast.desa.code,
        "rw": 9,
        "rt": 9,
        "address": "Jl. Lain",
        "version": household.family.version,
        "resident": household.child.pk,
        "members": [household.child.pk],
        "new_head": household.child.pk,
    }
    before, audits = snapshot(), write_audits()
    for who in ("desa_operator", "outreach", "admin"):
        assert client_for(getattr(cast, who)).post(reverse(name, args=args), body).status_code == 403, who
    outsider = client_for(cast.outsider).post(reverse(name, args=args), {**body, "desa": ""})
    if args:
        assert outsider.status_code == 404
    else:  # the KK number is not in the outsider's area: said as not found, nothing written
        assert outsider.status_code == 200
        assert (
            "Tidak ada KK dengan nomor ini di wilayah Anda." in outsider.context["form"].errors["kk_number"]
        )
    assert snapshot() == before and write_audits() == audits


def test_links_follow_the_capability(cast, client_for, household):
    family_url = reverse("registry:family", args=[household.family.pk])
    officer_search = text(client_for(cast.kec_officer).get(reverse("registry:search")))
    officer_family = text(client_for(cast.kec_officer).get(family_url))
    assert reverse("registry:resident_new") in officer_search
    for name in FAMILY_PAGES:
        assert reverse(name, args=[household.family.pk]) in officer_family, name
    operator_search = text(client_for(cast.desa_operator).get(reverse("registry:search")))
    operator_family = text(client_for(cast.desa_operator).get(family_url))
    assert reverse("registry:resident_new") not in operator_search
    assert not any(reverse(name, args=[household.family.pk]) in operator_family for name in FAMILY_PAGES)


# --------------------------------------------------------------------------- biodata entry


def test_entry_into_a_new_kk_issues_the_number(cast, client_for, today):
    client = client_for(cast.kec_officer)
    page = text(client.get(reverse("registry:resident_new")))
    assert "Entri biodata penduduk" in page and 'name="reason"' in page and 'name="citizenship"' in page
    data = {
        **NEW_PERSON,
        "nik": new_nik(),
        "desa": cast.desa.code,
        "rw": 3,
        "rt": 5,
        "address": "Kp. Cibening",
    }
    response = client.post(reverse("registry:resident_new"), data, follow=True)
    resident = Resident.objects.get(nik=new_nik())
    assert response.redirect_chain == [(reverse("registry:resident", args=[resident.pk]), 302)]
    family = resident.family
    prefix = "321401" + today.strftime("%d%m%y")
    assert family is not None and family.kk_number.startswith(prefix) and len(family.kk_number) == 16
    assert (family.desa_id, family.rw, family.rt, family.address) == (cast.desa.code, 3, 5, "Kp. Cibening")
    assert family.issued_on == today
    assert resident.relationship == "kepala" and resident.desa_id == cast.desa.code
    assert (resident.full_name, resident.birth_date, resident.sex) == (
        "Nining Kurniasih",
        date(1975, 3, 4),
        "F",
    )
    assert (resident.religion, resident.marital_status, resident.ever_married) == (
        "islam",
        "cerai_mati",
        True,
    )
    assert (resident.occupation, resident.education, resident.blood_type) == ("Pedagang", "smp", "O")
    assert (resident.father_name, resident.mother_name, resident.citizenship) == ("Karta", "Enok", "WNI")
    assert (resident.rw, resident.rt, resident.address, resident.birth_place) == (
        3,
        5,
        "Kp. Cibening",
        "Subang",
    )
    assert FamilyMembership.objects.get(resident=resident, ended_on__isnull=True).relationship == "kepala"
    # What the officer sees: the record, the new KK number, the reason in the history.
    page = text(response)
    assert "Nining Kurniasih" in page and family.kk_number in page
    assert f"KK baru diterbitkan: {family.kk_number}" in page
    assert "Belum tercatat di SIAK; KTP-el diperlihatkan" in page
    # History: the reason on every row written.
    created = ResidentChange.objects.get(resident=resident)
    assert created.action == "create" and created.reason == NEW_PERSON["reason"]
    assert created.changes["nik"] == [None, new_nik()] and created.actor == cast.kec_officer
    family_rows = dict(FamilyChange.objects.filter(family=family).values_list("action", "reason"))
    assert family_rows == {"create": NEW_PERSON["reason"], "member_added": NEW_PERSON["reason"]}
    # Audit: both writes, without personal values; the record opened afterwards is a read.
    audit = AuditLog.objects.get(action="registry.resident.create", object_id=str(resident.pk))
    assert audit.actor == cast.kec_officer and audit.summary["new_family"] is True
    assert "Nining" not in json.dumps(audit.summary) and new_nik() not in json.dumps(audit.summary)
    assert AuditLog.objects.filter(action="registry.family.create", object_id=str(family.pk)).exists()
    assert AuditLog.objects.filter(action="registry.resident.view", object_id=str(resident.pk)).count() == 1


def test_entry_into_an_existing_kk_by_number(cast, client_for, household):
    client = client_for(cast.kec_officer)
    data = {**NEW_PERSON, "nik": new_nik(), "kk_number": household.family.kk_number, "relationship": "mertua"}
    response = client.post(reverse("registry:resident_new"), data)
    resident = Resident.objects.get(nik=new_nik())
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:resident", args=[resident.pk]
    )
    assert resident.family_id == household.family.pk and resident.relationship == "mertua"
    # No address given: the KK's.
    assert (resident.desa_id, resident.rw, resident.rt, resident.address) == (
        cast.desa.code,
        1,
        2,
        "Jl. Merdeka 1",
    )
    assert Family.objects.count() == 1
    added = FamilyChange.objects.get(
        family=household.family, action="member_added", changes__member=[None, resident.pk]
    )
    assert added.reason == NEW_PERSON["reason"]
    page = text(client.get(reverse("registry:family", args=[household.family.pk])))
    assert "Nining Kurniasih" in page and NEW_PERSON["reason"] in page


def test_entry_from_the_family_page(cast, client_for, household):
    client = client_for(cast.dukcapil)
    url = reverse("registry:family_member_new", args=[household.family.pk])
    page = text(client.get(url))
    assert household.family.kk_number in page and 'name="kk_number"' not in page and 'name="desa"' not in page
    assert AuditLog.objects.filter(action="registry.family.view", object_id=str(household.family.pk)).exists()
    response = client.post(url, {**NEW_PERSON, "nik": new_nik(), "relationship": "famili_lain", "rt": 7})
    resident = Resident.objects.get(nik=new_nik())
    assert response.status_code == 302
    assert (resident.family_id, resident.relationship, resident.rt, resident.rw) == (
        household.family.pk,
        "famili_lain",
        7,
        1,
    )
    assert ResidentChange.objects.get(resident=resident).reason == NEW_PERSON["reason"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", REQUIRED),
        ({"reason": "abc"}, "reason", "Isi alasan perubahan ini (paling sedikit 5 karakter)."),
        ({"nik": "3214014403"}, "nik", "NIK harus 16 digit angka"),
        ({"nik": "3214010403750007"}, "nik", "kelamin"),  # coded for a man, given as a woman
        ({"nik": "HEAD", "sex": "M", "birth_date": "1980-05-17"}, "nik", "NIK ini sudah terdaftar."),
        ({"full_name": "Nining 2"}, "full_name", "hanya boleh"),
        ({"birth_date": "2999-01-01"}, "birth_date", ""),
        ({"desa": ""}, "desa", "Pilih desa/kelurahan."),
        ({"relationship": "anak"}, "relationship", "nomor KK yang sudah ada"),
        ({"kk_number": "OTHER_KK"}, "kk_number", "Tidak ada KK dengan nomor ini di wilayah Anda."),
        (
            {"kk_number": "KK", "relationship": ""},
            "relationship",
            "Hubungan dengan kepala keluarga wajib diisi.",
        ),
        ({"kk_number": "KK", "relationship": "kepala"}, "relationship", "sudah mempunyai kepala keluarga"),
        ({"rw": "1000"}, "rw", ""),
    ],
)
def test_entry_bad_input_changes_nothing(cast, client_for, household, far_household, change, field, message):
    numbers = {
        "HEAD": household.head.nik,
        "KK": household.family.kk_number,
        "OTHER_KK": far_household.family.kk_number,
    }
    data = {**NEW_PERSON, "nik": new_nik(), "desa": cast.desa.code}
    data.update({k: numbers.get(v, v) for k, v in change.items()})
    before, audits = snapshot(), write_audits()
    response = client_for(cast.kec_officer).post(reverse("registry:resident_new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert snapshot() == before and write_audits() == audits
    assert 'class="invalid-feedback d-block"' in text(response)


def test_entry_outside_the_area_is_refused(cast, client_for):
    data = {**NEW_PERSON, "nik": new_nik(), "desa": cast.other_desa.code}
    before = snapshot()
    response = client_for(cast.kec_officer).post(reverse("registry:resident_new"), data)
    assert response.status_code == 200 and "desa" in response.context["form"].errors  # not among the choices
    assert snapshot() == before


def test_entry_into_an_inactive_kk_is_refused(cast, client_for, household, registrar):
    Family.objects.filter(pk=household.family.pk).update(is_active=False)
    before = snapshot()
    url = reverse("registry:family_member_new", args=[household.family.pk])
    response = client_for(cast.kec_officer).post(
        url, {**NEW_PERSON, "nik": new_nik(), "relationship": "famili_lain"}
    )
    assert (
        response.status_code == 200
        and "KK ini sudah tidak aktif." in response.context["form"].non_field_errors()
    )
    assert snapshot() == before


# --------------------------------------------------------------------------- KK address


def address_form(client, family) -> dict:
    form = client.get(reverse("registry:family_address", args=[family.pk])).context["form"]
    return {k: ("" if v is None else v) for k, v in form.initial.items()}


def test_address_change_moves_the_members(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = reverse("registry:family_address", args=[household.family.pk])
    page = text(client.get(url))
    assert "Ubah alamat KK" in page and 'value="Jl. Merdeka 1"' in page
    target = second_desa(cast)
    data = {
        **address_form(client, household.family),
        "desa": target.code,
        "rw": 3,
        "rt": 4,
        "address": "Jl. Veteran 7",
        "reason": "Salah input desa saat pendataan",
    }
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("registry:family", args=[household.family.pk]), 302)]
    assert "Alamat KK sudah diubah." in text(response) and "Jl. Veteran 7" in text(response)
    family = Family.objects.get(pk=household.family.pk)
    assert (family.desa_id, family.rw, family.rt, family.address, family.version) == (
        target.code,
        3,
        4,
        "Jl. Veteran 7",
        2,
    )
    for member in Resident.objects.filter(family=family):
        assert (member.desa_id, member.rw, member.rt, member.address) == (target.code, 3, 4, "Jl. Veteran 7")
        row = ResidentChange.objects.get(resident=member, action="family_address")
        assert row.reason == "Salah input desa saat pendataan" and row.changes["rt"] == [2, 4]
    update = FamilyChange.objects.get(family=family, action="update")
    assert update.reason == "Salah input desa saat pendataan"
    assert update.changes == {
        "desa": [cast.desa.code, target.code],
        "rw": [1, 3],
        "rt": [2, 4],
        "address": ["Jl. Merdeka 1", "Jl. Veteran 7"],
    }
    audit = AuditLog.objects.get(action="registry.family.update", object_id=str(family.pk))
    assert audit.summary["fields"] == ["address", "desa", "rt", "rw"] and audit.actor == cast.kec_officer


def test_address_stale_version_shows_conflict_and_changes_nothing(cast, client_for, household, registrar):
    client = client_for(cast.kec_officer)
    url = reverse("registry:family_address", args=[household.family.pk])
    data = {**address_form(client, household.family), "address": "Jl. Baru 2", "reason": "Nama jalan berubah"}
    services.family_update(  # another officer, meanwhile
        actor=registrar, family=household.family, changes={"rt": 9}, reason="Pemekaran RT"
    )
    before, audits = snapshot(), write_audits()
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Muat ulang halaman lalu coba lagi." in " ".join(response.context["form"].non_field_errors())
    assert "Muat ulang" in text(response)
    assert snapshot() == before and write_audits() == audits
    assert Family.objects.get(pk=household.family.pk).address == "Jl. Merdeka 1"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", REQUIRED),
        ({"reason": "ok"}, "reason", "paling sedikit 5 karakter"),
        ({"address": "Jl. Merdeka 1"}, None, "Tidak ada yang diubah."),
        ({"rw": "0"}, "rw", ""),
        ({"desa": "OTHER"}, "desa", ""),
        ({"desa": "32.14.01"}, "desa", ""),  # a kecamatan, not a desa
        ({"version": ""}, None, ""),
    ],
)
def test_address_bad_input_changes_nothing(cast, client_for, household, change, field, message):
    client = client_for(cast.kec_officer)
    data = {**address_form(client, household.family), "address": "Jl. Baru 2", "reason": "Nama jalan berubah"}
    data.update({k: (cast.other_desa.code if v == "OTHER" else v) for k, v in change.items()})
    before, audits = snapshot(), write_audits()
    response = client.post(reverse("registry:family_address", args=[household.family.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    key = field or "__all__"
    if field is not None or message:
        assert key in errors and message in " ".join(errors[key]), errors
    else:
        assert errors
    assert snapshot() == before and write_audits() == audits


# --------------------------------------------------------------------------- members


def test_add_a_resident_who_is_in_no_kk(cast, client_for, household, registrar):
    services.family_remove_member(
        actor=registrar, family=household.family, resident=household.child, reason="Salah masuk KK"
    )
    other = services.family_create(
        actor=registrar, kk_number=None, desa=cast.desa, rw=1, rt=1, address="Kp. A"
    )
    services.resident_create(
        actor=registrar,
        data={
            "nik": nik_for(date(1950, 1, 1), "M", 3),
            "full_name": "Oding",
            "sex": "M",
            "birth_date": date(1950, 1, 1),
        },
        family=other,
        relationship="kepala",
    )
    client = client_for(cast.kec_officer)
    url = reverse("registry:family_member_add", args=[other.pk])
    assert "Tambah anggota KK" in text(client.get(url))
    response = client.post(
        url,
        {"nik": household.child.nik, "relationship": "cucu", "reason": "Ikut kakek, surat pindah RT"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("registry:family", args=[other.pk]), 302)]
    assert "Ahmad Fauzi sudah masuk KK ini." in text(response)
    child = Resident.objects.get(pk=household.child.pk)
    assert (child.family_id, child.relationship, child.address) == (other.pk, "cucu", "Kp. A")
    assert FamilyMembership.objects.get(resident=child, ended_on__isnull=True).family_id == other.pk
    joined = ResidentChange.objects.get(resident=child, action="join_family")
    assert joined.reason == "Ikut kakek, surat pindah RT"
    assert FamilyChange.objects.get(
        family=other, action="member_added", changes__member=[None, child.pk]
    ).reason == ("Ikut kakek, surat pindah RT")
    assert AuditLog.objects.filter(action="registry.family.add_member", object_id=str(other.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", REQUIRED),
        ({"reason": "abc"}, "reason", "paling sedikit 5 karakter"),
        ({"nik": "FAR"}, "nik", "Tidak ada penduduk dengan NIK ini di wilayah Anda."),
        ({"nik": "3214011705800099"}, "nik", "Tidak ada penduduk dengan NIK ini di wilayah Anda."),
        ({"nik": "123"}, "nik", "16"),
        ({"nik": "WIFE"}, "nik", "Penduduk ini sudah menjadi anggota KK ini."),
        ({"nik": "NEIGHBOUR"}, "nik", "masih menjadi anggota KK"),
        ({"relationship": "kepala"}, "relationship", "sudah mempunyai kepala keluarga"),
        ({"relationship": ""}, "relationship", REQUIRED),
    ],
)
def test_add_member_bad_input_changes_nothing(
    cast, client_for, household, far_household, registrar, change, field, message
):
    services.family_remove_member(
        actor=registrar, family=household.family, resident=household.child, reason="Salah masuk KK"
    )
    neighbours = make_household(registrar, cast.desa, serial=20, names=("Asep Saepudin", "Iis Aisah", "Dede"))
    numbers = {"FAR": far_household.child.nik, "WIFE": household.wife.nik, "NEIGHBOUR": neighbours.child.nik}
    data = {"nik": household.child.nik, "relationship": "anak", "reason": "Kembali ke KK orang tua"}
    data.update({k: numbers.get(v, v) for k, v in change.items()})
    before, audits = snapshot(), write_audits()
    response = client_for(cast.kec_officer).post(
        reverse("registry:family_member_add", args=[household.family.pk]), data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert snapshot() == before and write_audits() == audits


def test_remove_the_head_names_a_new_head(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = reverse("registry:family_member_remove", args=[household.family.pk])
    page = text(client.get(url, {"resident": household.head.pk}))
    assert "Keluarkan anggota dari KK" in page and f'value="{household.head.pk}" selected' in page
    response = client.post(
        url, {"resident": household.head.pk, "reason": "Tercatat ganda di KK lain"}, follow=True
    )
    assert response.redirect_chain == [(reverse("registry:family", args=[household.family.pk]), 302)]
    assert "Budi Santoso sudah dikeluarkan dari KK." in text(response)
    head = Resident.objects.get(pk=household.head.pk)
    assert head.family_id is None and head.relationship == "" and head.life_status == "alive"
    assert Resident.objects.get(pk=household.wife.pk).relationship == "kepala"
    membership = FamilyMembership.objects.get(resident=head, family=household.family)
    assert membership.ended_on == timezone.localdate() and membership.end_reason == "removed"
    assert ResidentChange.objects.get(resident=head, action="removed").reason == "Tercatat ganda di KK lain"
    row = FamilyChange.objects.get(family=household.family, action="member_removed")
    assert row.reason == "Tercatat ganda di KK lain" and row.changes["head"] == [head.pk, household.wife.pk]
    assert AuditLog.objects.filter(
        action="registry.family.remove_member", object_id=str(household.family.pk)
    ).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", REQUIRED),
        ({"reason": "abc"}, "reason", "paling sedikit 5 karakter"),
        ({"resident": "FAR"}, "resident", ""),  # not a member: not among the choices
        ({"resident": ""}, "resident", REQUIRED),
    ],
)
def test_remove_member_bad_input_changes_nothing(
    cast, client_for, household, far_household, change, field, message
):
    data = {"resident": household.child.pk, "reason": "Salah masuk KK"}
    data.update({k: (far_household.child.pk if v == "FAR" else v) for k, v in change.items()})
    before, audits = snapshot(), write_audits()
    response = client_for(cast.kec_officer).post(
        reverse("registry:family_member_remove", args=[household.family.pk]), data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert snapshot() == before and write_audits() == audits


# --------------------------------------------------------------------------- split


def test_split_issues_a_new_kk(cast, client_for, household, today):
    client = client_for(cast.kec_verifier)
    url = reverse("registry:family_split", args=[household.family.pk])
    assert "Pisah KK" in text(client.get(url))
    reason = "Anak sudah menikah, membentuk rumah tangga sendiri"
    response = client.post(
        url,
        {
            "members": [household.child.pk],
            "new_head": household.child.pk,
            "address": "Gg. Mawar 3",
            "reason": reason,
        },
        follow=True,
    )
    child = Resident.objects.get(pk=household.child.pk)
    new_family = child.family
    assert new_family is not None and new_family.pk != household.family.pk
    assert response.redirect_chain == [(reverse("registry:family", args=[new_family.pk]), 302)]
    assert f"KK baru diterbitkan: {new_family.kk_number}" in text(response)
    assert new_family.kk_number.startswith("321401" + today.strftime("%d%m%y"))
    assert (new_family.desa_id, new_family.rw, new_family.rt, new_family.address) == (
        cast.desa.code,
        1,
        2,
        "Gg. Mawar 3",
    )
    assert child.relationship == "kepala" and child.address == "Gg. Mawar 3"
    assert set(Resident.objects.filter(family=household.family).values_list("pk", flat=True)) == {
        household.head.pk,
        household.wife.pk,
    }
    assert ResidentChange.objects.get(resident=child, action="split").reason == reason
    assert FamilyChange.objects.get(family=household.family, action="member_split").reason == reason
    assert FamilyChange.objects.get(family=new_family, action="create").reason == reason
    audit = AuditLog.objects.get(action="registry.family.split", object_id=str(household.family.pk))
    assert audit.summary == {"new_family": new_family.pk, "members": 1}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": ""}, "reason", REQUIRED),
        ({"reason": "abc"}, "reason", "paling sedikit 5 karakter"),
        ({"new_head": "WIFE"}, "new_head", "Kepala keluarga baru harus salah satu anggota yang keluar."),
        ({"members": "ALL", "new_head": "HEAD"}, "members", "Semua anggota akan keluar"),
        ({"members": []}, "members", REQUIRED),
        ({"members": ["FAR"]}, "members", ""),
    ],
)
def test_split_bad_input_changes_nothing(cast, client_for, household, far_household, change, field, message):
    ids = {
        "WIFE": household.wife.pk,
        "HEAD": household.head.pk,
        "ALL": [household.head.pk, household.wife.pk, household.child.pk],
        "FAR": far_household.child.pk,
    }
    data = {"members": [household.child.pk], "new_head": household.child.pk, "reason": "Anak sudah menikah"}
    for key, value in change.items():
        data[key] = [ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value)
    before, audits = snapshot(), write_audits()
    response = client_for(cast.kec_officer).post(
        reverse("registry:family_split", args=[household.family.pk]), data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert snapshot() == before and write_audits() == audits


# --------------------------------------------------------------------------- API


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 404), ("kec_officer", 201), ("dukcapil", 201), ("admin", 403)],
)
def test_api_resident_entry_grid(cast, client_for, household, who, status):
    body = {**NEW_PERSON, "nik": new_nik(), "family_id": household.family.pk, "relationship": "famili_lain"}
    before = snapshot()
    response = post(client_for(cast.grid()[who]), "/api/v1/residents/entry", body)
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["kk_number"] == household.family.kk_number
        assert ResidentChange.objects.get(resident_id=response.json()["id"]).reason == NEW_PERSON["reason"]
    else:
        assert snapshot() == before


def test_api_resident_entry_new_kk_and_errors(cast, client_for, household):
    client = client_for(cast.kec_officer)
    body = {**NEW_PERSON, "nik": new_nik(), "desa": cast.desa.code, "rw": 2}
    before = snapshot()
    duplicate = {"nik": household.head.nik, "sex": "M", "birth_date": "1980-05-17", "reason": ""}
    bad = post(client, "/api/v1/residents/entry", {**body, **duplicate})
    assert bad.status_code == 422
    assert {d["code"] for d in bad.json()["details"]} == {"reason_required", "nik_taken"}
    assert snapshot() == before
    response = post(client, "/api/v1/residents/entry", body)
    assert response.status_code == 201
    created = response.json()
    assert created["relationship"] == "kepala" and created["kk_number"].startswith("321401")
    assert Family.objects.get(kk_number=created["kk_number"]).rw == 2


def test_api_split_keeps_the_reason(cast, client_for, household):
    client = client_for(cast.kec_officer)
    url = f"/api/v1/families/{household.family.pk}/split"
    body = {"member_ids": [household.child.pk], "new_head_id": household.child.pk}
    before = snapshot()
    assert post(client, url, {**body, "reason": "x"}).json()["details"][0]["code"] == "reason_required"
    assert snapshot() == before
    response = post(client, url, {**body, "reason": "Anak sudah menikah"})
    assert response.status_code == 201
    assert ResidentChange.objects.get(resident=household.child, action="split").reason == "Anak sudah menikah"
