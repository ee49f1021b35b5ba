"""Normalisation and fuzzy comparison of Indonesian personal names.

The same person is routinely written several ways across KTP, KK, birth
certificates and hand-filled forms: old (pre-1972 and Dutch-era) spelling
next to the current one ("Soekarno"/"Sukarno", "Tjahjo"/"Cahyo"), several
transliterations of the same Arabic name ("Muhammad"/"Mochamad"/"Moh.",
"Achmad"/"Ahmad", "Aisyah"/"Aisah"), titles that come and go ("H.", "Drs.",
", S.Pd."), and spaces that depend on the clerk ("Nurhasanah"/"Nur Hasanah",
"Abdurrahman"/"Abdul Rahman"). Exact comparison misses all of these, and a
generic fuzzy score alone either misses them or also matches genuinely
different short names ("Dewi"/"Dedi").

So matching happens in three layers, each cheap and explainable:

1. :func:`normalize_name` rewrites a name into one canonical *spelling*
   (current EYD spelling, titles removed), still readable. It is what a
   trigram index searches and what staff can be shown.
2. :func:`name_key` folds that further into a compact *sound-alike* key
   (no spaces, no doubled letters, Arabic digraphs simplified). Two records
   with the same key are duplicate candidates without any scoring, which is
   what makes blocking over a whole kabupaten affordable; it is meant to be
   stored in an indexed column.
3. :func:`name_similarity` scores what is left for ranking and review.

All spelling knowledge is data (the ``*_RULES`` tables and word sets below),
applied in order, so adding a variant is a one-line change with a reason next
to it. Changing the rules changes keys: stored keys must then be recomputed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz

__all__ = [
    "FROZEN_TOKENS",
    "KEY_RULES",
    "NORMALIZE_RULES",
    "PREFIX_TITLES",
    "SUFFIX_DEGREES",
    "UNDOTTED_AMBIGUOUS",
    "Rule",
    "name_key",
    "name_similarity",
    "name_tokens",
    "name_word_keys",
    "normalize_name",
    "one_edit_keys",
    "search_terms",
    "spelling_similarity",
]


@dataclass(frozen=True)
class Rule:
    """One ordered rewrite: ``pattern`` is replaced by ``replacement`` (a string or a function of the match)."""

    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    why: str

    def apply(self, text: str) -> str:
        return self.pattern.sub(self.replacement, text)


def _rule(pattern: str, replacement: str | Callable[[re.Match[str]], str], why: str) -> Rule:
    return Rule(re.compile(pattern), replacement, why)


# --------------------------------------------------------------------------- titles

#: Titles, honorifics and forms of address that may precede a name. They are
#: dropped only at the *start* of a name (repeatedly: "Prof. Dr. H."), because
#: several of them are also ordinary initials or name parts elsewhere ("Budi H.").
#: Multi-word titles are listed with their words joined ("radenmas") and
#: single letters written with dots are joined the same way ("K. H." -> "kh").
PREFIX_TITLES: frozenset[str] = frozenset(
    {
        # pilgrimage and religious
        "h", "hj", "haji", "hajah", "hajjah", "kh", "kyai", "kiai", "ust", "ustad", "ustadz",
        "ustaz", "ustadzah", "ustazah", "ustadah",
        # academic and professional, written before the name
        "prof", "dr", "drs", "dra", "drg", "ir", "apt", "ns",
        # forms of address that clerks copy from letters and forms
        "bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "saudara", "saudari", "tn", "tuan",
        "ny", "nyonya", "nn", "nona", "alm", "almh", "almarhum", "almarhumah",
        # Javanese and Sundanese nobility and honorifics. They are inherited or
        # conferred, are left out as often as they are written, and carry no
        # information about which person is meant. "R." alone is not listed:
        # it is just as often an initial.
        "raden", "rd", "rr", "rm", "ra", "radenmas", "radenajeng", "radenayu", "radenroro",
        "ki", "nyi", "nyai", "mbah",
        # Palembang nobility
        "kgs", "kiagus", "mgs", "masagus", "nys", "nyimas",
    }
)  # fmt: skip

#: Academic degrees written after a name, compared with dots and spaces
#: removed ("S.Pd.I." -> "spdi"). They are dropped anywhere after the first
#: comma ("Budi Santoso, S.Pd., M.Pd."), and at the end of the name when they
#: were written with dots, or without dots when they are at least three
#: letters long and not in :data:`UNDOTTED_AMBIGUOUS`.
SUFFIX_DEGREES: frozenset[str] = frozenset(
    {
        # diploma
        "amd", "ama", "amk", "amkeb", "amkep", "amg", "amf", "amdkeb", "amdkep",
        # bachelor (sarjana)
        "se", "sh", "st", "sp", "ssi", "spd", "spdi", "sag", "sthi", "shi", "sei", "ssos", "sip",
        "skom", "sked", "skep", "sfarm", "sgz", "skm", "ssn", "ss", "sds", "ssy", "sak", "sth",
        "sikom", "shut", "spt", "stp", "spsi", "spi", "sstp", "ssit", "str", "strkeb", "skg",
        "sars", "sadm", "stat", "sab", "spn", "ba", "bsc", "lc",
        # master and doctorate
        "mm", "mpd", "mpdi", "msi", "mkes", "mhum", "mag", "mt", "mkom", "mh", "mkn", "msc",
        "mba", "ma", "mse", "mak", "map", "mps", "msos", "mikom", "mfarm", "mkep", "mars", "med",
        "phd", "dsc",
        # medical specialists and professions
        "spa", "spog", "sppd", "spb", "spm", "spkk", "spthtkl", "sprad", "spjp", "spp", "span",
        "spkj", "ners", "apt",
    }
)  # fmt: skip

#: Degrees that, written without dots at the end of a name, are as likely to
#: be a name or an initial ("Budi Santoso SE", "Agus ST", "Lie Shi", "Mars").
#: Every two-letter degree is in this position too, so it is not listed.
UNDOTTED_AMBIGUOUS: frozenset[str] = frozenset(
    {"mars", "med", "shi", "sei", "sak", "mak", "map", "sip", "stat", "span", "sab", "ners", "apt", "spa"}
)

#: Tokens that look like old spelling or Dutch "ch" but are not, mostly
#: names of European or Chinese origin ("Joel" is not "Yul", "Michael" is
#: not "Mikhael", "Chen" is not "Khen"). No rule touches them.
FROZEN_TOKENS: frozenset[str] = frozenset(
    {
        "joel", "noel", "zoe", "chloe", "joelle", "noelle", "phoebe", "joey",
        "michael", "michelle", "rachel", "richard", "charles", "charlie", "chelsea", "cherry",
        "chandra", "chen", "cheng", "chong", "chandler",
    }
)  # fmt: skip

# --------------------------------------------------------------------------- spelling rules


def _old_j_to_y(match: re.Match[str]) -> str:
    """In a word that is visibly in old spelling, every plain "j" was a "y".

    Before 1972 "j" spelled /y/ and "dj" spelled /j/ ("Djojo" is "Joyo",
    "Soejono" is "Suyono"). A plain "j" in a word *without* old-spelling
    markers is just a modern "j" ("Joko"), so this only fires on words
    containing dj, tj, sj or oe or starting with nj ("Njonja"), and is done
    per word because people often modernise only part of their name
    ("Joko Soesilo").
    """
    return re.sub(r"(?<![dts])j", "y", match.group())


#: Canonical-spelling rules, applied in this order to the lower-case,
#: title-free name with single spaces.
NORMALIZE_RULES: tuple[Rule, ...] = (
    # --- old spelling (Van Ophuijsen / Soewandi) to EYD
    _rule(
        r"\b(?:[a-z]*(?:dj|tj|sj|oe)[a-z]*|nj[aeiou][a-z]*)\b",
        _old_j_to_y,
        "old spelling: j was y in words visibly in old spelling",
    ),
    _rule(r"d+j", "j", "old spelling: dj -> j (Djoko -> Joko)"),
    _rule(r"tjh?", "c", "old spelling: tj -> c (Tjahjo -> Cahyo, Tjhin -> Cin)"),
    _rule(r"sj", "sy", "old spelling: sj -> sy (Sjahrir -> Syahrir)"),
    _rule(r"oe", "u", "old spelling: oe -> u (Soekarno -> Sukarno)"),
    _rule(
        r"\bnj(?=[aeiou])",
        "ny",
        "old spelling: a word-initial nj is ny (Njoto -> Nyoto); inside a word nj can be modern (Anjani)",
    ),
    _rule(
        r"\b(?:jusuf|jahja|jahya|jakub|jaqub|junus|jasin|jazid|jasmin)\b",
        lambda m: "y" + m.group()[1:].replace("j", "y"),
        "old spelling without markers: well-known names where j can only be y (Jusuf -> Yusuf)",
    ),
    # --- Muhammad, written out or abbreviated, in any transliteration
    _rule(
        r"\b(?:m[ou](?:ch|kh|h)am{1,2}[ae]d|m[ou]?hd|mhmd|moch|mokh|moh|muh)\b",
        "muhammad",
        "Muhammad/Muhamad/Mohamad/Mochamad/Mohd/Moch/Moh/Muh are one name",
    ),
    _rule(
        r"^m\b",
        "muhammad",
        "a leading lone M is Muhammad; elsewhere M stays an initial (Budi M.)",
    ),
    _rule(r"^st\b", "siti", "a leading St. is the usual abbreviation of Siti"),
    # --- Dutch/Arabic digraph ch: the velar fricative, now written kh
    _rule(r"ch(?!r)", "kh", "ch -> kh (Chairul -> Khairul, Achmad -> Akhmad); chr is Christ-, not Arabic"),
    # --- Sundanese and Javanese renderings of Saiful/Saifuddin
    _rule(r"\bs(?:y)?a[ei][fp]u", "saifu", "Saepul/Saeful/Syaiful/Saiful, Saepudin/Saifudin are one name"),
    # --- Abdul + assimilated article: Abdurrahman = Abdur Rahman = Abdul Rahman
    _rule(r"\babd\b", "abdul", "Abd. is the usual abbreviation of Abdul"),
    _rule(
        r"\babdu(sy|sh|dz|dh|th|ts|[rsntdz])\s?(?:\1)?(?=[aeiou])",
        r"abdul \1",
        "assimilated article: Abdurrahman/Abdur Rahman -> Abdul Rahman, Abdussalam -> Abdul Salam",
    ),
    _rule(
        r"\babdul(?!l?[ao]h\b)\s?(?=[a-z])",
        "abdul ",
        "Abdul written together with the next name (Abdulkadir, Abdullatif); Abdullah stays whole",
    ),
    # --- Nur / Nurul / Noer (Noer is already Nur after the oe rule)
    _rule(r"\bn(?:ou|u)r(?:ul)?\b", "nur", "Nur/Nurul/Nour are written interchangeably"),
    _rule(
        r"\bnur(?:ul)?(?=[a-z]{3})",
        "nur ",
        "Nur written together with the next name (Nurhasanah = Nur Hasanah)",
    ),
    # --- patronymic connectors
    _rule(
        r"(?<=\S) (?:bin|binti|bt)(?= \S)",
        "",
        "bin/binti are written or left out; the names around them matter",
    ),
)

#: Sound-alike folding for :func:`name_key`, applied in order to the
#: normalised name (spaces still present, so word ends can be matched).
#: These merge spellings that are the same name in practice but are not a
#: single canonical spelling, so they are kept out of the readable form.
KEY_RULES: tuple[Rule, ...] = (
    _rule(r"kh", "h", "kh/h: Akhmad = Ahmad, Khairul = Hairul, Kholil = Holil"),
    _rule(r"s[yh]", "s", "sy/sh/s: Aisyah = Aishah = Aisah, Syamsul = Samsul, Sholeh = Soleh"),
    _rule(r"dz", "z", "dz/z: Dzikri = Zikri"),
    _rule(r"dh", "d", "dh/d: Ramadhan = Ramadan"),
    _rule(r"th", "t", "th/t: Fathur = Fatur"),
    _rule(r"ts", "s", "ts/s: Tsabit = Sabit"),
    _rule(r"gh", "g", "gh/g: Ghani = Gani"),
    _rule(r"ph", "f", "ph/f: Stephanie = Stefani"),
    _rule(r"q", "k", "q/k: Rizqi = Rizki, Taufiq = Taufik"),
    _rule(r"oi", "ai", "Javanese oi for Arabic ai: Khoirul = Khairul, Choiriyah = Khairiyah"),
    _rule(
        r"(?<=[bcdfghjklmnpqrstvwxz])y(?=[aeiou])", "i", "consonant + y/i before a vowel: Setyawan = Setiawan"
    ),
    _rule(r"(?<=[a-z])(?:y|ie)\b", "i", "final y/ie/i: Rizky = Rizki, Rudie = Rudi"),
    _rule(r"(?<=l)oh\b", "ah", "Javanese -loh for -lah: Abdulloh = Abdullah, Saifulloh = Saifullah"),
    _rule(r"(?<=[a-z])ah\b", "a", "final -ah/-a (ta marbuta): Aisyah = Aisya, Fatimah = Fatima"),
    _rule(r" ", "", "spaces are not significant: Nurhasanah = Nur Hasanah"),
    _rule(r"([a-z])\1+", r"\1", "doubled letters: Sitti = Siti, Abdullah = Abdulah, Ahmad = Ahmmad"),
)

# --------------------------------------------------------------------------- normalisation

# Straight, typographic and modifier-letter apostrophes: all of them occur
# in pasted names and none of them separates words ("Ma’ruf").
_APOSTROPHES = re.compile(r"['`´‘’ʼʻ]")
_SEPARATORS = re.compile(r"[^a-z.,]+")
_WORD = re.compile(r"[a-z]+\.?")


def _ascii_lower(name: str) -> str:
    # Apostrophes join ("Ma'ruf" -> "maruf"); accents are dropped ("Andrés" -> "andres").
    text = _APOSTROPHES.sub("", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.encode("ascii", "ignore").decode("ascii").lower()


def _joined(tokens: list[str], *, loose: bool) -> str:
    """Letters of ``tokens`` run together if they may be read as one abbreviation, else ``""``.

    "K. H." and "S. Pd." are one title each, but "H J Sitompul" is two
    initials, so words are only joined across a dot, or when ``loose`` (for
    long multi-word titles such as "Raden Mas").
    """
    if len(tokens) == 1 or loose or all(t.endswith(".") for t in tokens[:-1]):
        return "".join(t.rstrip(".") for t in tokens)
    return ""


def _strip_titles(tokens: list[str], *, keep: int, strict: bool) -> list[str]:
    """Drop leading titles and trailing degrees, leaving at least ``keep`` words.

    ``strict`` (before the first comma, and on the final words) keeps
    undotted endings that may as well be names or initials; after a comma
    nothing but degrees is expected, so there every listed degree goes.
    """
    changed = True
    while changed:
        changed = False
        for n in (3, 2, 1):
            if len(tokens) - n < keep:
                continue
            head = _joined(tokens[:n], loose=False)
            head_loose = _joined(tokens[:n], loose=True)
            if head in PREFIX_TITLES or (len(head_loose) > 4 and head_loose in PREFIX_TITLES):
                tokens, changed = tokens[n:], True
                break
            tail = _joined(tokens[-n:], loose=False)
            if tail in SUFFIX_DEGREES and (
                not strict
                or any(t.endswith(".") for t in tokens[-n:])
                or (len(tail) >= 3 and tail not in UNDOTTED_AMBIGUOUS)
            ):
                tokens, changed = tokens[:-n], True
                break
    return tokens


def _clean_tokens(name: str) -> list[str]:
    """Lower-case ASCII words of ``name`` with titles and degrees removed."""
    head, _comma, tail = _SEPARATORS.sub(" ", _ascii_lower(name)).partition(",")
    words = _strip_titles(_WORD.findall(head), keep=1, strict=True)
    # After a comma only degrees and titles are expected; anything else (a
    # reversed "Santoso, Budi") is kept.
    words += _strip_titles(_WORD.findall(tail), keep=0, strict=False)
    return [w.rstrip(".") for w in words]


def _apply(rules: tuple[Rule, ...], text: str) -> str:
    for rule in rules:
        text = rule.apply(text)
    return text


# Two rounds settle every real name; the cap only guards against a future
# rule that would keep rewriting its own output.
_MAX_ROUNDS = 5


# Pure functions of a string, called for every pair a duplicate check scores: the same names
# come back again and again (a kecamatan has a few thousand distinct ones), so they are cached.
@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """Canonical spelling of ``name``: lower-case ASCII, no titles, single spaces.

    Two spellings of the same name should give the same result whenever the
    difference is a *spelling convention* (old spelling, transliteration of
    Muhammad/Abdul/Nur, titles, punctuation, spacing around Abdul and Nur).
    Differences that are merely *likely* the same (Akhmad/Ahmad, Rizky/Rizki)
    are left to :func:`name_key`, so this form stays faithful enough to show.
    """
    words = _clean_tokens(name)
    # Rules and title stripping feed each other: old spelling hides titles
    # until it is modernised ("Hadji" -> "haji"), and removing a title can
    # put a word first that a rule anchors on ("H. M." -> "m" -> "muhammad").
    # Repeating until nothing changes makes the result a fixed point, so
    # normalising a normalised name (as stored data gets) changes nothing.
    for _round in range(_MAX_ROUNDS):
        # Frozen tokens are upper-cased so that no rule (all match lower case
        # only) touches them.
        text = " ".join(w.upper() if w in FROZEN_TOKENS else w for w in words)
        text = _apply(NORMALIZE_RULES, text)
        new_words = _strip_titles(text.lower().split(), keep=1, strict=True)
        if new_words == words:
            break
        words = new_words
    return " ".join(words)


@lru_cache(maxsize=65536)
def _key_of_normalized(normalized: str) -> str:
    return _apply(KEY_RULES, normalized)


def name_key(name: str) -> str:
    """Compact sound-alike key: the normalised name folded by :data:`KEY_RULES`, without spaces.

    Equal keys mean "treat as the same name" for blocking and duplicate
    detection; the key is short and deterministic so it can be stored in an
    indexed column and compared with ``=``.
    """
    return _key_of_normalized(normalize_name(name))


#: Up to this many letters, :func:`one_edit_keys` also tries every letter missing or wrong.
SHORT_NAME = 8
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_edit_keys(name: str) -> set[str]:
    """Keys of the spellings one slip away from ``name``, its own key excluded.

    A slip is made on the readable (normalised) spelling and the result normalised and folded
    again, because a slip changes how the rest is read: "Saeuplloh" (two letters swapped) is
    no longer seen as a form of Saiful and keys to "saeupla" where "Saepulloh" keys to
    "saifula"; "Hiadyat" keys to "hiadiat" where "Hidayat" keys to "hidayat"; "Ccih" drops its
    doubled letter to "cih" where "Cicih" keeps "cicih". Comparing keys alone would put those
    two or more edits apart. Trigram neighbours do not make up for it in short names: one slip
    in a five-letter name changes most of its trigrams ("Rzial"/"Rizal" share 2 of 10).

    The cheap slips (a letter too many, two neighbours swapped, a space left out: about three
    times the length) are normalised again. A letter missing or wrong (26 per position, some
    hundreds of spellings) is made on the spelling and only folded for names of up to
    :data:`SHORT_NAME` letters (short names rarely carry what normalisation rewrites), and
    made on the key itself for longer ones, where a slip seldom changes how the rest folds.
    Most of these are no name at all; the caller keeps those found in the register.
    """
    text = normalize_name(name)
    cheap: set[str] = set()
    for i, ch in enumerate(text):
        cheap.add(text[:i] + text[i + 1 :])  # a letter too many
        if i + 1 < len(text) and ch != text[i + 1]:
            cheap.add(text[:i] + text[i + 1] + ch + text[i + 2 :])  # two letters swapped
        if i > 0 and " " not in text[i - 1 : i + 1]:
            # Words run together: equal keys, unless a word only reads as a name on its own
            # ("Ilhammoch." is not seen to end in Moch., that is Muhammad).
            cheap.add(text[:i] + " " + text[i:])
    keys = {name_key(spelling) for spelling in cheap}
    own = _key_of_normalized(text)
    short = len(text.replace(" ", "")) <= SHORT_NAME
    base = text if short else own
    more: set[str] = set()
    for i in range(len(base) + 1):
        for letter in _LETTERS:
            more.add(base[:i] + letter + base[i:])  # a letter missing
            if i < len(base) and letter != base[i]:
                more.add(base[:i] + letter + base[i + 1 :])  # a letter wrong
    keys.update({_key_of_normalized(spelling) for spelling in more - cheap} if short else more)
    keys.discard(own)
    keys.discard("")
    return keys


def name_word_keys(name: str) -> list[str]:
    """The key of each word of the normalised name ("Sitti Aminah" -> ["siti", "amina"])."""
    return _key_words(normalize_name(name)).split()


def name_tokens(name: str) -> list[str]:
    """Words of the normalised name, e.g. for per-word indexing or initials."""
    return normalize_name(name).split()


# --------------------------------------------------------------------------- similarity

#: Weight of Jaro-Winkler in the blend. It is kept small: its prefix bonus
#: rewards sharing a common first name ("Muhammad Ali"/"Muhammad Ilham" score
#: 0.95), so it only serves to forgive truncated endings.
_JW_WEIGHT = 0.2
#: Exponent applied to the blended score. Spelling variants have already been
#: folded into equal keys, so a difference that survives is more likely a
#: different name than a variant; raising the score to a power > 1 stretches
#: the top of the scale, where one letter in a four-letter name (Dewi/Dedi,
#: ~0.77 raw) has to fall clearly below one letter in a long name
#: (Khoirul Anam/Khairul Anam, ~0.92 raw).
_SHARPNESS = 1.6
#: A match that needs the old-spelling j->y reading is likely but not certain
#: ("Hidajat" is almost surely "Hidayat", but "Raja" is not "Raya").
_J_TO_Y_FACTOR = 0.9
_INNER_J = re.compile(r"(?<=[a-z])j")


@lru_cache(maxsize=65536)
def _key_words(normalized: str) -> str:
    return " ".join(_key_of_normalized(word) for word in normalized.split())


def _score_normalized(a: str, b: str) -> float:
    key_a, key_b = _key_of_normalized(a), _key_of_normalized(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    in_order = fuzz.ratio(key_a, key_b) / 100.0
    any_order = fuzz.token_sort_ratio(_key_words(a), _key_words(b)) / 100.0
    jaro_winkler = jellyfish.jaro_winkler_similarity(key_a, key_b)
    blended = (1 - _JW_WEIGHT) * max(in_order, any_order) + _JW_WEIGHT * jaro_winkler
    return float(blended**_SHARPNESS)


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names in ``[0, 1]``; 1.0 means equal :func:`name_key`.

    With ``na``, ``nb`` the normalised names and ``ka``, ``kb`` their keys::

        in_order  = rapidfuzz.fuzz.ratio(ka, kb) / 100
        any_order = rapidfuzz.fuzz.token_sort_ratio(keys of the words of na, ... of nb) / 100
        jw        = jellyfish.jaro_winkler_similarity(ka, kb)
        score     = (0.8 * max(in_order, any_order) + 0.2 * jw) ** 1.6

    and 1.0 when ``ka == kb``. ``in_order`` ignores spacing, ``any_order``
    ignores word order ("Santoso Budi"), ``jw`` forgives truncation; why the
    weights and the exponent are what they are is noted at ``_JW_WEIGHT`` and
    ``_SHARPNESS``. The score is also computed with every non-initial "j" read
    as "y" (old spelling without other markers: "Hidajat"), times 0.9, and the
    better of the two is returned. Word-initial "j" is left alone: "Joko" is
    not "Yoko".

    ``token_set_ratio`` is deliberately not used: it scores "Siti" against
    "Siti Aminah" as a perfect match, which is wrong for duplicate detection.

    Rough reading: >= 0.85 the same name written differently; < 0.7 a
    different name; in between, decide with the other data (birth date,
    parents, address).
    """
    norm_a, norm_b = normalize_name(a), normalize_name(b)
    score = _score_normalized(norm_a, norm_b)
    if score < 1.0:
        var_a, var_b = _INNER_J.sub("y", norm_a), _INNER_J.sub("y", norm_b)
        if (var_a, var_b) != (norm_a, norm_b):
            score = max(score, _J_TO_Y_FACTOR * _score_normalized(var_a, var_b))
    return round(min(1.0, max(0.0, score)), 4)


def spelling_similarity(a: str, b: str) -> float:
    """:func:`name_similarity` of the normalised spellings, without the sound-alike folding.

    For a typo that changed how the rest of a name folds: "Roista" keys to "raista" (the "oi"
    of Javanese spellings reads as "ai") and "Iiph" to "if" ("ph" reads as "f"), so their
    keys are far from "rosita" and "ip" though the spellings are one slip from "Rosita" and
    "Iip". Without a typo, folding only brings spellings closer, so the higher of the two
    scores is the fair one. Same blend and weights as :func:`name_similarity`.
    """
    norm_a, norm_b = normalize_name(a), normalize_name(b)
    if not norm_a or not norm_b:
        return 0.0
    if norm_a == norm_b:
        return 1.0
    flat_a, flat_b = norm_a.replace(" ", ""), norm_b.replace(" ", "")
    in_order = fuzz.ratio(flat_a, flat_b) / 100.0
    any_order = fuzz.token_sort_ratio(norm_a, norm_b) / 100.0
    jaro_winkler = jellyfish.jaro_winkler_similarity(flat_a, flat_b)
    blended = (1 - _JW_WEIGHT) * max(in_order, any_order) + _JW_WEIGHT * jaro_winkler
    return round(min(1.0, float(blended**_SHARPNESS)), 4)


def search_terms(query: str) -> list[str]:
    """Strings to match against a trigram index for a user's query, best first.

    The normalised query finds records whose normalised name contains the
    same spelling; the key finds the sound-alike spellings and the
    differently spaced ones. Both are needed and nothing more: each extra term
    is another index scan, and the similarity ranking afterwards sorts out the
    rest. Terms shorter than three letters cannot use a trigram index; the
    caller decides whether to fall back to a prefix search.
    """
    normalized = normalize_name(query)
    terms = [normalized, _key_of_normalized(normalized)]
    return [term for i, term in enumerate(terms) if term and term not in terms[:i]]
