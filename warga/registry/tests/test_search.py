"""Name search: Indonesian spelling variants, filters, ranking and scope, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from warga.core.errors import InvalidInput, NotAllowed
from warga.registry import services
from warga.registry.models import Resident
from warga.registry.selectors import SearchFilters, resident_search

from .conftest import person

pytestmark = pytest.mark.django_db

NAMES = [
    ("Moch. Rizky Ramadhan", "M", date(1990, 1, 5)),
    ("Djoko Soesilo", "M", date(1960, 3, 3)),
    ("Siti Nurhasanah", "F", date(1985, 4, 4)),
    ("Tjahjo Koemolo", "M", date(1955, 5, 5)),
    ("Sitti Aminah", "F", date(1970, 6, 6)),
    ("Abdurrahman Wahid", "M", date(1965, 7, 7)),
    ("Budi Santoso", "M", date(1980, 8, 8)),
    ("Dewi Lestari", "F", date(1992, 9, 9)),
]


@pytest.fixture
def people(cast, registrar):
    made = {}
    for serial, (name, sex, born) in enumerate(NAMES, start=1):
        made[name] = services.resident_create(
            actor=registrar, data={**person(name, sex, born, serial), "desa": cast.desa.code}
        )
    # The same name in the other kecamatan: never visible to this kecamatan's officers.
    made["far"] = services.resident_create(
        actor=registrar,
        data={
            **person(
                "Muhammad Rizki Ramadan",
                "M",
                date(1991, 2, 2),
                1,
            ),
            "nik": "3214020202910001",
            "desa": cast.other_desa.code,
        },
    )
    return made


def names(results) -> list[str]:
    return [r.full_name for r in results]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Muhammad Rizki Ramadhan", "Moch. Rizky Ramadhan"),
        ("Mohamad Rizky Ramadan", "Moch. Rizky Ramadhan"),
        ("M. Rizki", "Moch. Rizky Ramadhan"),
        ("Joko Susilo", "Djoko Soesilo"),
        ("Cahyo Kumolo", "Tjahjo Koemolo"),
        ("Nur Hasanah", "Siti Nurhasanah"),
        ("Siti Aminah", "Sitti Aminah"),
        ("Abdul Rahman Wahid", "Abdurrahman Wahid"),
        ("Budi Santosa", "Budi Santoso"),  # a typo: found by trigrams, not by the key
        ("lestari", "Dewi Lestari"),
    ],
)
def test_spelling_variants_found_first(people, cast, query, expected):
    results = resident_search(actor=cast.actor(cast.dukcapil), query=query)
    assert results, query
    assert results[0].full_name == expected
    assert 0 < results[0].score <= 1


def test_exact_key_scores_one_and_ranks_above_partial(people, cast, registrar):
    services.resident_create(
        actor=registrar,
        data={**person("Budi Santoso Wibowo", "M", date(1982, 1, 1), 30), "desa": cast.desa.code},
    )
    results = resident_search(actor=cast.actor(cast.dukcapil), query="Budi Santoso")
    assert names(results)[:2] == ["Budi Santoso", "Budi Santoso Wibowo"]
    assert results[0].score == 1.0 and results[1].score < 1.0


def test_scope_hides_other_kecamatan(people, cast):
    kec = resident_search(actor=cast.actor(cast.kec_officer), query="Muhammad Rizki Ramadan")
    assert "Muhammad Rizki Ramadan" not in names(kec) and "Moch. Rizky Ramadhan" in names(kec)
    outsider = resident_search(actor=cast.actor(cast.outsider), query="Rizki Ramadan")
    assert names(outsider) == ["Muhammad Rizki Ramadan"]
    whole = resident_search(actor=cast.actor(cast.dukcapil), query="Rizki Ramadan")
    assert set(names(whole)) >= {"Muhammad Rizki Ramadan", "Moch. Rizky Ramadhan"}


def test_filters(people, cast):
    actor = cast.actor(cast.dukcapil)
    assert names(resident_search(actor=actor, query="Rizki", filters=SearchFilters(birth_year=1990))) == [
        "Moch. Rizky Ramadhan"
    ]
    assert names(
        resident_search(
            actor=actor, query="Rizki", filters=SearchFilters(kecamatan=cast.other_kecamatan.code)
        )
    ) == ["Muhammad Rizki Ramadan"]
    assert len(resident_search(actor=actor, query="Siti", filters=SearchFilters(sex="M"))) == 0
    listed = resident_search(actor=actor, filters=SearchFilters(desa=cast.desa.code))
    assert listed.count() == len(NAMES)


def test_exact_nik_and_kk(people, cast, household):
    actor = cast.actor(cast.kec_officer)
    nik = people["Budi Santoso"].nik
    assert names(resident_search(actor=actor, query=nik)) == ["Budi Santoso"]
    assert len(resident_search(actor=actor, query=household.family.kk_number)) == 3
    assert resident_search(actor=actor, query=people["far"].nik) == []


def test_bad_queries(cast, people):
    actor = cast.actor(cast.dukcapil)
    with pytest.raises(InvalidInput):
        resident_search(actor=actor, query="")
    with pytest.raises(InvalidInput):
        resident_search(actor=actor, query="ab")
    with pytest.raises(InvalidInput):
        resident_search(actor=actor, query="Budi", filters=SearchFilters(desa="not-a-code"))
    with pytest.raises(NotAllowed):
        resident_search(actor=cast.actor(cast.admin), query="Budi")


def test_index_follows_renames(people, cast, registrar):
    budi = people["Budi Santoso"]
    services.resident_correct(
        actor=registrar,
        resident=budi,
        changes={"full_name": "Bambang Pamungkas"},
        reason="Ganti nama (penetapan PN)",
    )
    actor = cast.actor(cast.dukcapil)
    assert "Bambang Pamungkas" in names(resident_search(actor=actor, query="Bambang Pamungkas"))
    assert budi.pk not in [r.pk for r in resident_search(actor=actor, query="Budi Santoso")]
    Resident.objects.filter(pk=budi.pk).delete()
    assert len(resident_search(actor=actor, query="Bambang Pamungkas")) == 0


def test_a_letter_missing_is_found_and_pages_load_only_their_rows(people, cast, registrar):
    """A typo goes through the trigram neighbours (on PostgreSQL: of the distinct name keys);
    the results load full records one page at a time, each with its score."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = cast.actor(cast.dukcapil)
    found = resident_search(actor=actor, query="Dewi Lestri")
    assert names(found)[0] == "Dewi Lestari"
    with CaptureQueriesContext(connection) as queries:
        first = found[0]
        page = found[0:1]
    assert len(queries) == 2 and first.score == page[0].score and 0.6 <= first.score < 1
    services.resident_correct(
        actor=registrar,
        resident=people["Budi Santoso"],
        changes={"full_name": "Bambang Pamungkas"},
        reason="Ganti nama",
    )
    assert names(resident_search(actor=actor, query="Bambang Pamungkes"))[0] == "Bambang Pamungkas"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_name_key WHERE key IN ('dewilestari', 'bambangpamungkas')"
            )
            assert cursor.fetchone()[0] == 2


MOTHERS = [
    "Nurjanah", "Kokom Komariah", "Eti Rohaeti", "Iis Aisyah", "Euis Kurniasih", "Kokom Kartini",
    "Yati Suryati", "Enok Hasanah", "Cucu Sumiati", "Popon Rohmah", "Neneng Maryam", "Lilis Suryani",
]  # fmt: skip


@pytest.fixture
def namesakes(cast, registrar):
    """Twelve residents called Siti Aminah: the birth date and the mother tell them apart."""
    made = []
    for i in range(12):
        born = date(1970 + 3 * i, 1 + i, 12 - i)
        made.append(
            services.resident_create(
                actor=registrar,
                data={
                    **person("Siti Aminah", "F", born, 50 + i),
                    "desa": cast.desa.code,
                    "mother_name": MOTHERS[i],
                    "father_name": "Ujang",
                },
            )
        )
    return made


def test_birth_date_ranks_the_namesake_born_that_day_first(namesakes, cast):
    actor = cast.actor(cast.kec_officer)
    sought = namesakes[7]
    found = resident_search(
        actor=actor, query="Sitti Aminah", filters=SearchFilters(birth_date=sought.birth_date)
    )
    assert found[0].pk == sought.pk
    # Day and month swapped (as often written on forms): still first.
    swapped = date(sought.birth_date.year, sought.birth_date.day, sought.birth_date.month)
    found = resident_search(actor=actor, query="Siti Aminah", filters=SearchFilters(birth_date=swapped))
    assert found[0].pk == sought.pk
    # Without the date, the twelve share one score.
    plain = resident_search(actor=actor, query="Siti Aminah")
    assert len(plain) == 12 and {r.score for r in plain} == {1.0}


def test_a_parents_name_ranks_the_namesake_first(namesakes, cast):
    actor = cast.actor(cast.kec_officer)
    sought = namesakes[5]  # mother "Kokom Kartini"; another namesake's is "Kokom Komariah"
    found = resident_search(
        actor=actor, query="Siti Aminah", filters=SearchFilters(parent_name="Kokom Kartini")
    )
    assert found[0].pk == sought.pk
    assert found[0].score > found[1].score
    # A parent's name alone never brings in somebody of another name.
    assert "Budi Santoso" not in names(
        resident_search(actor=actor, query="Siti Aminah", filters=SearchFilters(parent_name="Ujang"))
    )


def test_search_page_and_api_take_the_birth_date_and_parent(namesakes, cast, client_for):
    client = client_for(cast.kec_officer)
    page = client.post("/registry/", {"q": "Siti Aminah", "birth_date": "", "parent_name": "Kokom Kartini"})
    assert page.status_code == 200
    rows = page.content.decode()
    sought = namesakes[5]
    assert rows.index(sought.nik) < min(rows.index(other.nik) for other in namesakes if other.pk != sought.pk)
    sought = namesakes[9]
    api = client.post(
        "/api/v1/residents/search",
        {"q": "Siti Aminah", "birth_date": sought.birth_date.isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 200
    assert api.json()["items"][0]["nik"] == sought.nik
    bad = client.post(
        "/api/v1/residents/search",
        {"q": "Siti Aminah", "birth_date": "1990-13-40"},
        content_type="application/json",
    )
    assert bad.status_code == 422
