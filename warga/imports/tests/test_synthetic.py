"""The synthetic population (demo data and benchmarks) is realistic, valid and repeatable."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest

from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import kecamatan_lookup
from warga.registry.identity import check_kk, check_nik
from warga.registry.models import Family, FamilyMembership, Phone, Resident
from warga.registry.names import name_key
from warga.registry.synthetic import PopulationGenerator, plan_desa, populate, spelling_variant

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 15)


def generate(regions, people: int, seed: int) -> list:
    desa = list(
        Region.objects.filter(code__within="32.14.01", level=RegionLevel.DESA).values_list("code", flat=True)
    )
    return list(
        PopulationGenerator(
            plan_desa(desa, people=people, seed=seed),
            seed=seed,
            today=TODAY,
            kabupaten_name="Purwakarta",
            duplicate_rate=0.01,
        )
    )


def test_households_are_valid_and_consistent(regions):
    households = generate(regions, 3000, seed=3)
    people = [p for h in households for p in h.members]
    assert len(people) == 3000
    assert len({p.nik for p in people}) == len(people)
    assert len({h.kk_number for h in households}) == len(households)
    for h in households:
        assert check_kk(
            h.kk_number, region_lookup=lambda code: bool(kecamatan_lookup(code)), today=TODAY
        ).valid
        heads = [p for p in h.members if p.relationship == "kepala"]
        assert len(heads) == 1 and h.members[0] is heads[0]
        parents = [p for p in h.members if p.relationship in ("kepala", "istri")]
        for child in (p for p in h.members if p.relationship == "anak"):
            assert all(child.birth_date > parent.birth_date for parent in parents)
            if any(p.relationship == "istri" for p in h.members) and child.marital_status == "belum_kawin":
                assert child.father_name == heads[0].full_name
        for p in h.members:
            check = check_nik(
                p.nik, kecamatan_lookup=kecamatan_lookup, sex=p.sex, birth_date=p.birth_date, today=TODAY
            )
            assert check.valid, (p.nik, check.errors)
    ages = Counter(min((TODAY.year - p.birth_date.year) // 15, 4) for p in people)
    assert ages[0] > ages[3] > ages[4]  # a pyramid: many children, fewer elderly
    religions = Counter(p.religion for p in people)
    assert religions["islam"] / len(people) > 0.9 and len(religions) >= 2
    assert 3.0 < len(people) / len(households) < 3.8


def test_same_seed_same_population_other_seed_other_population(regions):
    first = [(p.nik, p.full_name) for h in generate(regions, 400, seed=5) for p in h.members]
    again = [(p.nik, p.full_name) for h in generate(regions, 400, seed=5) for p in h.members]
    other = [(p.nik, p.full_name) for h in generate(regions, 400, seed=6) for p in h.members]
    assert first == again and first != other


def test_planted_duplicates_carry_the_errors_they_are_labelled_with(regions):
    households = generate(regions, 3000, seed=8)
    by_nik = {p.nik: p for h in households for p in h.members}
    planted = [h for h in households if h.duplicate_of]
    assert planted
    for h in planted:
        original, copy = by_nik[h.duplicate_of], h.members[0]
        errors = set(h.duplicate_kind.split("+"))
        assert copy.nik != original.nik and copy.sex == original.sex
        assert (copy.birth_date != original.birth_date) == bool(errors & {"date", "swapped"})
        assert (name_key(copy.full_name) != name_key(original.full_name)) == bool(
            errors & {"typo", "dropped"}
        )
        # Never all three errors that change what a scan groups on.
        assert len(errors & {"typo", "dropped", "date", "swapped", "moved"}) <= 2


def test_spelling_variants_fold_to_the_same_key():
    import random

    rng = random.Random(1)
    for name in ("Muhammad Rizky", "Siti Nurhasanah", "Cecep Supriatna", "Jajang Sudrajat", "Nur Aisyah"):
        variant = spelling_variant(name, rng)
        assert variant != name and name_key(variant) == name_key(name)


def test_populate_writes_the_register_and_is_idempotent(cast):
    started = time.monotonic()
    result = populate(
        area_codes=[cast.kecamatan.code, cast.other_kecamatan.code], people=1500, seed=2, duplicate_rate=0.01
    )
    assert time.monotonic() - started < 20
    assert Resident.objects.count() == result.residents == 1500
    assert Family.objects.count() == result.families
    assert FamilyMembership.objects.count() == 1500
    assert Phone.objects.count() == result.phones > 0
    assert Phone.objects.filter(verified_at__isnull=False, consent_broadcast=True).exists()
    assert Resident.objects.exclude(name_key="").count() == 1500
    again = populate(area_codes=[cast.kecamatan.code], people=1500, seed=2)
    assert again.residents == 0 and again.skipped == [cast.kecamatan.code]
    assert Resident.objects.count() == 1500
    # New records after a bulk load get fresh ids.
    family = Family.objects.create(kk_number="3214011501260099", desa_id=cast.desa.code)
    assert family.pk > result.families


def test_demo_seed_small_fills_every_kecamatan_and_is_idempotent(cast):
    from warga.regions.models import Region, RegionLevel
    from warga.registry import demo

    summary = demo.seed(cast.kabupaten, size="small", seed=2026)
    assert "3000 residents" in summary
    assert "nothing added" in demo.seed(cast.kabupaten, size="small", seed=2026)
    kecamatan = Region.objects.filter(code__within=cast.kabupaten.code, level=RegionLevel.KECAMATAN)
    others = kecamatan.count() - 2
    assert Resident.objects.count() == 3000 + 150 * others
    for kec in kecamatan:
        assert Resident.objects.filter(desa__within=kec.code).exists(), kec.code
