"""Tests for Indonesian name normalisation and similarity (pure Python, no database)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warga.registry.names import (
    FROZEN_TOKENS,
    KEY_RULES,
    NORMALIZE_RULES,
    PREFIX_TITLES,
    SUFFIX_DEGREES,
    name_key,
    name_similarity,
    name_tokens,
    normalize_name,
    one_edit_keys,
    search_terms,
    spelling_similarity,
)

SAME = 0.85
DIFFERENT = 0.7

# Pairs that must be recognised as the same name: equal keys or a score >= 0.85.
# "Muhammad Rizki" / "Moch. Rizky" is decided as a match: "Moch." is the usual
# abbreviation of Muhammad and a final -y/-i is a spelling choice, so the two
# get the same key.
MATCHING = [
    ("Muhammad Rizki", "Moch. Rizky"),
    ("Djoko Susilo", "Joko Susilo"),
    ("Tjahjo", "Cahyo"),
    ("Soekarno", "Sukarno"),
    ("Nurhasanah", "Nur Hasanah"),
    ("Achmad", "Ahmad"),
    ("Akhmad", "Ahmad"),
    ("Siti Aisyah", "Sitti Aisah"),
    ("H. Abdul Rahman", "Abdurrahman"),
    ("Abdullah", "Abdulah"),
    ("Abdullah", "Abdulloh"),
    ("Chairul Tanjung", "Khairul Tanjung"),
    ("Khoirul Anam", "Khairul Anam"),
    ("Sjahrir", "Syahrir"),
    ("Joesoef", "Yusuf"),
    ("Jusuf Kalla", "Yusuf Kalla"),
    ("Widjaja", "Wijaya"),
    ("Soejono", "Suyono"),
    ("Hidajat", "Hidayat"),
    ("Mohamad Hatta", "Muhammad Hatta"),
    ("M. Nur", "Mochammad Noer"),
    ("Muh. Arif", "Mohd Arif"),
    ("Nurul Huda", "Nur Huda"),
    ("Abd. Rahman", "Abdurahman"),
    ("Abdussalam", "Abdus Salam"),
    ("Asep Saepudin", "Asep Saefudin"),
    ("Saiful Anwar", "Syaiful Anwar"),
    ("Rizqi Ramadhan", "Rizki Ramadan"),
    ("Taufiq", "Taufik"),
    ("Agus Setyawan", "Agus Setiawan"),
    ("Sholeh", "Soleh"),
    ("Dzikri", "Zikri"),
    ("Hj. St. Aminah", "Siti Aminah"),
    ("Drs. H. Bambang Sutrisno, M.Pd.", "Bambang Sutrisno"),
    ("Siti Nurhaliza, S.Pd.", "SITI NUR HALIZA"),
    ("Ahmad bin Abdullah", "Ahmad Abdullah"),
    ("Santoso Budi", "Budi Santoso"),
    ("Tjoet Nja' Dhien", "Cut Nyak Dien"),
]

# Pairs that must not be confused: score < 0.7.
DIFFERENT_NAMES = [
    ("Siti Aminah", "Siti Rohmah"),
    ("Agus Salim", "Asep Saepudin"),
    ("Dewi", "Dedi"),
    ("Budi Santoso", "Budi Setiawan"),
    ("Rina", "Rini"),
    ("Nur Hasanah", "Nur Hidayah"),
    ("Sri Wahyuni", "Sri Rahayu"),
    ("Muhammad Ali", "Muhammad Ilham"),
    ("Joko", "Yoko"),
    ("Siti", "Siti Aminah"),
    ("Eko Prasetyo", "Eko Purnomo"),
]


# --------------------------------------------------------------------------- normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  BUDI   SANTOSO ", "budi santoso"),
        ("Siti-Aisyah", "siti aisyah"),
        ("Ma'ruf Amin", "maruf amin"),
        ("Ma’ruf Amin", "maruf amin"),
        ("André Wijaya", "andre wijaya"),
        ("Budi2 Santoso", "budi santoso"),
        ("", ""),
        ("   ", ""),
        ("12345", ""),
        ("...", ""),
    ],
)
def test_case_punctuation_and_spaces(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("H. Abdul Rahman", "abdul rahman"),
        ("H.Abdul Rahman", "abdul rahman"),
        ("Hj. Siti Aminah", "siti aminah"),
        ("HJ SITI AMINAH", "siti aminah"),
        ("Prof. Dr. Ir. H. Joko Widodo, M.Sc.", "joko widodo"),
        ("Drs. H. Ahmad Dahlan, S.Pd., M.Pd.", "ahmad dahlan"),
        ("dr. Rina Marlina, Sp.A", "rina marlina"),
        ("drg. Rina Marlina", "rina marlina"),
        ("K. H. Hasyim Asy'ari", "hasyim asyari"),
        ("KH Ma'ruf Amin", "maruf amin"),
        ("Ny. Siti Nurbaya", "siti nur baya"),
        ("Bapak Budi", "budi"),
        ("Sdr. Budi", "budi"),
        ("Almh. Siti Aminah", "siti aminah"),
        ("Budi Santoso S.E.", "budi santoso"),
        ("Budi Santoso S.Pd.I", "budi santoso"),
        ("Budi S. Pd.", "budi"),
        ("Budi Santoso SPd", "budi santoso"),
        ("Budi Santoso, SE", "budi santoso"),
        ("Siti Nurhaliza,S.Pd", "siti nur haliza"),
        ("Budi Santoso, S.T., M.T.", "budi santoso"),
        ("Ir. Sutami", "sutami"),
        ("Raden Mas Said", "said"),
        ("R.A. Kartini", "kartini"),
        ("Rd. Dewi Sartika", "dewi sartika"),
        ("Ki Hadjar Dewantara", "hajar dewantara"),
        ("Nyi Ageng Serang", "ageng serang"),
        ("H. M. Ali", "muhammad ali"),
        # Old-spelling titles are recognised once modernised.
        ("Hadji Abdul Rahman", "abdul rahman"),
        ("Njonja Siti Aminah", "siti aminah"),
    ],
)
def test_titles_and_degrees_are_removed(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Undotted two-letter endings are also initials and names.
        ("Budi Santoso SE", "budi santoso se"),
        ("Agus ST", "agus st"),
        ("Budi Mars", "budi mars"),
        ("Budi Mars, MARS", "budi mars"),
        # Trailing initials are not titles.
        ("Budi H.", "budi h"),
        ("Budi M.", "budi m"),
        # A lone R. is an initial as often as Raden.
        ("R. Soeprapto", "r suprapto"),
        # A title alone is the name.
        ("Haji", "haji"),
        ("H.", "h"),
        # Balinese and Bugis markers are part of the name.
        ("I Made Wirawan", "i made wirawan"),
        ("Ni Luh Putu", "ni luh putu"),
        ("Andi Mallarangeng", "andi mallarangeng"),
        # After a comma, non-degrees are kept.
        ("Santoso, Budi", "santoso budi"),
    ],
)
def test_what_is_not_a_title(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Djoko", "joko"),
        ("Tjahjo", "cahyo"),
        ("Soekarno", "sukarno"),
        ("Sjahrir", "syahrir"),
        ("Djojohadikoesoemo", "joyohadikusumo"),
        ("Soejono", "suyono"),
        ("Joesoef", "yusuf"),
        ("Noer", "nur"),
        ("Njoto", "nyoto"),
        ("Tjoet Nja' Dhien", "cut nya dhien"),
        ("Chairul", "khairul"),
        ("Achmad", "akhmad"),
        ("Christina", "christina"),
        # Modern spelling stays as it is: j is j.
        ("Joko Soesilo", "joko susilo"),
        ("Jaya", "jaya"),
        ("Anjani", "anjani"),
        ("Raja", "raja"),
        # Known names in which an unmarked j can only be old y.
        ("Jusuf", "yusuf"),
        ("Jahja", "yahya"),
        ("Junus", "yunus"),
        # Non-Indonesian names that only look like old spelling.
        ("Joel Manurung", "joel manurung"),
        ("Noel", "noel"),
        ("Zoë", "zoe"),
        ("Michael Chandra", "michael chandra"),
    ],
)
def test_old_spelling(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Muhammad", "Muhamad", "Mohamad", "Mohammad", "Mohammed", "Mochamad", "Mochammad",
        "Muchammad", "Mukhammad", "Mohd", "Mohd.", "Moch.", "Moch", "Moh.", "Muh.", "Mhd", "M.",
    ],
)  # fmt: skip
def test_muhammad_variants(raw):
    assert normalize_name(f"{raw} Rizki") == "muhammad rizki"


def test_lone_m_is_muhammad_only_at_the_start():
    assert normalize_name("M Rizki") == "muhammad rizki"
    assert normalize_name("M.Rizki") == "muhammad rizki"
    assert normalize_name("Rizki M") == "rizki m"
    assert normalize_name("Mochtar Lubis") == "mokhtar lubis"  # Mochtar is Mukhtar, not Muhammad


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Abdul Rahman", "abdul rahman"),
        ("Abdurrahman", "abdul rahman"),
        ("Abdurahman", "abdul rahman"),
        ("Abdur Rahman", "abdul rahman"),
        ("Abdulrahman", "abdul rahman"),
        ("Abd. Rahman", "abdul rahman"),
        ("Abdoel Rahman", "abdul rahman"),
        ("Abdussalam", "abdul salam"),
        ("Abdus Somad", "abdul somad"),
        ("Abdusy Syakur", "abdul syakur"),
        ("Abdunnasir", "abdul nasir"),
        ("Abdulkadir", "abdul kadir"),
        ("Abdullatif", "abdul latif"),
        ("Abdul Aziz", "abdul aziz"),
        ("Abdullah", "abdullah"),
        ("Abdulloh", "abdulloh"),
        ("Abdulah", "abdulah"),
        ("Abduh", "abduh"),
        ("Abdi Negara", "abdi negara"),
    ],
)
def test_abdul(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nurhasanah", "nur hasanah"),
        ("Nur Hasanah", "nur hasanah"),
        ("Nurul Hasanah", "nur hasanah"),
        ("Noer Hasanah", "nur hasanah"),
        ("Nurulhuda", "nur huda"),
        ("Nuraini", "nur aini"),
        ("Nurma", "nurma"),
        ("Nuri", "nuri"),
        ("Siti Nur", "siti nur"),
    ],
)
def test_nur(raw, expected):
    assert normalize_name(raw) == expected


def test_bin_and_binti_between_names_are_dropped():
    assert normalize_name("Ahmad bin Abdullah bin Umar") == "ahmad abdullah umar"
    assert normalize_name("Aminah binti Yusuf") == "aminah yusuf"
    assert normalize_name("Binti Aminah") == "binti aminah"  # a first word is a name


def test_st_at_the_start_is_siti():
    assert normalize_name("St. Aminah") == "siti aminah"
    assert normalize_name("Aminah St") == "aminah st"


@given(st.text(alphabet="abcdehijkmnoprstuyABDHJMNOST .,'-", max_size=40))
def test_normalize_is_idempotent(name):
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text(max_size=60))
def test_normalized_form_is_lowercase_ascii_words(name):
    normalized = normalize_name(name)
    assert re.fullmatch(r"(?:[a-z]+(?: [a-z]+)*)?", normalized)


# --------------------------------------------------------------------------- name_key and name_tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Siti Aisyah", "sitiaisa"),
        ("Sitti Aisah", "sitiaisa"),
        ("Nur Hasanah", "nurhasana"),
        ("Achmad", "ahmad"),
        ("Muhammad Rizki", "muhamadrizki"),
        ("Moch. Rizky", "muhamadrizki"),
        ("Abdullah", "abdula"),
        ("Abdulloh", "abdula"),
        ("Rudie", "rudi"),
        ("", ""),
    ],
)
def test_name_key(raw, expected):
    assert name_key(raw) == expected


@given(st.text(max_size=60))
def test_key_is_compact(name):
    key = name_key(name)
    assert re.fullmatch(r"[a-z]*", key)
    assert not re.search(r"(.)\1", key)
    assert name_key(normalize_name(name)) == key


def test_name_tokens():
    assert name_tokens("Drs. H. Mochamad Noer Hasan, S.Pd.") == ["muhammad", "nur", "hasan"]
    assert name_tokens("") == []


# --------------------------------------------------------------------------- name_similarity


@pytest.mark.parametrize(("a", "b"), MATCHING)
def test_matching_pairs(a, b):
    assert name_key(a) == name_key(b) or name_similarity(a, b) >= SAME, (
        name_key(a),
        name_key(b),
        name_similarity(a, b),
    )


@pytest.mark.parametrize(("a", "b"), MATCHING)
def test_matching_pairs_score_high(a, b):
    # Whatever the path (same key or fuzzy), the score itself says "same".
    assert name_similarity(a, b) >= SAME


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Muhammad Rizki", "Moch. Rizky"),
        ("Djoko Susilo", "Joko Susilo"),
        ("Tjahjo", "Cahyo"),
        ("Soekarno", "Sukarno"),
        ("Nurhasanah", "Nur Hasanah"),
        ("Achmad", "Ahmad"),
        ("Siti Aisyah", "Sitti Aisah"),
        ("H. Abdul Rahman", "Abdurrahman"),
    ],
)
def test_required_pairs_share_a_key(a, b):
    assert name_key(a) == name_key(b)
    assert name_similarity(a, b) == 1.0


@pytest.mark.parametrize(("a", "b"), DIFFERENT_NAMES)
def test_different_names(a, b):
    assert name_similarity(a, b) < DIFFERENT
    assert name_key(a) != name_key(b)


def test_j_to_y_only_as_a_variant():
    # "Hidajat" has no other sign of old spelling, so it keeps its j in the
    # normalised form, but scores as a likely match for "Hidayat" ...
    assert normalize_name("Hidajat") == "hidajat"
    assert name_key("Hidajat") != name_key("Hidayat")
    assert SAME <= name_similarity("Hidajat", "Hidayat") < 1.0
    # ... while a word-initial j is never read as y.
    assert name_similarity("Jaya", "Yaya") < DIFFERENT


def test_word_order_matters_little():
    assert name_similarity("Santoso Budi", "Budi Santoso") >= SAME


def test_similarity_edge_cases():
    assert name_similarity("", "") == 0.0
    assert name_similarity("Budi", "") == 0.0
    assert name_similarity("H.", "H.") == 1.0
    assert name_similarity("Budi", "budi") == 1.0


NAME_LIKE = st.text(alphabet="abdehijkmnorstuyAMS .'", max_size=30)


@given(NAME_LIKE, NAME_LIKE)
def test_similarity_is_symmetric_and_bounded(a, b):
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)


@given(NAME_LIKE)
def test_similarity_with_itself_is_one(a):
    assert name_similarity(a, a) == (1.0 if name_key(a) else 0.0)


# --------------------------------------------------------------------------- search_terms


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Siti Aisyah", ["siti aisyah", "sitiaisa"]),
        ("H. Achmad", ["akhmad", "ahmad"]),
        ("Budi", ["budi"]),
        ("Moch. Rizky", ["muhammad rizky", "muhamadrizki"]),
        ("", []),
        ("  ,. ", []),
    ],
)
def test_search_terms(query, expected):
    assert search_terms(query) == expected


@given(st.text(max_size=40))
def test_search_terms_are_short_and_distinct(query):
    terms = search_terms(query)
    assert len(terms) <= 2
    assert len(set(terms)) == len(terms)
    assert all(terms)


# --------------------------------------------------------------------------- the rule tables


def test_rules_are_documented():
    for rule in (*NORMALIZE_RULES, *KEY_RULES):
        assert rule.why.strip(), rule.pattern.pattern


def test_normalize_rules_never_match_upper_case():
    # Frozen tokens are protected by being upper-cased while these rules run.
    for rule in NORMALIZE_RULES:
        assert not rule.pattern.search("JOEL MICHAEL CHANDRA NOEL"), rule.pattern.pattern


def test_word_lists_are_lower_case_letters():
    for word in (*PREFIX_TITLES, *SUFFIX_DEGREES, *FROZEN_TOKENS):
        assert re.fullmatch(r"[a-z]+", word), word


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Rzial", "Rizal"),  # two letters swapped
        ("Ujag", "Ujang"),  # a letter missing
        ("Henih", "Heni"),  # a letter too many
        ("Dedi", "Dewi"),  # a letter wrong
        ("Ccih", "Cicih"),  # a letter missing where the key drops a doubled one
        ("Adiya", "Aditya"),  # a letter missing before a y the key reads as i
        ("Dadan Saeuplloh", "Dadan Saepulloh"),  # swapped: no longer read as Saiful
        ("Iis Hiadyat", "Iis Hidayat"),
        ("Ilhammoch.", "Ilham Moch."),  # a space left out: Moch. is only Muhammad as a word
    ],
)
def test_one_edit_keys_reach_the_name_meant(typed, meant):
    assert name_key(typed) != name_key(meant)
    assert name_key(meant) in one_edit_keys(typed)


def test_one_edit_keys_exclude_the_own_key():
    assert name_key("Rizal") not in one_edit_keys("Rizal")
    # A long name's letter missing is made on its key.
    assert name_key("Tati Rosmiati") in one_edit_keys("Tati Rosmiat")


def test_spelling_similarity_sees_a_slip_the_key_hides():
    # "Roista" keys to "raista" (oi read as ai), "Iiph" to "if" (ph read as f).
    assert spelling_similarity("Roista", "Rosita") > name_similarity("Roista", "Rosita")
    assert spelling_similarity("Iiph", "Iip") > name_similarity("Iiph", "Iip")
    assert spelling_similarity("Budi Santoso", "Santoso Budi") >= SAME  # words in another order
    assert spelling_similarity("Dewi", "Dedi") < DIFFERENT
    assert spelling_similarity("Soekarno", "Sukarno") == 1.0
