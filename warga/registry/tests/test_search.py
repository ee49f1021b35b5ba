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
    # The kecamatan's officer: the kabupaten also holds "Muhammad Rizki Ramadan", a namesake
    # (same key) whose spelling is nearer to some of these (see the next test).
    results = resident_search(actor=cast.actor(cast.kec_officer), query=query)
    assert results, query
    assert results[0].full_name == expected
    assert 0 < results[0].score <= 1


def test_namesakes_in_the_spelling_typed_first(people, cast):
    """Equal keys score alike; the stored spelling nearest to the one typed goes first."""
    actor = cast.actor(cast.dukcapil)
    assert names(resident_search(actor=actor, query="Mohamad Rizky Ramadan"))[:2] == [
        "Muhammad Rizki Ramadan",
        "Moch. Rizky Ramadhan",
    ]
    assert names(resident_search(actor=actor, query="Moch Rizky Ramadhan"))[:2] == [
        "Moch. Rizky Ramadhan",
        "Muhammad Rizki Ramadan",
    ]


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


def test_the_next_page_keeps_the_birth_date_told(namesakes, cast, client_for, registrar, monkeypatch):
    """The pager carries the filters back in a form the search reads, whatever the language."""
    import re

    from warga.registry import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    born = namesakes[7].birth_date
    twin = _add(
        registrar, "Siti Aminah", born, 90, cast.desa, mother_name="Kokom Kartini", father_name="Ujang"
    )
    client = client_for(cast.kec_officer)
    told = {"q": "Siti Aminah", "birth_date": born.isoformat(), "parent_name": "Ujang"}
    first = client.post("/registry/", told, HTTP_HX_REQUEST="true").content.decode()
    pager = first[first.rindex('<form method="post" action="/registry/"') :]
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', pager))
    hidden.pop("csrfmiddlewaretoken")
    assert hidden == told
    second = client.post("/registry/", {**hidden, "page": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert "alert-warning" not in second and second.count("list-group-item-action") == 1
    assert (namesakes[7].nik in first) != (namesakes[7].nik in second)
    assert (twin.nik in first) != (twin.nik in second)


def test_namesakes_nothing_tells_apart_are_pointed_out(namesakes, cast, client_for):
    client = client_for(cast.kec_officer)
    plain = client.post("/registry/", {"q": "Siti Aminah"}, HTTP_HX_REQUEST="true").content.decode()
    assert "12 penduduk di halaman ini sama cocoknya" in plain
    told = client.post(
        "/registry/", {"q": "Siti Aminah", "parent_name": "Kokom Kartini"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "sama cocoknya" not in told
    one = client.post("/registry/", {"q": "Siti Aminah", "birth_year": "1985"}, HTTP_HX_REQUEST="true")
    assert "sama cocoknya" not in one.content.decode()


def _add(registrar, name: str, born: date, serial: int, desa, **extra) -> Resident:
    return services.resident_create(
        actor=registrar, data={**person(name, "M", born, serial, **extra), "desa": desa.code}
    )


def test_a_slip_in_a_short_name_is_found_and_the_year_told_decides(cast, registrar):
    """One slip changes most trigrams of a short name: the names one slip away are looked up."""
    sought = _add(registrar, "Rizal", date(1990, 2, 2), 70, cast.desa)
    _add(registrar, "Rizal", date(1985, 3, 3), 71, cast.desa)
    actor = cast.actor(cast.kec_officer)
    found = resident_search(actor=actor, query="Rzial", filters=SearchFilters(birth_year=1990))
    assert [r.pk for r in found] == [sought.pk]
    assert 0.6 <= found[0].score < 1
    # Without the year both are shown, as good an answer as each other.
    assert len(resident_search(actor=actor, query="Rzial")) == 2


def test_a_slip_that_changes_how_the_name_folds(cast, registrar):
    """ "Ilhammoch." keys to "ilhamoh" (Moch. is only Muhammad as a word of its own), "Roista"
    to "raista" (the Javanese "oi"): their keys are far from the names, the spellings are not."""
    ilham = _add(registrar, "Ilham Moch.", date(1990, 1, 1), 72, cast.desa)
    rosita = _add(registrar, "Rosita", date(1991, 1, 1), 73, cast.desa)
    actor = cast.actor(cast.kec_officer)
    assert (
        resident_search(actor=actor, query="Ilhammoch.", filters=SearchFilters(desa=cast.desa.code))[0].pk
        == ilham.pk
    )
    assert (
        resident_search(actor=actor, query="Roista", filters=SearchFilters(birth_year=1991))[0].pk
        == rosita.pk
    )


def test_three_letters_typed_are_enough_even_if_the_key_is_shorter(cast, registrar):
    aas = _add(registrar, "Aas", date(1960, 1, 1), 74, cast.desa)
    actor = cast.actor(cast.kec_officer)
    assert resident_search(actor=actor, query="Aas")[0].pk == aas.pk  # key "as"
    assert resident_search(actor=actor, query="Aash")[0].pk == aas.pk
    with pytest.raises(InvalidInput):
        resident_search(actor=actor, query="Aa")


def test_a_desa_given_with_its_kecamatan_ranks(cast, registrar):
    """With the kecamatan, the desa told ranks instead of narrowing: its resident first, the
    namesake registered in the next desa after (people give the desa they live in)."""
    from warga.regions.models import Region

    next_desa = Region.objects.filter(parent=cast.kecamatan).order_by("code")[1]
    here = _add(registrar, "Dadan Saepulloh", date(1976, 1, 1), 75, cast.desa)
    there = _add(registrar, "Dadan Saepulloh", date(1977, 1, 1), 76, next_desa)
    actor = cast.actor(cast.kec_officer)
    both = SearchFilters(desa=cast.desa.code, kecamatan=cast.kecamatan.code)
    assert [r.pk for r in resident_search(actor=actor, query="Dadan Saeuplloh", filters=both)] == [
        here.pk,
        there.pk,
    ]
    assert [
        r.pk
        for r in resident_search(
            actor=actor, query="Dadan Saepulloh", filters=SearchFilters(desa=next_desa.code)
        )
    ] == [there.pk]


def test_a_parent_sharing_a_common_name_counts_for_little():
    """Sharing a common first or last name with the parent told is what different people do;
    the parent's own name written differently, or one of its names, is what the same one does."""
    from warga.registry.names import name_key
    from warga.registry.selectors import _parent_agreement

    def agreement(told: str, father: str, mother: str = "") -> float:
        return _parent_agreement(name_key(told), told, (father, mother))

    assert agreement("Ajat Setiawan", "Asep Setiawan") == 0.0
    assert agreement("Ajat Setiawan", "Ajat Sudrajat") == 0.0
    assert agreement("Ajat Setiawan", "Adjat Setiawan") == 1.0
    assert agreement("Siti Aminah", "Ujang", "Sitti Aminah") == 1.0
    assert 0.5 < agreement("Siti Kusuma", "Ujang", "Siti Kusumawati") < 1.0


def test_the_parent_told_finds_the_namesake_among_many(cast, registrar):
    """More namesakes than are kept for ranking: those whose parent is nearest to the one told
    are the ones handed over (the sought one, added last, would not be among the first by id)."""
    from warga.registry import selectors

    count = selectors.ORDERED_EXACT[0] + 10
    mothers = [f"{a} {b}" for a in ("Euis", "Imas", "Enok", "Neneng", "Cucu", "Yati") for b in MOTHERS]
    for i in range(count - 1):
        _add(registrar, "Siti Aminah", date(1960 + i % 40, 1 + i % 12, 1 + i % 28), 100 + i, cast.desa,
             mother_name=mothers[i], father_name="Ujang")  # fmt: skip
    sought = _add(registrar, "Siti Aminah", date(1990, 5, 5), 99, cast.desa, mother_name="Kokom Kartini")
    found = resident_search(
        actor=cast.actor(cast.kec_officer),
        query="Sitti Aminah",
        filters=SearchFilters(parent_name="Kokom Kartini"),
    )
    assert found[0].pk == sought.pk
