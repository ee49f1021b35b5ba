"""Duplicate detection, the review queue (pages and API), merging and rejecting."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, InvalidInput
from warga.dedupe.models import CandidateStatus, DuplicateCandidate, ResidentMerge
from warga.dedupe.services import (
    Person,
    candidates_for,
    duplicate_confirm,
    duplicate_reject,
    duplicates_scan,
    score_pair,
)
from warga.registry.models import Family, FamilyMembership, Phone, Resident, ResidentChange
from warga.registry.names import name_key
from warga.registry.synthetic import populate

pytestmark = pytest.mark.django_db


def person(**changes) -> Person:
    base = {
        "id": 1,
        "nik": "3214010101900001",
        "full_name": "Muhammad Rizky Saepudin",
        "name_key": "",
        "birth_date": date(1990, 1, 1),
        "sex": "M",
        "mother_name": "Euis Kartini",
        "father_name": "Asep Saepudin",
        "desa_id": "32.14.01.1001",
        "family_id": 10,
        "relationship": "kepala",
    }
    base.update(changes)
    base["name_key"] = name_key(base["full_name"])
    return Person(**base)


def test_score_explains_a_spelling_variant_of_the_same_person():
    a = person()
    b = person(
        id=2, nik="3214010101900002", full_name="Moch. Rizki Saefudin", desa_id="32.14.01.1002", family_id=11
    )
    score, components = score_pair(a, b)
    assert score >= 0.9
    keys = {c["key"]: c for c in components}
    assert keys["name"]["points"] == pytest.approx(0.40)
    assert keys["birth_date"]["detail"] == "same"
    assert keys["place"]["detail"] == "same_kecamatan"
    assert keys["mother"]["detail"] == "same"


def test_score_keeps_namesakes_with_other_mothers_and_twins_below_the_threshold():
    a = person()
    namesake = person(
        id=2, nik="3214010101900002", mother_name="Siti Maryam", father_name="Dadang Hidayat", family_id=12
    )
    assert score_pair(a, namesake)[0] < 0.75
    # Twins (Rina and Rini) share everything but the name, and their KK says they are two children.
    rina = person(full_name="Rina Lestari", sex="F", relationship="anak")
    rini = person(id=3, nik="3214014101900003", full_name="Rini Lestari", sex="F", relationship="anak")
    assert score_pair(rina, rini)[0] < 0.75
    other = person(id=4, full_name="Dewi Lestari", sex="F", mother_name="Imas")
    assert score_pair(a, other)[0] < 0.5


@pytest.fixture
def planted(cast):
    result = populate(
        area_codes=[cast.kecamatan.code], people=700, seed=11, duplicate_rate=0.04, today=date(2026, 1, 15)
    )
    assert len(result.duplicates) >= 5
    return result


def _pair(nik_a: str, nik_b: str) -> tuple[int, int]:
    a, b = Resident.objects.get(nik=nik_a).pk, Resident.objects.get(nik=nik_b).pk
    return min(a, b), max(a, b)


def test_full_scan_finds_the_planted_duplicates_and_nothing_else(planted):
    result = duplicates_scan()
    found = set(DuplicateCandidate.objects.values_list("resident_a_id", "resident_b_id"))
    truth = {_pair(a, b) for a, b in planted.duplicates}
    assert found == truth
    assert result.created == len(truth)
    # A second scan proposes nothing new.
    assert duplicates_scan().created == 0


def test_a_pair_marked_not_the_same_is_never_proposed_again(cast, planted):
    duplicates_scan()
    candidate = DuplicateCandidate.objects.first()
    duplicate_reject(actor=cast.actor(cast.dukcapil), candidate=candidate, note="beda orang")
    DuplicateCandidate.objects.exclude(pk=candidate.pk).delete()
    duplicates_scan()
    assert (
        DuplicateCandidate.objects.filter(
            resident_a=candidate.resident_a, resident_b=candidate.resident_b
        ).count()
        == 1
    )
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED
    with pytest.raises(Conflict):
        duplicate_reject(actor=cast.actor(cast.dukcapil), candidate=candidate)


def _twin_data(original: Resident) -> dict:
    serial = int(original.nik[12:]) + 50
    return {
        "nik": original.nik[:12] + f"{serial:04d}",
        "full_name": original.full_name.upper(),
        "birth_date": original.birth_date,
        "sex": original.sex,
        "mother_name": original.mother_name,
        "father_name": original.father_name,
        "desa": original.desa_id,
    }


def test_candidates_for_a_new_resident(cast, planted, django_capture_on_commit_callbacks):
    from warga.registry.services import resident_create

    original = Resident.objects.filter(relationship="kepala", sex="F").exclude(mother_name="").first()
    actor = cast.actor(cast.kec_verifier)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = resident_create(actor=actor, data=_twin_data(original))
    # Nothing is proposed before the registration commits; then the worker compares.
    assert not DuplicateCandidate.objects.filter(resident_b_id=created.pk).exists()
    # The duplicate check (and the daily facts' refresh) wait for the commit.
    assert callbacks
    for callback in callbacks:
        callback()
    # resident_create had the new person checked: the pair is in the review queue.
    queued = DuplicateCandidate.objects.filter(resident_b_id=created.pk)
    assert [(c.resident_a_id, c.resident_b_id) for c in queued] == [(original.pk, created.pk)]
    assert queued[0].source == "create"
    assert candidates_for(created) == []  # a pair already proposed is not proposed again


def test_a_rolled_back_registration_proposes_nothing(cast, planted, django_capture_on_commit_callbacks):
    from django.db import transaction

    from warga.registry.services import resident_create

    original = Resident.objects.filter(relationship="kepala", sex="F").exclude(mother_name="").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        resident_create(actor=cast.actor(cast.kec_verifier), data=_twin_data(original))
        transaction.set_rollback(True)
    assert callbacks == []
    assert not DuplicateCandidate.objects.filter(resident_a_id=original.pk).exists()


def test_merge_moves_phones_and_family_and_keeps_history(cast, planted):
    duplicates_scan()
    original_nik, duplicate_nik = planted.duplicates[0]
    kept = Resident.objects.get(nik=original_nik)
    retired = Resident.objects.get(nik=duplicate_nik)
    candidate = DuplicateCandidate.objects.get(
        resident_a_id=min(kept.pk, retired.pk), resident_b_id=max(kept.pk, retired.pk)
    )
    Phone.objects.create(resident=retired, number="+6281299990001", verified_at=timezone.now())
    old_family = retired.family
    merge = duplicate_confirm(
        actor=cast.actor(cast.dukcapil), candidate=candidate, keep=kept, reason="sama orang, dicek dengan KK"
    )
    retired.refresh_from_db()
    kept.refresh_from_db()
    assert merge.retired == retired and merge.kept == kept
    assert retired.life_status == "merged" and retired.family_id is None and retired.merge_record == merge
    assert Phone.objects.filter(resident=kept, number="+6281299990001").exists()
    assert not Family.objects.get(pk=old_family.pk).is_active  # the duplicate was alone in its KK
    assert FamilyMembership.objects.get(resident=retired, family=old_family).end_reason == "merged"
    assert ResidentChange.objects.get(resident=kept, action="merge").changes["merged_nik"] == [
        None,
        duplicate_nik,
    ]
    assert ResidentChange.objects.get(resident=retired, action="merged_into").changes["merged_into"] == [
        None,
        kept.nik,
    ]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.CONFIRMED and candidate.kept == kept
    assert AuditLog.objects.filter(action="dedupe.candidate.confirm", object_id=str(candidate.pk)).exists()
    # The retired record is left out of later scans.
    DuplicateCandidate.objects.exclude(pk=candidate.pk).delete()
    duplicates_scan()
    others = DuplicateCandidate.objects.exclude(pk=candidate.pk)
    assert not others.filter(resident_b=retired).exists() and not others.filter(resident_a=retired).exists()


def test_merge_bad_input_changes_nothing(cast, planted):
    duplicates_scan()
    candidate = DuplicateCandidate.objects.first()
    actor = cast.actor(cast.dukcapil)
    with pytest.raises(InvalidInput):
        duplicate_confirm(actor=actor, candidate=candidate, keep=candidate.resident_a_id, reason="x")
    outsider = Resident.objects.exclude(pk__in=[candidate.resident_a_id, candidate.resident_b_id]).first()
    with pytest.raises(InvalidInput):
        duplicate_confirm(actor=actor, candidate=candidate, keep=outsider.pk, reason="alasan yang cukup")
    assert ResidentMerge.objects.count() == 0
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.OPEN


def test_retiring_a_head_with_other_members_is_refused(cast, planted):
    duplicates_scan()
    original_nik, duplicate_nik = planted.duplicates[0]
    kept, dup = Resident.objects.get(nik=duplicate_nik), Resident.objects.get(nik=original_nik)
    family = dup.family
    head = Resident.objects.get(family=family, relationship="kepala")
    if head.pk != dup.pk:  # make the original the head of a family with other members
        Resident.objects.filter(pk=head.pk).update(relationship="famili_lain")
        Resident.objects.filter(pk=dup.pk).update(relationship="kepala")
    Resident.objects.create(
        nik="3214014101100009",
        full_name="Anggota Lain",
        birth_date=date(2010, 1, 1),
        sex="F",
        desa_id=dup.desa_id,
        family=family,
        relationship="anak",
    )
    candidate = DuplicateCandidate.objects.get(
        resident_a_id=min(kept.pk, dup.pk), resident_b_id=max(kept.pk, dup.pk)
    )
    with pytest.raises(Conflict):
        duplicate_confirm(
            actor=cast.actor(cast.dukcapil), candidate=candidate, keep=kept, reason="orang yang sama"
        )
    assert ResidentMerge.objects.count() == 0


# --------------------------------------------------------------------------- pages and API


@pytest.mark.parametrize(
    "who, queue, detail",
    [
        ("anonymous", 302, 302),
        ("outsider", 403, 403),
        ("kec_officer", 403, 403),
        ("dukcapil", 200, 200),
        ("head", 200, 200),
        ("admin", 403, 403),
    ],
)
def test_permission_grid_pages(cast, client_for, planted, who, queue, detail):
    duplicates_scan()
    candidate = DuplicateCandidate.objects.first()
    client = client_for(None if who == "anonymous" else getattr(cast, who))
    assert client.get(reverse("dedupe:queue")).status_code == queue
    assert client.get(reverse("dedupe:candidate", args=[candidate.pk])).status_code == detail
    response = client.post(reverse("dedupe:reject", args=[candidate.pk]), {"note": ""})
    candidate.refresh_from_db()
    if detail == 200:
        assert response.status_code == 302 and candidate.status == CandidateStatus.REJECTED
    else:
        assert candidate.status == CandidateStatus.OPEN


def test_review_page_shows_both_records_and_the_score_and_merges(cast, client_for, planted):
    duplicates_scan()
    candidate = DuplicateCandidate.objects.order_by("-score").first()
    client = client_for(cast.dukcapil)
    queue = client.get(reverse("dedupe:queue")).content.decode()
    assert candidate.resident_a.full_name in queue
    page = client.get(reverse("dedupe:candidate", args=[candidate.pk])).content.decode()
    assert candidate.resident_a.nik in page and candidate.resident_b.nik in page
    assert "Mengapa pasangan ini diusulkan" in page and "Nama ibu" in page
    assert AuditLog.objects.filter(action="registry.resident.duplicate_review").count() == 2
    bad = client.post(
        reverse("dedupe:candidate", args=[candidate.pk]), {"keep": candidate.resident_a_id, "reason": ""}
    )
    assert bad.status_code == 200 and ResidentMerge.objects.count() == 0
    done = client.post(
        reverse("dedupe:candidate", args=[candidate.pk]),
        {"keep": candidate.resident_a_id, "reason": "dicek dengan akta kelahiran"},
    )
    assert done.status_code == 302, re.findall(
        r"(?:alert-danger|invalid-feedback)[^>]*>([^<]*)", done.content.decode()
    )
    assert ResidentMerge.objects.get().kept_id == candidate.resident_a_id


def test_candidate_outside_the_area_is_not_found(cast, client_for):
    populate(area_codes=[cast.other_kecamatan.code], people=400, seed=5, duplicate_rate=0.05)
    duplicates_scan()
    candidate = DuplicateCandidate.objects.first()
    from warga.accounts.models import User
    from warga.accounts.services import staff_create

    other_verifier = staff_create(
        actor=None,
        username="kecverif2",
        password="test-password-123",
        full_name="Kec Verif",
        roles=["disdukcapil_verifier"],
        unit_id=None,
        area_code=cast.kecamatan.code,
    )
    client = client_for(User.objects.get(pk=other_verifier.pk))
    assert client.get(reverse("dedupe:candidate", args=[candidate.pk])).status_code == 404
    assert client.get(f"/api/v1/duplicates/{candidate.pk}").status_code == 404
    assert candidate.resident_a.full_name not in client.get(reverse("dedupe:queue")).content.decode()


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 401), ("outsider", 403), ("kec_officer", 403), ("dukcapil", 200), ("admin", 403)],
)
def test_permission_grid_api(cast, client_for, planted, who, status):
    duplicates_scan()
    candidate = DuplicateCandidate.objects.first()
    client = client_for(None if who == "anonymous" else getattr(cast, who))
    assert client.get("/api/v1/duplicates").status_code == status
    assert client.get(f"/api/v1/duplicates/{candidate.pk}").status_code == status
    response = client.post(
        f"/api/v1/duplicates/{candidate.pk}/reject", {"note": "beda"}, content_type="application/json"
    )
    assert response.status_code == status


def test_api_list_detail_confirm_and_errors(cast, client_for, planted):
    duplicates_scan()
    client = client_for(cast.dukcapil)
    listing = client.get("/api/v1/duplicates").json()
    assert listing["count"] == DuplicateCandidate.objects.count()
    first = listing["items"][0]
    assert "full_name" not in first
    detail = client.get(f"/api/v1/duplicates/{first['id']}").json()
    assert {c["key"] for c in detail["components"]} >= {"name", "birth_date", "mother", "place"}
    assert detail["components"][0]["label"] == "Nama"
    short = client.post(
        f"/api/v1/duplicates/{first['id']}/confirm",
        {"keep_id": first["resident_a_id"], "reason": "x"},
        content_type="application/json",
    )
    assert short.status_code == 422 and short.json()["code"] == "invalid_input"
    wrong = client.post(
        f"/api/v1/duplicates/{first['id']}/confirm",
        {"keep_id": 0, "reason": "orang yang sama"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and ResidentMerge.objects.count() == 0
    # Keep the record that heads a KK, if either does (retiring a head with members is refused).
    head_a = Resident.objects.get(pk=first["resident_a_id"]).relationship == "kepala"
    keep_id = first["resident_a_id"] if head_a else first["resident_b_id"]
    ok = client.post(
        f"/api/v1/duplicates/{first['id']}/confirm",
        {"keep_id": keep_id, "reason": "orang yang sama"},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "confirmed" and ok.json()["kept_id"] == keep_id
    again = client.post(
        f"/api/v1/duplicates/{first['id']}/reject", {"note": ""}, content_type="application/json"
    )
    assert again.status_code == 409
