"""Register services: each life event, each correction, and each bad input leaving the register unchanged."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.messaging.models import SmsMessage
from warga.regions.models import Region
from warga.regions.selectors import kecamatan_lookup
from warga.registry import services
from warga.registry.identity import check_kk, check_nik
from warga.registry.models import (
    Family,
    FamilyChange,
    FamilyMembership,
    LifeEvent,
    Phone,
    Resident,
    ResidentChange,
)
from warga.registry.names import name_key

from .conftest import nik_for, person, snapshot

pytestmark = pytest.mark.django_db


def refused(exc_type, call, *args, **kwargs):
    """Run a service that must fail; return the error and check nothing changed."""
    before = snapshot()
    with pytest.raises(exc_type) as info:
        call(*args, **kwargs)
    assert snapshot() == before
    return info.value


# --------------------------------------------------------------------------- residents


def test_resident_create_writes_history_audit_and_key(cast, registrar):
    resident = services.resident_create(
        actor=registrar,
        data={**person("Moch. Djoko Soesilo", "M", date(1975, 1, 9), 7), "desa": cast.desa.code},
    )
    assert resident.name_key == name_key("Moch. Djoko Soesilo")
    assert resident.desa == cast.desa and resident.family is None
    change = ResidentChange.objects.get(resident=resident)
    assert change.action == "create" and change.changes["full_name"] == [None, "Moch. Djoko Soesilo"]
    assert change.actor == cast.dukcapil
    assert AuditLog.objects.filter(action="registry.resident.create", object_id=str(resident.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nik": "3299011701800001"}, "nik.unknown_kecamatan"),
        ({"nik": "32140131029900001"}, "nik.length"),
        ({"sex": "F"}, "nik.sex_mismatch"),
        ({"birth_date": date.today() + timedelta(days=3)}, "future_date"),
        ({"birth_date": "1980-02-30"}, "invalid_date"),
        ({"desa": "32.14.99.9999"}, "unknown_region"),
        ({"desa": "32.14.01"}, "not_a_desa"),
        ({"full_name": "Budi 123"}, "invalid_name"),
        ({"full_name": ""}, "required"),
        ({"religion": "jedi"}, "invalid_choice"),
    ],
)
def test_resident_create_bad_input_changes_nothing(cast, registrar, changes, code):
    data = {**person("Budi Santoso", "M", date(1980, 1, 17), 3), "desa": cast.desa.code, **changes}
    error = refused(InvalidInput, services.resident_create, actor=registrar, data=data)
    assert code in [d["code"] for d in error.details]


def test_resident_create_messages_are_indonesian(cast, registrar):
    data = {**person("Budi", "M", date(1999, 2, 1), 1), "nik": "3214993102990001", "desa": cast.desa.code}
    error = refused(InvalidInput, services.resident_create, actor=registrar, data=data)
    messages = " | ".join(d["message"] for d in error.details)
    assert "kode kecamatan 321499 tidak dikenal" in messages
    assert "tanggal lahir 310299 tidak ada" in messages


def test_resident_create_refuses_taken_nik_and_two_heads(household, registrar):
    taken = {**person("Budi Lain", "M", date(1980, 5, 17), 1)}
    error = refused(
        InvalidInput,
        services.resident_create,
        actor=registrar,
        data={**taken, "desa": household.family.desa_id},
    )
    assert error.details[0]["code"] == "nik_taken"
    second_head = person("Joko", "M", date(1990, 3, 3), 4)
    error = refused(
        InvalidInput,
        services.resident_create,
        actor=registrar,
        data=second_head,
        family=household.family,
        relationship="kepala",
    )
    assert [d["code"] for d in error.details] == ["two_heads"]


def test_resident_create_needs_capability_and_area(cast, far_household):
    desa_operator = cast.actor(cast.desa_operator)
    refused(NotAllowed, services.resident_create, actor=desa_operator, data={})
    kec = cast.actor(cast.kec_officer)
    refused(
        NotFound,
        services.resident_create,
        actor=kec,
        data=person("X", "M", date(1990, 1, 1), 9),
        family=far_household.family,
        relationship="anak",
    )
    error = refused(
        InvalidInput,
        services.resident_create,
        actor=kec,
        data={**person("Y", "M", date(1990, 1, 1), 9), "desa": far_household.family.desa_id},
    )
    assert error.details[0]["code"] == "outside_area"


def test_resident_correct_records_old_and_new_values(household, registrar, cast):
    head = household.head
    updated = services.resident_correct(
        actor=registrar,
        resident=head,
        changes={"full_name": "Budi Santosa", "occupation": "Pedagang"},
        reason="Salah ketik pada formulir",
        expected_version=head.version,
    )
    assert updated.version == head.version + 1
    assert updated.name_key == name_key("Budi Santosa")
    change = ResidentChange.objects.filter(resident=head, action="correct").get()
    assert change.changes == {
        "full_name": ["Budi Santoso", "Budi Santosa"],
        "occupation": ["Petani", "Pedagang"],
    }
    assert change.reason == "Salah ketik pada formulir" and change.event.type == "correction"
    audit = AuditLog.objects.get(action="registry.resident.correct")
    assert audit.summary == {"fields": ["full_name", "occupation"]}  # names of fields only, no values


def test_resident_correct_stale_version_conflict(household, registrar):
    head = household.head
    services.resident_correct(
        actor=registrar, resident=head, changes={"occupation": "Guru"}, reason="Data lama salah"
    )
    error = refused(
        Conflict,
        services.resident_correct,
        actor=registrar,
        resident=head,
        changes={"occupation": "Petani"},
        reason="Data lama salah",
        expected_version=head.version,
    )
    assert error.code == "registry.stale_version"


@pytest.mark.parametrize(
    ("changes", "reason", "code"),
    [
        ({"occupation": "Guru"}, "", "registry.reason_required"),
        ({"birth_date": date(1981, 5, 17)}, "Akta kelahiran", "registry.invalid"),
        ({"sex": "F"}, "Akta kelahiran", "registry.invalid"),
        ({"nik": "3214011705800001"}, "Akta kelahiran", "registry.no_change"),
        ({"life_status": "dead"}, "Akta kelahiran", "registry.field_not_correctable"),
        ({"relationship": "anak"}, "Akta kelahiran", "registry.invalid"),
    ],
)
def test_resident_correct_bad_input(household, registrar, changes, reason, code):
    error = refused(
        InvalidInput,
        services.resident_correct,
        actor=registrar,
        resident=household.head,
        changes=changes,
        reason=reason,
    )
    assert error.code == code


def test_resident_correct_birth_date_with_matching_nik(household, registrar):
    child = household.child
    new_nik = nik_for(date(2010, 7, 2), "M", 1)
    services.resident_correct(
        actor=registrar,
        resident=child,
        changes={"birth_date": date(2010, 7, 2), "nik": new_nik},
        reason="Akta kelahiran",
    )
    child.refresh_from_db()
    assert child.nik == new_nik and child.birth_date == date(2010, 7, 2)


def test_child_cannot_become_older_than_parent(cast, registrar, household):
    child = services.birth_register(
        actor=registrar,
        family=household.family,
        full_name="Bayi",
        sex="F",
        birth_date=date(2020, 1, 1),
        birth_place="Purwakarta",
        mother=household.wife,
        father=household.head,
        reporter="Budi",
    )
    new_nik = nik_for(date(1970, 1, 1), "F", 1)
    error = refused(
        InvalidInput,
        services.resident_correct,
        actor=registrar,
        resident=child,
        changes={"birth_date": date(1970, 1, 1), "nik": new_nik},
        reason="Akta kelahiran",
    )
    assert "child_older_than_parent" in [d["code"] for d in error.details]


# --------------------------------------------------------------------------- families


def test_family_create_issues_valid_kk(cast, registrar):
    family = services.family_create(
        actor=registrar, kk_number=None, desa=cast.desa, rw=3, rt=4, address="Kp. Sawah"
    )
    assert family.kk_number.startswith("321401" + timezone.localdate().strftime("%d%m%y"))
    assert check_kk(
        family.kk_number, region_lookup=lambda c: Region.objects.filter(code_plain=c).exists()
    ).valid
    second = services.family_create(
        actor=registrar, kk_number=None, desa=cast.desa, rw=3, rt=4, address="Kp. Sawah"
    )
    assert int(second.kk_number[12:]) == int(family.kk_number[12:]) + 1
    assert FamilyChange.objects.filter(family=family, action="create").exists()


def test_family_create_bad_input(cast, registrar):
    for kk, code in [("123", "kk.length"), ("9999011201200001", "kk.unknown_region")]:
        error = refused(
            InvalidInput,
            services.family_create,
            actor=registrar,
            kk_number=kk,
            desa=cast.desa,
            rw=None,
            rt=None,
            address="",
        )
        assert code in [d["code"] for d in error.details]
    error = refused(
        InvalidInput,
        services.family_create,
        actor=registrar,
        kk_number=None,
        desa=cast.kecamatan,
        rw=0,
        rt=None,
        address="",
    )
    assert {d["code"] for d in error.details} == {"not_a_desa", "invalid"}


def test_family_update_moves_members_address(household, registrar):
    family = services.family_update(
        actor=registrar,
        family=household.family,
        changes={"rt": 9, "address": "Jl. Baru 2"},
        reason="Penomoran RT baru",
    )
    assert family.rt == 9
    household.child.refresh_from_db()
    assert household.child.rt == 9 and household.child.address == "Jl. Baru 2"
    assert ResidentChange.objects.filter(resident=household.child, action="family_address").exists()
    assert FamilyChange.objects.get(family=family, action="update").changes["rt"] == [2, 9]
    refused(
        Conflict,
        services.family_update,
        actor=registrar,
        family=family,
        changes={"rt": 1},
        reason="Penomoran",
        expected_version=1,
    )


def test_remove_head_promotes_wife_and_add_member(household, registrar):
    services.family_remove_member(
        actor=registrar, family=household.family, resident=household.head, reason="Pindah KK"
    )
    household.wife.refresh_from_db()
    household.head.refresh_from_db()
    assert household.wife.relationship == "kepala"
    assert household.head.family is None
    assert FamilyMembership.objects.get(resident=household.head).ended_on == timezone.localdate()
    error = refused(
        InvalidInput,
        services.family_add_member,
        actor=registrar,
        family=household.family,
        resident=household.head,
        relationship="kepala",
        reason="Kembali ke KK",
    )
    assert error.details[0]["code"] == "two_heads"
    services.family_add_member(
        actor=registrar,
        family=household.family,
        resident=household.head,
        relationship="suami",
        reason="Kembali ke KK",
    )
    household.head.refresh_from_db()
    assert household.head.family == household.family and household.head.relationship == "suami"


def test_add_member_of_other_family_refused(household, registrar, cast):
    other = services.family_create(actor=registrar, kk_number=None, desa=cast.desa, rw=1, rt=1, address="")
    error = refused(
        InvalidInput,
        services.family_add_member,
        actor=registrar,
        family=other,
        resident=household.child,
        relationship="anak",
        reason="Ikut saudara",
    )
    assert error.details[0]["code"] == "in_other_family"


def test_family_split(household, registrar):
    new = services.family_split(
        actor=registrar,
        family=household.family,
        members=[household.child],
        new_head=household.child,
        address="Jl. Anyar",
    )
    household.child.refresh_from_db()
    assert household.child.family == new and household.child.relationship == "kepala"
    assert new.address == "Jl. Anyar" and new.kk_number != household.family.kk_number
    assert Resident.objects.filter(family=household.family).count() == 2
    refused(
        InvalidInput,
        services.family_split,
        actor=registrar,
        family=household.family,
        members=[household.head, household.wife],
        new_head=household.head,
    )


# --------------------------------------------------------------------------- life events


def test_birth_issues_next_nik_and_joins_family(household, registrar):
    born = date(2024, 3, 15)
    first = services.birth_register(
        actor=registrar,
        family=household.family,
        full_name="Nur Aisyah",
        sex="F",
        birth_date=born,
        birth_place="RSUD Bayu Asih",
        mother=household.wife,
        father=household.head,
        reporter="Budi Santoso",
        documents=["Surat keterangan lahir"],
        event_ref="SKL-1",
    )
    twin = services.birth_register(
        actor=registrar,
        family=household.family,
        full_name="Nur Aini",
        sex="F",
        birth_date=born,
        birth_place="RSUD Bayu Asih",
        mother=household.wife,
        father=household.head,
        reporter="Budi Santoso",
    )
    assert first.nik == nik_for(born, "F", 1) and twin.nik == nik_for(born, "F", 2)
    assert check_nik(first.nik, kecamatan_lookup=kecamatan_lookup, sex="F", birth_date=born).valid
    assert first.family == household.family and first.relationship == "anak"
    assert first.mother == household.wife and first.mother_name == "Siti Nurhasanah"
    event = LifeEvent.objects.get(type="birth", event_ref="SKL-1")
    assert event.documents == ["Surat keterangan lahir"] and event.place == "RSUD Bayu Asih"
    assert set(event.residents.all()) == {first, household.wife, household.head}
    assert ResidentChange.objects.get(resident=first).action == "birth"


def test_birth_bad_input(household, registrar, cast, far_household):
    base = {
        "actor": registrar,
        "family": household.family,
        "full_name": "Bayi",
        "sex": "M",
        "birth_date": date(2024, 1, 1),
        "birth_place": "Purwakarta",
        "mother": household.wife,
        "father": household.head,
        "reporter": "Bidan",
    }
    cases = [
        ({"mother": far_household.wife}, "mother_not_in_family"),
        ({"birth_date": date(1979, 1, 1)}, "child_older_than_parent"),
        ({"birth_date": timezone.localdate() + timedelta(days=1)}, "future_date"),
        ({"mother": household.head}, "parent_sex"),
        ({"reporter": " "}, "required"),
        ({"sex": "X"}, "invalid_choice"),
    ]
    for change, code in cases:
        error = refused(InvalidInput, services.birth_register, **{**base, **change})
        assert code in [d["code"] for d in error.details], change


def test_death_of_head_names_new_head_and_widows_spouse(household, registrar):
    event = services.death_register(
        actor=registrar,
        resident=household.head,
        died_on=date(2024, 6, 1),
        place="Rumah",
        reporter="Siti",
        documents=["Surat keterangan kematian"],
    )
    head, wife = Resident.objects.get(pk=household.head.pk), Resident.objects.get(pk=household.wife.pk)
    assert head.life_status == "dead" and head.died_on == date(2024, 6, 1) and head.family is None
    assert wife.relationship == "kepala" and wife.marital_status == "cerai_mati"
    assert event.type == "death" and list(event.residents.all()) == [head]
    assert FamilyMembership.objects.get(resident=head).end_reason == "death"
    assert {c.action for c in ResidentChange.objects.filter(event=event)} == {"death", "new_head", "widowed"}
    error = refused(
        InvalidInput,
        services.resident_correct,
        actor=registrar,
        resident=head,
        changes={"occupation": "x"},
        reason="Tidak relevan",
    )
    assert error.code == "registry.resident_dead"
    error = refused(
        InvalidInput,
        services.death_register,
        actor=registrar,
        resident=head,
        died_on=date(2024, 6, 2),
        place="",
        reporter="x",
    )
    assert error.code == "registry.resident_dead"


def test_death_bad_dates(household, registrar):
    for died_on, code in [
        (date(1970, 1, 1), "death_before_birth"),
        (timezone.localdate() + timedelta(days=2), "future_date"),
    ]:
        error = refused(
            InvalidInput,
            services.death_register,
            actor=registrar,
            resident=household.child,
            died_on=died_on,
            place="",
            reporter="Budi",
        )
        assert code in [d["code"] for d in error.details]


def test_last_member_dying_closes_family(cast, registrar):
    family = services.family_create(actor=registrar, kk_number=None, desa=cast.desa, rw=1, rt=1, address="")
    alone = services.resident_create(
        actor=registrar,
        data=person("Mbah Karto", "M", date(1930, 1, 1), 1),
        family=family,
        relationship="kepala",
    )
    services.death_register(
        actor=registrar, resident=alone, died_on=date(2024, 1, 1), place="", reporter="Tetangga"
    )
    family.refresh_from_db()
    assert not family.is_active


def test_move_within_whole_family_and_part(household, registrar, cast):
    target = Region.objects.filter(parent=cast.kecamatan).order_by("code")[1]
    services.move_within(
        actor=registrar,
        residents=[household.child],
        to_desa=target,
        rw=5,
        rt=6,
        address="Gg. Mawar",
        moved_on=date(2024, 2, 1),
    )
    household.child.refresh_from_db()
    assert household.child.desa == target and household.child.relationship == "kepala"
    assert household.child.family != household.family and household.child.family.desa == target
    services.move_within(
        actor=registrar,
        residents=[household.head, household.wife],
        to_desa=target,
        rw=1,
        rt=1,
        address="Jl. Baru",
        moved_on=date(2024, 2, 2),
    )
    household.family.refresh_from_db()
    assert household.family.desa == target
    assert Resident.objects.get(pk=household.wife.pk).desa == target
    assert LifeEvent.objects.filter(type="move_within").count() == 2


def test_move_within_bad_input(household, registrar, cast):
    outside = Region.objects.create(
        code="32.15.01.2001", code_plain="3215012001", name="Luar", level=4, kind="desa"
    )
    for to_desa, code in [(cast.kecamatan, "not_a_desa"), (outside, "outside_region")]:
        error = refused(
            InvalidInput,
            services.move_within,
            actor=registrar,
            residents=[household.child],
            to_desa=to_desa,
            rw=None,
            rt=None,
            address="",
            moved_on=date(2024, 1, 1),
        )
        assert error.details[0]["code"] == code


def test_move_out_and_back_in(household, registrar, cast):
    services.move_out(
        actor=registrar,
        residents=[household.head, household.wife, household.child],
        destination="Kota Bandung",
        moved_on=date(2024, 3, 1),
    )
    household.family.refresh_from_db()
    assert not household.family.is_active
    assert set(Resident.objects.values_list("life_status", flat=True)) == {"moved_out"}
    error = refused(
        InvalidInput,
        services.family_add_member,
        actor=registrar,
        family=household.family,
        resident=household.child,
        relationship="anak",
        reason="Kembali",
    )
    assert error.code == "registry.resident_moved_out"
    child = Resident.objects.get(pk=household.child.pk)
    data = {
        "nik": child.nik,
        "full_name": child.full_name,
        "sex": "M",
        "birth_date": child.birth_date,
        "relationship": "kepala",
    }
    people = services.move_in(
        actor=registrar,
        data=[data],
        family=None,
        desa=cast.desa,
        rw=2,
        rt=2,
        address="Kp. Lama",
        moved_on=date(2024, 5, 1),
        origin="Kota Bandung",
    )
    assert people[0].pk == child.pk
    child.refresh_from_db()
    assert child.life_status == "alive" and child.relationship == "kepala" and child.family.is_active


def test_move_in_new_family_and_bad_input(cast, registrar, household):
    head = {**person("Ujang Suherman", "M", date(1970, 8, 8), 5), "relationship": "kepala"}
    wife = {**person("Neneng Hasanah", "F", date(1975, 9, 9), 5), "relationship": "istri"}
    people = services.move_in(
        actor=registrar,
        data=[head, wife],
        family=None,
        desa=cast.desa,
        rw=1,
        rt=1,
        address="Jl. Pendatang",
        moved_on=date(2024, 1, 10),
        origin="Kab. Karawang",
    )
    assert people[0].family == people[1].family and people[0].relationship == "kepala"
    event = LifeEvent.objects.get(type="move_in")
    assert event.place == "Kab. Karawang" and event.residents.count() == 2
    cases = [
        ([{**person("A", "M", date(1970, 8, 8), 6), "relationship": "anak"}], None, "head_count"),
        ([{**person("B", "M", date(1980, 5, 17), 1), "relationship": "kepala"}], None, "nik_taken"),
        (
            [{**person("C", "M", date(1990, 1, 1), 7), "relationship": "kepala"}],
            household.family,
            "two_heads",
        ),
    ]
    for data, family, code in cases:
        error = refused(
            InvalidInput,
            services.move_in,
            actor=registrar,
            data=data,
            family=family,
            desa=cast.desa,
            rw=1,
            rt=1,
            address="",
            moved_on=date(2024, 1, 10),
            origin="Karawang",
        )
        assert code in [d["code"] for d in error.details]


def test_marriage_with_new_family(cast, registrar, household):
    groom = services.resident_create(
        actor=registrar, data={**person("Asep Saepudin", "M", date(1995, 4, 4), 2), "desa": cast.desa.code}
    )
    services.family_split(
        actor=registrar, family=household.family, members=[household.child], new_head=household.child
    )
    bride = services.birth_register(
        actor=registrar,
        family=household.family,
        full_name="Rina",
        sex="F",
        birth_date=date(2000, 1, 1),
        birth_place="Purwakarta",
        mother=household.wife,
        father=household.head,
        reporter="Budi",
    )
    event = services.marriage_register(
        actor=registrar,
        husband=groom,
        wife=bride,
        married_on=date(2024, 8, 17),
        place="KUA Purwakarta",
        reporter="Asep",
        documents=["Buku nikah"],
        new_family_address="Jl. Pengantin 1",
    )
    groom.refresh_from_db()
    bride.refresh_from_db()
    assert groom.marital_status == bride.marital_status == "kawin" and bride.ever_married
    assert groom.family == bride.family == event.family
    assert groom.relationship == "kepala" and bride.relationship == "istri"


def test_marriage_bad_input(cast, registrar, household):
    error = refused(
        InvalidInput,
        services.marriage_register,
        actor=registrar,
        husband=household.head,
        wife=household.child,
        married_on=date(2024, 1, 1),
        place="",
        reporter="x",
    )
    assert {"wrong_sex", "under_age"} <= {d["code"] for d in error.details}
    error = refused(
        InvalidInput,
        services.marriage_register,
        actor=registrar,
        husband=household.head,
        wife=household.wife,
        married_on=date(2024, 1, 1),
        place="",
        reporter="x",
    )
    assert [d["code"] for d in error.details] == ["already_married"]


def test_divorce_splits_wife_into_own_family(household, registrar):
    services.divorce_register(
        actor=registrar,
        husband=household.head,
        wife=household.wife,
        divorced_on=date(2024, 9, 1),
        place="Pengadilan Agama Purwakarta",
        reporter="Siti",
        documents=["Akta cerai"],
    )
    head, wife = Resident.objects.get(pk=household.head.pk), Resident.objects.get(pk=household.wife.pk)
    assert head.marital_status == wife.marital_status == "cerai_hidup"
    assert wife.family != head.family and wife.relationship == "kepala" and head.relationship == "kepala"
    error = refused(
        InvalidInput,
        services.divorce_register,
        actor=registrar,
        husband=head,
        wife=wife,
        divorced_on=date(2024, 9, 2),
        place="",
        reporter="x",
    )
    assert {d["code"] for d in error.details} == {"not_married"}


def test_events_need_capability(cast, household):
    desa_operator = cast.actor(cast.desa_operator)
    refused(
        NotAllowed,
        services.death_register,
        actor=desa_operator,
        resident=household.head,
        died_on=date(2024, 1, 1),
        place="",
        reporter="x",
    )
    outsider = cast.actor(cast.outsider)
    refused(
        NotFound,
        services.death_register,
        actor=outsider,
        resident=household.head,
        died_on=date(2024, 1, 1),
        place="",
        reporter="x",
    )


# --------------------------------------------------------------------------- phones


def _last_code() -> str:
    message = SmsMessage.objects.filter(purpose="otp").latest("pk")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_phone_add_sends_otp_and_verifies(household, cast):
    actor = cast.actor(cast.desa_operator)
    phone = services.phone_add(
        actor=actor,
        resident=household.head,
        number="0812-3456-7890",
        consent_broadcast=True,
        channel="counter",
    )
    assert phone.number == "+6281234567890" and phone.consent_at and phone.consent_channel == "counter"
    assert phone.otp_hash and len(phone.otp_hash) == 64
    sms = SmsMessage.objects.get(purpose="otp")
    assert sms.to == "+6281234567890"
    code = _last_code()
    assert code not in phone.otp_hash
    with pytest.raises(InvalidInput) as info:
        services.phone_verify(actor=actor, phone=phone, code="000000" if code != "000000" else "111111")
    assert info.value.code == "registry.otp_wrong"
    phone.refresh_from_db()
    assert phone.otp_attempts == 1 and phone.verified_at is None
    verified = services.phone_verify(actor=actor, phone=phone, code=code)
    assert verified.verified_at is not None and verified.can_receive_broadcasts
    assert ResidentChange.objects.filter(resident=household.head, action="phone_verify").exists()


def test_phone_otp_expiry_and_attempt_limit(household, cast):
    actor = cast.actor(cast.kec_officer)
    phone = services.phone_add(
        actor=actor,
        resident=household.wife,
        number="+62 857 1111 2222",
        consent_broadcast=False,
        channel="field",
    )
    code = _last_code()
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(services.OTP_MAX_ATTEMPTS):
        with pytest.raises(InvalidInput):
            services.phone_verify(actor=actor, phone=phone, code=wrong)
    with pytest.raises(InvalidInput) as info:
        services.phone_verify(actor=actor, phone=phone, code=code)
    assert info.value.code == "registry.otp_locked"
    with pytest.raises(Conflict):
        services.phone_resend_code(actor=actor, phone=phone)  # less than a minute ago
    Phone.objects.filter(pk=phone.pk).update(
        otp_sent_at=timezone.now() - timedelta(minutes=20),
        otp_expires_at=timezone.now() - timedelta(minutes=10),
    )
    with pytest.raises(InvalidInput) as info:
        services.phone_verify(actor=actor, phone=phone, code=code)
    assert info.value.code == "registry.otp_expired"
    services.phone_resend_code(actor=actor, phone=phone)
    assert services.phone_verify(actor=actor, phone=phone, code=_last_code()).verified_at


def test_phone_bad_input_and_consent(household, cast):
    actor = cast.actor(cast.desa_operator)
    for number in ("12", "+1 202 555 0100", ""):
        refused(
            InvalidInput,
            services.phone_add,
            actor=actor,
            resident=household.head,
            number=number,
            consent_broadcast=False,
            channel="counter",
        )
    refused(
        InvalidInput,
        services.phone_add,
        actor=actor,
        resident=household.head,
        number="081234567890",
        consent_broadcast=False,
        channel="fax",
    )
    refused(
        NotFound,
        services.phone_add,
        actor=cast.actor(cast.outsider),
        resident=household.head,
        number="081234567890",
        consent_broadcast=False,
        channel="sms",
    )
    phone = services.phone_add(
        actor=actor,
        resident=household.head,
        number="081234567890",
        consent_broadcast=False,
        channel="counter",
    )
    refused(
        Conflict,
        services.phone_add,
        actor=actor,
        resident=household.head,
        number="+6281234567890",
        consent_broadcast=False,
        channel="counter",
    )
    services.phone_consent_set(actor=actor, phone=phone, consent_broadcast=False, channel="sms")
    phone.refresh_from_db()
    assert phone.opted_out_at is not None and not phone.can_receive_broadcasts
    services.phone_consent_set(actor=actor, phone=phone, consent_broadcast=True, channel="counter")
    phone.refresh_from_db()
    assert phone.opted_out_at is None and phone.consent_broadcast and phone.consent_channel == "counter"


def test_history_has_no_row_for_refused_family_change(household, registrar):
    before = FamilyChange.objects.count()
    with pytest.raises(InvalidInput):
        services.family_update(
            actor=registrar, family=household.family, changes={"rt": 2}, reason="Sama saja"
        )
    assert FamilyChange.objects.count() == before
    assert Family.objects.get(pk=household.family.pk).version == household.family.version
