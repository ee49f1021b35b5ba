"""Reads of the population register. Everything goes through the actor's scope.

`*_open` selectors are for showing a record to an officer: they also write the audit row
that personal data was read. The plain getters are for other services, whose own action is
audited.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from warga.audit.services import audit_read, audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, code_within, get_scoped, scoped
from warga.regions.lookups import CODE_RE
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import kecamatan_lookup

from .capabilities import REGISTRY_STATS, REGISTRY_VIEW
from .identity import NikCheck, check_nik
from .models import (
    Family,
    FamilyChange,
    LifeEvent,
    LifeStatus,
    Phone,
    Relationship,
    Resident,
    ResidentChange,
    Sex,
)
from .names import (
    name_key,
    name_similarity,
    name_word_keys,
    normalize_name,
    one_edit_keys,
    spelling_similarity,
)
from .search_index import FTS_TABLE, NAME_KEY_TABLE

NUMBER_RE = re.compile(r"^\d{16}$")

# --------------------------------------------------------------------------- public NIK check


@dataclass(frozen=True)
class PublicNikCheck:
    """What the public NIK check (the API and the `/cek-nik/` page) answers: the structure of
    the number and the region its kecamatan code names. The register is not consulted, so the
    answer says nothing about whether anyone holds the NIK."""

    check: NikCheck
    region_name: str | None  # "Kec. Purwakarta, Kabupaten Purwakarta"


def nik_check_public(nik: str, *, today: date | None = None) -> PublicNikCheck:
    result = check_nik(nik[:32], kecamatan_lookup=kecamatan_lookup, today=today or timezone.localdate())
    region_name = None
    if result.kecamatan_code:
        kecamatan = Region.objects.select_related("parent").filter(code=result.kecamatan_code).first()
        if kecamatan is not None:
            region_name = kecamatan.display_name + (f", {kecamatan.parent.name}" if kecamatan.parent else "")
    return PublicNikCheck(check=result, region_name=region_name)


# --------------------------------------------------------------------------- single records


def resident_get(*, actor: Actor, pk: int) -> Resident:
    return get_scoped(Resident.objects.select_related("desa", "family"), actor, pk=pk)


def resident_get_by_nik(*, actor: Actor, nik: str) -> Resident:
    """The resident with this NIK inside the actor's area; NotFound otherwise (also outside it)."""
    return get_scoped(Resident.objects.select_related("desa", "family"), actor, nik=(nik or "").strip())


def family_get(*, actor: Actor, pk: int) -> Family:
    return get_scoped(Family.objects.select_related("desa"), actor, pk=pk)


def family_get_by_kk(*, actor: Actor, kk_number: str) -> Family:
    return get_scoped(Family.objects.select_related("desa"), actor, kk_number=(kk_number or "").strip())


def resident_open(
    *,
    actor: Actor,
    pk: int | None = None,
    nik: str | None = None,
    resident: Resident | None = None,
    purpose: str = "view",
) -> Resident:
    """A resident's record shown to an officer, recorded as a read (`purpose` says which page
    or operation showed it). Opening by id or NIK needs registry.view; `resident` is one the
    caller reached through a record of its own, loaded within the actor's scope (a card, a SUKET,
    a duplicate pair), recorded without loading it again."""
    if resident is None:
        actor.require(REGISTRY_VIEW)
        resident = (
            resident_get(actor=actor, pk=pk)
            if pk is not None
            else resident_get_by_nik(actor=actor, nik=nik or "")
        )
    audit_read(actor=actor, obj=resident, purpose=purpose)
    return resident


def family_open(*, actor: Actor, pk: int | None = None, kk_number: str | None = None) -> Family:
    actor.require(REGISTRY_VIEW)
    family = (
        family_get(actor=actor, pk=pk)
        if pk is not None
        else family_get_by_kk(actor=actor, kk_number=kk_number or "")
    )
    audit_read(actor=actor, obj=family)
    return family


_RELATIONSHIP_ORDER = {value: index for index, value in enumerate(Relationship.values)}


def family_members(*, actor: Actor, family: Family) -> list[Resident]:
    """Members in the order of a printed KK: head, spouse, children by age, then the others."""
    members = scoped(Resident.objects.filter(family=family), actor).order_by("birth_date", "pk")
    return sorted(members, key=lambda m: _RELATIONSHIP_ORDER.get(m.relationship, 99))


def residents_in_area(*, actor: Actor, area_code: str) -> QuerySet[Resident]:
    """Residents living in a region (kecamatan, desa…) inside the actor's area."""
    code = (area_code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("Region %(code)s is unknown.") % {"code": code[:30]}, code="registry.unknown_region"
        )
    return scoped(Resident.objects.filter(desa__within=code), actor)


def resident_history(*, actor: Actor, resident: Resident) -> QuerySet[ResidentChange]:
    return scoped(ResidentChange.objects.filter(resident=resident), actor).select_related("actor", "event")


def family_history(*, actor: Actor, family: Family) -> QuerySet[FamilyChange]:
    return scoped(FamilyChange.objects.filter(family=family), actor).select_related("actor", "event")


def resident_events(*, actor: Actor, resident: Resident) -> QuerySet[LifeEvent]:
    """Events of a resident. Visible with the resident, wherever the event was registered."""
    get_scoped(Resident.objects.all(), actor, pk=resident.pk)
    return resident.life_events.select_related("desa", "actor").order_by("-occurred_on", "-id")


def resident_phones(*, actor: Actor, resident: Resident) -> QuerySet[Phone]:
    return scoped(Phone.objects.filter(resident=resident), actor).order_by("-verified_at", "-created_at")


def phone_get(*, actor: Actor, pk: int) -> Phone:
    return get_scoped(Phone.objects.select_related("resident"), actor, pk=pk)


# --------------------------------------------------------------------------- search


@dataclass
class SearchFilters:
    desa: str = ""
    kecamatan: str = ""
    birth_year: int | None = None
    sex: str = ""
    family_id: int | None = None
    alive_only: bool = False
    #: What a counter officer often knows besides the name. Both rank the candidates (see
    #: `_Agreement`); a birth date also narrows them to its year and the years next to it (a
    #: day and month swapped or one digit wrong keep the person in view).
    birth_date: date | None = None
    parent_name: str = ""

    @property
    def desa_ranks(self) -> bool:
        """A desa given together with its kecamatan: for a name, the kecamatan narrows and the
        desa ranks, so a resident of that desa comes before a namesake of the next desa, and
        someone registered one desa over from where they say they live is still shown."""
        return bool(self.desa and self.kecamatan)

    @property
    def told(self) -> bool:
        """Whether the officer gave something about the person besides the name: a birth date
        or year, a desa or a parent's name. Each is a ranking signal (`_Agreement`)."""
        return bool(self.birth_date or self.birth_year or self.desa or self.parent_name.strip())


#: Bearers fetched of the query's own key (namesakes) and of each near name (one slip away, a
#: trigram neighbour, a name containing the query), as (kept, read), per name: one common
#: neighbour cannot crowd out the rare name that is the right one, as one cap of 150 over all
#: forty neighbours' bearers did.
#:
#: The caps count rows the filters (scope, birth year or date, desa, kecamatan, sex) have let
#: through in SQL, so they widen with the filters' selectivity: 50 bearers of "Rizal" born in
#: 1990 are all of them, 50 of all the Rizals are one in sixty. What makes that affordable is
#: the indexes (name_key, birth_date) and (desa, name_key): the filtered bearers come from the
#: index, not from reading every bearer's row.
#:
#: Nothing told that orders them: the first ones in id order (the (name_key, id) index gives
#: them without a sort); without anything told any namesake is as good as another.
EXACT_CANDIDATES = (300, 300)
NEAR_CANDIDATES = (50, 50)
#: PostgreSQL, with a birth date, a parent's name or a ranking desa (`_told_order`): the first
#: `read` in id order are ordered by agreement and the best `kept` fetched. Ordered, few are
#: needed; `read` bounds the work on a common name (a parent's name has no index, so its
#: bearers beyond `read` are not looked at; a birth date's window is narrow enough that it
#: rarely binds). Measured at 2.6 million residents: reading 300 instead of 200 of a near
#: name's bearers found the person for one query more in 300 with a parent's name, for 4 ms
#: more at the 95th percentile of those queries; 150 one fewer.
ORDERED_EXACT = (50, 2000)
ORDERED_NEAR = (5, 200)
#: ... of which the names one slip away share this many to read (at least ORDERED_NEAR's each):
#: the likeliest typos, and often common names themselves.
SLIP_READ = 3000
#: SQLite, which cannot order by a parent's name: namesakes looked at when one is given.
SIGNAL_CANDIDATES = 3000
#: Candidates fetched per strategy before ranking; enough for a page of good answers.
SUBSTRING_CANDIDATES = 300
#: PostgreSQL: distinct names containing the query's key that are looked at.
SUBSTRING_KEYS = 100
#: PostgreSQL: the nearest distinct names (by trigrams) a typo search looks at.
TRIGRAM_KEYS = 40
#: Near names whose bearers are fetched, best first (by the score of their key).
NEAR_KEYS = 40
#: SQLite (small registers): near-name and trigram candidates fetched in all.
FUZZY_CANDIDATES = 300
#: The prefix and substring strategies run only while fewer namesakes than this were found.
ENOUGH_CANDIDATES = 50
#: Without anything told, the trigram strategy runs only while fewer than this were found.
FEW_CANDIDATES = 10
#: pg_trgm similarity a fuzzy candidate needs; higher lets the GIN index skip more rows.
PG_TRGM_THRESHOLD = 0.45
#: Below this similarity a candidate is not shown (see names.name_similarity).
MIN_SCORE = 0.6
#: A near name is fetched only if its key alone scores this much: a full name can score a
#: little higher than its key (words in another order), never much.
NEAR_MIN_SCORE = 0.55
#: The name score of a name one slip (a letter missing, extra, wrong or swapped, a space left
#: out) from the one typed, when its own similarity is lower: the slip can change how the rest
#: folds ("Ilhammoch." keys to "ilhamoh", "Ilham Moch." to "ilhamuhamad"), and such a name is
#: as likely meant as one that differs by a letter or two in the usual score.
SLIP_SCORE = 0.8
#: Share of the rank given to what was told besides the name.
SIGNAL_WEIGHT = 0.4


def _filtered(actor: Actor, filters: SearchFilters, *, ranking: bool = False) -> QuerySet[Resident]:
    """The residents the filters allow. `ranking` (a name search): a desa given with its
    kecamatan does not narrow, it ranks (`SearchFilters.desa_ranks`)."""
    qs = scoped(Resident.objects.all(), actor)
    codes = [filters.kecamatan] if ranking and filters.desa_ranks else [filters.kecamatan, filters.desa]
    for code in (filters.kecamatan, filters.desa):
        if code and not CODE_RE.match(code):
            raise InvalidInput(
                _("Region %(code)s is unknown.") % {"code": code[:30]}, code="registry.unknown_region"
            )
    for code in codes:
        if code:
            qs = qs.filter(desa__within=code)
    if filters.birth_year:
        qs = qs.filter(birth_date__year=filters.birth_year)
    if filters.birth_date:
        year = filters.birth_date.year
        qs = qs.filter(
            birth_date__gte=date(max(year - 1, 1), 1, 1), birth_date__lte=date(min(year + 1, 9999), 12, 31)
        )
    if filters.sex in Sex.values:
        qs = qs.filter(sex=filters.sex)
    if filters.family_id:
        qs = qs.filter(family_id=filters.family_id)
    if filters.alive_only:
        qs = qs.filter(life_status=LifeStatus.ALIVE)
    return qs


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _prefix_candidates(qs: QuerySet[Resident], key: str) -> QuerySet[Resident]:
    """Keys starting with the query's key: a range of the (name_key, id) index, read in its order.

    Not LIKE 'key%': SQLite's LIKE cannot use the index, and PostgreSQL turns it into a range
    only on the pattern index, whose order is not (name_key, id), or under the "C" collation;
    for a short common prefix ("as") the planner then walked the key index from its start,
    filtering (130 ms at 500,000 residents). Keys are lower-case a-z, so the range up to the
    next prefix ("as" up to "at") holds exactly the keys starting with "as".
    """
    stem = key.rstrip("z")
    if not stem:
        return qs.filter(name_key__gte=key)
    return qs.filter(name_key__gte=key, name_key__lt=stem[:-1] + chr(ord(stem[-1]) + 1))


def _substring_candidates(qs: QuerySet[Resident], key: str) -> QuerySet[Resident]:
    """SQLite: residents whose key contains the query's (its FTS5 trigram index)."""
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE name_key MATCH %s"  # noqa: S608 - constant table name
    return qs.filter(id__in=RawSQL(sql, [_fts_phrase(key)]))  # noqa: S611 - the query is bound


def _containing_keys_postgres(key: str) -> list[str]:
    """PostgreSQL: the distinct names containing the query's key (a first or last name alone),
    shortest first: the more of the name the query is, the better it answers."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key FROM {NAME_KEY_TABLE} WHERE key LIKE %s ORDER BY length(key), key LIMIT %s",  # noqa: S608
            ["%" + key + "%", SUBSTRING_KEYS],
        )
        return [row[0] for row in cursor.fetchall()]


def _trigram_ids_sqlite(qs: QuerySet[Resident], key: str) -> list[int]:
    """SQLite: ids of names sharing many trigrams with the key (typos, a letter missing or extra)."""
    grams = sorted({key[i : i + 3] for i in range(len(key) - 2)})
    match = " OR ".join(_fts_phrase(g) for g in grams)
    # Ranked over the whole register, then narrowed to the scope and filters.
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE name_key MATCH %s ORDER BY rank LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, FUZZY_CANDIDATES * 4])
        ids = [row[0] for row in cursor.fetchall()]
    # In the index's rank order: cutting the scope's rows by id order would drop good answers.
    kept = set(qs.filter(id__in=ids).values_list("id", flat=True))
    return [pk for pk in ids if pk in kept][:FUZZY_CANDIDATES]


def _near_keys_postgres(key: str, query: str, one_edit: set[str], *, trigrams: bool) -> list[str]:
    """PostgreSQL: distinct names of the register near the query's, from the small table of
    distinct keys: those one slip away (`one_edit`), and with `trigrams` its nearest trigram
    neighbours (two slips, a long name) and the names holding all its words in order with
    others between or around them (a middle name left out: "Bayu Rizki" for "Bayu Abdullah
    Rizki", whose trigrams the short query shares too few of)."""
    parts: list[str] = []
    params: list[Any] = []
    if one_edit:
        parts.append(f"SELECT key FROM {NAME_KEY_TABLE} WHERE key = ANY(%s)")  # noqa: S608 - constant table name
        params.append(sorted(one_edit))
    if trigrams and len(key) >= 4:
        parts.append(
            f"(SELECT key FROM {NAME_KEY_TABLE} WHERE key %% %s "  # noqa: S608 - constant table name
            "ORDER BY similarity(key, %s) DESC, key LIMIT %s)"
        )
        params += [key, key, TRIGRAM_KEYS]
        words = [name_key(word) for word in normalize_name(query).split()]
        if len(words) > 1 and all(words):
            parts.append(
                f"(SELECT key FROM {NAME_KEY_TABLE} WHERE key LIKE %s "  # noqa: S608 - constant table name
                "ORDER BY length(key), key LIMIT %s)"
            )
            params += ["%" + "%".join(words) + "%", TRIGRAM_KEYS]
    if not parts:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        # Both look-ups are index probes of a table of some 100,000 keys. Near the size where a
        # scan of it costs about as much by the planner's estimate (a long key has many trigrams,
        # a slip list many entries), the planner picks the scan, a similarity per key: 150 ms
        # against 10 through the trigram index at 64,000 keys (500,000 residents).
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), set_config('enable_seqscan', 'off', true)",
            [str(PG_TRGM_THRESHOLD)],
        )
        cursor.execute(" UNION ".join(parts), params)
        found = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
    return found


@dataclass(frozen=True)
class _ToldOrder:
    """PostgreSQL: how a name's bearers are handed over best agreeing with what was told first.

    A rough, SQL-side twin of `_Agreement` for the attributes that do not already narrow the
    rows (a birth date's exact day within its three years, a parent's name, a desa that ranks);
    the exact agreement is computed afterwards on what was fetched. `hint` is the parent's
    name's trigram similarity (over the columns of `s`), fetched along as a column; `order`
    the ORDER BY terms over the columns of `t` (with that `hint`).
    """

    hint: str = ""
    hint_params: tuple[Any, ...] = ()
    order: str = ""
    order_params: tuple[Any, ...] = ()


def _told_order(filters: SearchFilters) -> _ToldOrder:
    terms: list[str] = []
    params: list[Any] = []
    hint, hint_params = "", []
    if filters.birth_date:
        told = filters.birth_date
        terms.append(
            "CASE WHEN t.birth_date = %s THEN 1.0 WHEN t.birth_date = %s THEN 0.8 "
            "WHEN t.birth_date BETWEEN %s AND %s THEN 0.4 ELSE 0.2 END"
        )
        params += [told, _swapped(told) or told, date(told.year, 1, 1), date(told.year, 12, 31)]
    parent = normalize_name(filters.parent_name)
    if parent:
        # The normalised spelling (no titles, current spelling), against both parents: four
        # similarities per row (raw and normalised) cost twice the time for little.
        hint = "GREATEST(similarity(s.father_name, %s), similarity(s.mother_name, %s))"
        hint_params = [parent, parent]
        terms.append("t.hint")
    if filters.desa_ranks:
        terms.append("CASE WHEN t.desa_id = %s OR t.desa_id LIKE %s THEN 1 ELSE 0 END")
        params += [filters.desa, filters.desa + ".%"]
    if not terms:
        return _ToldOrder()
    order = f"({' + '.join(terms)}) DESC, "
    if filters.birth_date:
        # Within a class, the nearer day first (one digit wrong is usually a near one).
        order += "abs(t.birth_date - %s::date), "
        params.append(filters.birth_date)
    return _ToldOrder(hint or "NULL::float", tuple(hint_params), order, tuple(params))


_FIELDS = ("id", "name_key", "full_name", "birth_date", "father_name", "mother_name", "desa_id")


def _bearers_postgres(
    base: QuerySet[Resident], wanted: list[tuple[str, int, int]], filters: SearchFilters
) -> list[tuple[Any, ...]]:
    """PostgreSQL: for each (key, limit, scan), up to `limit` of the key's bearers within `base`;
    one statement for all keys, each an index range scan, so a common neighbour does not crowd
    out the rare name that is the right one.

    When something told orders them (`_told_order`), the first `scan` bearers (by id) are
    ordered and the best `limit` kept: a parent's name has no index, so ordering all bearers
    of a common name (thousands) would read them all; `scan` bounds that read.
    """
    if not wanted:
        return []
    inner = (
        base.filter(name_key=RawSQL("k.key", (), output_field=CharField()))
        .order_by("pk")
        .values_list(*_FIELDS)
    )
    sql, params = inner.query.sql_with_params()
    told = _told_order(filters)
    if told.order:
        # Django's compiled query, and terms of constant SQL with bound values.
        lateral = (
            f"SELECT t.* FROM (SELECT s.*, {told.hint} AS hint FROM ({sql} LIMIT k.scan) AS s) AS t "  # noqa: S608
            f"ORDER BY {told.order}t.id LIMIT k.lim"
        )
        params = (*told.hint_params, *params, *told.order_params)
    else:
        lateral = f"{sql} LIMIT k.lim"
    statement = (
        "SELECT c.* FROM unnest(%s::varchar[], %s::int[], %s::int[]) WITH ORDINALITY AS k(key, lim, scan, ord) "  # noqa: S608 - as above
        f"CROSS JOIN LATERAL ({lateral}) AS c ORDER BY k.ord"
    )
    keys, limits, scans = (list(column) for column in zip(*wanted, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(statement, [keys, limits, scans, *params])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _name_score(*, key: str, normalized: str, found_key: str, full_name: str) -> float:
    """How well a candidate's name answers the query (its spelling key and normalized form)."""
    if found_key == key:
        return 1.0
    # The spellings too: a typo can change how the rest of the name folds into its key.
    score = max(name_similarity(normalized, full_name), spelling_similarity(normalized, full_name))
    if key in found_key:
        # Part of the name (a first name alone) is a real answer even if short.
        score = max(score, 0.6 + 0.35 * len(key) / max(len(found_key), 1))
    return score


@dataclass(frozen=True)
class _Hit:
    name_key: str
    full_name: str
    birth_date: date
    father_name: str
    mother_name: str
    desa_id: str
    #: PostgreSQL, a parent's name told: the better trigram similarity of the registered
    #: parents' names with it, computed with the rows (`_told_order`).
    parent_hint: float | None = None


def _swapped(day: date) -> date | None:
    """The date with day and month swapped, when that is a date and a different one."""
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


def _birth_agreement(wanted: date, found: date) -> float:
    """How well a registered birth date agrees with the one the officer was told."""
    if found == wanted:
        return 1.0
    if found.year == wanted.year and (found.month, found.day) == (wanted.day, wanted.month):
        return 0.8  # day and month swapped
    told, registered = wanted.strftime("%d%m%Y"), found.strftime("%d%m%Y")
    if sum(a != b for a, b in zip(told, registered, strict=True)) == 1:
        return 0.7  # one digit written wrong
    if found.year == wanted.year:
        return 0.4
    return 0.2 if abs(found.year - wanted.year) <= 1 else 0.0


#: A parent's name told and the registered one: at or below this similarity they are different
#: names (see names.name_similarity: < 0.7 different, >= 0.85 the same written differently).
PARENT_DIFFERENT = 0.7


def _parent_agreement(wanted_key: str, wanted: str, parents: tuple[str, str]) -> float:
    """The better match of the name given against the registered father's and mother's names.

    Spread over [0, 1] from `PARENT_DIFFERENT` up: sharing a common first or last name with the
    parent told ("Ajat Setiawan" for "Asep Setiawan", about 0.7) must not count almost as much
    as the parent's own name written differently, or a namesake of a better-matching name
    with the wrong parent outranks the person sought.
    """
    best = 0.0
    told_words = set(_word_keys(wanted))
    for parent in parents:
        if not parent:
            continue
        found_key = name_key(parent)
        if found_key == wanted_key:
            return 1.0
        score = name_similarity(wanted, parent)
        words = set(_word_keys(parent))
        shorter, longer = sorted((wanted_key, found_key), key=len)
        if (told_words and words and (told_words <= words or words <= told_words)) or (
            len(shorter) >= 4 and longer.startswith(shorter)
        ):
            # One of the parent's names ("Siti" for "Siti Aminah"), or the name cut short
            # ("Siti Kusuma" for "Siti Kusumawati"). Whole words or the start: "Iah" (key
            # "ia") is not in every name holding an "ia", nor "Ajat" in "Iwan Sudrajat".
            score = max(score, 0.9)
        best = max(best, score)
    return max(0.0, (best - PARENT_DIFFERENT) / (1 - PARENT_DIFFERENT))


def _word_keys(name: str) -> list[str]:
    return [word for word in name_word_keys(name) if len(word) >= 2]


#: PostgreSQL: below this trigram similarity with the parent's name told (raw or normalised),
#: a registered parent's name is not scored: it agrees with it at best by sharing a short
#: word, worth nothing (`_parent_agreement`). In a sample of 61,500 pairs of registered
#: parents' names, one of 1,634 that agree at all was below 0.2 (and agreed 0.001). Old
#: spellings are always scored: "Djodjo" shares no trigram with "Jojo", the same name.
PARENT_HINT_MIN = 0.15
_OLD_SPELLING = re.compile(r"oe|dj|tj|sj|ch|nj")


class _Agreement:
    """How well a candidate agrees with what was told besides the name, in [0, 1]: the mean over
    the attributes given. A birth year or a desa that narrows the search agrees fully for every
    candidate; they count so that the same weight goes to what was told whatever it was."""

    def __init__(self, filters: SearchFilters):
        self.filters = filters
        self.parent = " ".join(filters.parent_name.split())
        self.parent_key = name_key(self.parent) if self.parent else ""
        self._parents: dict[str, float] = {}

    def _parent(self, name: str) -> float:
        # Parents' names repeat across candidates (common names): each is scored once.
        if name not in self._parents:
            self._parents[name] = _parent_agreement(self.parent_key, self.parent, (name, ""))
        return self._parents[name]

    def __call__(self, hit: _Hit) -> float:
        filters, parts = self.filters, []
        if filters.birth_date:
            parts.append(_birth_agreement(filters.birth_date, hit.birth_date))
        if filters.birth_year:
            parts.append(1.0 if hit.birth_date.year == filters.birth_year else 0.0)
        if filters.desa:
            parts.append(1.0 if code_within(hit.desa_id, filters.desa) else 0.0)
        if self.parent_key:
            if (
                hit.parent_hint is not None
                and hit.parent_hint < PARENT_HINT_MIN
                and not _OLD_SPELLING.search(f"{hit.father_name} {hit.mother_name}".lower())
            ):
                parts.append(0.0)  # neither parent's name is near the one told (see PARENT_HINT_MIN)
            else:
                parts.append(max(self._parent(hit.father_name), self._parent(hit.mother_name)))
        return sum(parts) / len(parts) if parts else 0.0


def _rank(
    hits: dict[int, _Hit], *, key: str, query: str, filters: SearchFilters, slips: set[str]
) -> list[tuple[int, float]]:
    """(id, score) of the candidates good enough to show, best first.

    The name's score alone decides whether a candidate is shown (`slips`: keys one slip from
    the query's, which score at least SLIP_SCORE). With something told, the
    rank is 60 % name and 40 % agreement. Ties (namesakes agreeing equally) go to the stored
    spelling closest to the one typed ("Nurul Angraini" is more likely "Nurul Anggraini" than
    "Nur Anggraini", which has the same key), then by name and id.
    """
    normalized = normalize_name(query)
    typed = query.lower()
    agreement = _Agreement(filters) if filters.told else None
    names: dict[str, float] = {}
    ranked: list[tuple[float, float, str, int]] = []
    for pk, hit in hits.items():
        score = names.get(hit.full_name)
        if score is None:
            score = _name_score(
                key=key, normalized=normalized, found_key=hit.name_key, full_name=hit.full_name
            )
            if hit.name_key in slips:
                score = max(score, SLIP_SCORE)
            names[hit.full_name] = score
        if score < MIN_SCORE:
            continue
        if agreement is not None:
            score = (1 - SIGNAL_WEIGHT) * score + SIGNAL_WEIGHT * agreement(hit)
        ranked.append((round(score, 3), fuzz.ratio(typed, hit.full_name.lower()), hit.full_name, pk))
    ranked.sort(key=lambda r: (-r[0], -r[1], r[2], r[3]))
    return [(pk, score) for score, _spelling, _name, pk in ranked]


def resident_search(
    *, actor: Actor, query: str = "", filters: SearchFilters | None = None
) -> Sequence[Resident] | QuerySet[Resident]:
    """Find residents by NIK, KK number or name (spelling variants included), best match first.

    A 16-digit query is an exact NIK or KK number. A name is matched on its spelling key
    (equal keys, keys one slip away, keys starting with or containing the query's, trigram
    neighbours: see `_candidates`), each result carrying `score` in [0, 1]. With no query, the
    filters alone list residents by name; at least a desa or a family is then needed.

    What the officer was told besides the name (a birth date or year, a desa, a parent's name)
    ranks the candidates: the name's score (which alone decides whether a candidate is shown
    at all) counts for 60 %, the agreement of those attributes for 40 %, so among the many
    bearers of a common name the one born on that day to that parent comes first. Ties go to
    the stored spelling nearest to the one typed. A desa given with its kecamatan ranks
    instead of narrowing (`SearchFilters.desa_ranks`).
    """
    actor.require(REGISTRY_VIEW)
    filters = filters or SearchFilters()
    query = " ".join((query or "").split())
    qs = _filtered(actor, filters).select_related("desa", "family")
    digits = query.replace(" ", "")
    if NUMBER_RE.match(digits):
        found = list(
            qs.filter(Q(nik=digits) | Q(family__kk_number=digits)).order_by("family_id", "birth_date")
        )
        for resident in found:
            resident.score = 1.0  # type: ignore[attr-defined]
        _audit_search(actor, "number", len(found))
        return found
    if not query:
        if not (filters.desa or filters.family_id):
            raise InvalidInput(
                _("Type a name, a NIK or a KK number, or choose a desa."), code="registry.search_empty"
            )
        _audit_search(actor, "filter", None)
        return qs.order_by("name_key", "pk")
    key = name_key(query)
    # Three letters typed, not three in the key: "Aas" is a name, and its key is "as".
    if len(key) < 2 or sum(ch.isalpha() for ch in normalize_name(query)) < 3:
        raise InvalidInput(_("Type at least three letters of the name."), code="registry.search_short")
    slips = one_edit_keys(query)
    hits = _candidates(actor, key, query, filters, slips)
    ranked = _rank(hits, key=key, query=query, filters=filters, slips=slips)
    _audit_search(actor, "name", len(ranked))
    if filters.desa_ranks:
        qs = _filtered(actor, filters, ranking=True).select_related("desa", "family")
    return RankedResidents(qs, ranked)


def _candidates(
    actor: Actor, key: str, query: str, filters: SearchFilters, one_edit: set[str]
) -> dict[int, _Hit]:
    """Everyone who may be the person meant, as plain rows (scoring a few hundred needs no model
    instances; full records are loaded only for the page shown).

    Cheapest first: the namesakes and the names one slip away; the keys starting with the
    query's (a first name alone, a last name left out) and those containing it only while
    too few namesakes were found; the trigram neighbours (two slips, a name left out in the
    middle) only while nothing at all was found, or whenever something was told: a typo can
    be somebody else's exact name, and with the rows narrowed or ordered by what was told the
    neighbours' bearers are what tells them apart, at a small cost.
    """
    base = _filtered(actor, filters, ranking=True)
    hits: dict[int, _Hit] = {}

    def gather(rows: Iterable[tuple[Any, ...]]) -> None:
        for pk, *values in rows:
            hits.setdefault(pk, _Hit(*values))

    if connection.vendor == "postgresql":
        _gather_postgres(gather, hits, base, key=key, query=query, filters=filters, one_edit=one_edit)
    else:
        _gather_sqlite(gather, hits, base, key=key, filters=filters, one_edit=one_edit)
    return hits


def _gather_postgres(
    gather: Callable[[Iterable[tuple[Any, ...]]], None],
    hits: dict[int, _Hit],
    base: QuerySet[Resident],
    *,
    key: str,
    query: str,
    filters: SearchFilters,
    one_edit: set[str],
) -> None:
    ordered = bool(_told_order(filters).order)
    exact, caps = (ORDERED_EXACT, ORDERED_NEAR) if ordered else (EXACT_CANDIDATES, NEAR_CANDIDATES)

    def bearers(keys: list[str], *, slips: set[str], own: bool = False) -> None:
        wanted = _best_keys([k for k in keys if k != key], caps, key=key, query=query, one_edit=slips)
        gather(_bearers_postgres(base, [(key, *exact), *wanted] if own else wanted, filters))

    # The namesakes, the names one slip away and (something told) the trigram neighbours: two
    # statements, one over the distinct names, one for all their bearers.
    bearers(_near_keys_postgres(key, query, one_edit, trigrams=filters.told), slips=one_edit, own=True)
    namesakes = sum(hit.name_key == key for hit in hits.values())
    if namesakes < ENOUGH_CANDIDATES:
        prefixed = _prefix_candidates(base, key).order_by("name_key", "pk")
        parent = normalize_name(filters.parent_name)
        if parent:  # with the parent's hint, as the bearers above (`_told_order`)
            hint = RawSQL(
                "GREATEST(similarity(father_name, %s), similarity(mother_name, %s))",
                [parent, parent],
            )
            gather(prefixed.annotate(hint=hint).values_list(*_FIELDS, "hint")[:SUBSTRING_CANDIDATES])
        else:
            gather(prefixed.values_list(*_FIELDS)[:SUBSTRING_CANDIDATES])
    if not namesakes and len(hits) < ENOUGH_CANDIDATES:
        # The names containing it, from the distinct names' trigram index: the same index over
        # 2.6 million residents took 3-28 ms for a typo contained in no name.
        bearers(_containing_keys_postgres(key), slips=set())
    if not filters.told and not namesakes and len(hits) < FEW_CANDIDATES:
        bearers(_near_keys_postgres(key, query, set(), trigrams=True), slips=set())


def _gather_sqlite(
    gather: Callable[[Iterable[tuple[Any, ...]]], None],
    hits: dict[int, _Hit],
    base: QuerySet[Resident],
    *,
    key: str,
    filters: SearchFilters,
    one_edit: set[str],
) -> None:
    limit = SIGNAL_CANDIDATES if filters.parent_name.strip() else EXACT_CANDIDATES[0]
    gather(base.filter(name_key=key).order_by("pk").values_list(*_FIELDS)[:limit])
    if one_edit:
        # Which of the (hundreds of) spellings are names at all, in one plain statement: as a
        # filter of the scoped query each would be prepared by the ORM, and again per query.
        with connection.cursor() as cursor:
            spellings = sorted(one_edit)
            marks = ", ".join(["%s"] * len(spellings))
            cursor.execute(
                f"SELECT DISTINCT name_key FROM registry_resident WHERE name_key IN ({marks})",  # noqa: S608 - placeholders only
                spellings,
            )
            names = [row[0] for row in cursor.fetchall()]
        if names:
            gather(base.filter(name_key__in=names).order_by("pk").values_list(*_FIELDS)[:FUZZY_CANDIDATES])
    namesakes = sum(hit.name_key == key for hit in hits.values())
    if namesakes < ENOUGH_CANDIDATES:
        gather(
            _prefix_candidates(base, key)
            .order_by("name_key", "pk")
            .values_list(*_FIELDS)[:SUBSTRING_CANDIDATES]
        )
    if not namesakes and len(hits) < ENOUGH_CANDIDATES:
        gather(_substring_candidates(base, key).order_by("pk").values_list(*_FIELDS)[:SUBSTRING_CANDIDATES])
    if len(key) >= 4 and (filters.told or (not namesakes and len(hits) < FEW_CANDIDATES)):
        fuzzy = [pk for pk in _trigram_ids_sqlite(base, key) if pk not in hits]
        if fuzzy:
            gather(base.filter(pk__in=fuzzy).values_list(*_FIELDS))


def _best_keys(
    keys: list[str], caps: tuple[int, int], *, key: str, query: str, one_edit: set[str]
) -> list[tuple[str, int, int]]:
    """The near names worth fetching, best first, each with its caps (kept, read). Trigram
    neighbours are scored on the key alone, which a full name's score rarely exceeds by much
    (see NEAR_MIN_SCORE); names one slip away are always fetched (the key hides how close a
    short name's spelling is: "Iiph" keys to "if", "Iip" to "ip"). When what was told orders
    the bearers, the names one slip away, the likeliest typos, share `SLIP_READ` rows to order
    between them; the others get `caps`."""
    normalized = normalize_name(query)
    scored = []
    for found in set(keys):
        score = _name_score(key=key, normalized=normalized, found_key=found, full_name=found)
        if score >= NEAR_MIN_SCORE or found in one_edit:
            scored.append((found not in one_edit, -score, found))
    best = sorted(scored)[:NEAR_KEYS]
    slips = sum(not other for other, _score, _found in best)
    kept, read = caps
    slip_read = max(read, SLIP_READ // max(slips, 1)) if caps == ORDERED_NEAR else read
    return [(found, kept, read if other else slip_read) for other, _score, found in best]


class RankedResidents(Sequence[Resident]):
    """Search results in rank order, each with `score`; a slice loads its records in one query."""

    def __init__(self, qs: QuerySet[Resident], ranked: list[tuple[int, float]]):
        self._qs = qs
        self._ranked = ranked

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> Resident: ...

    @overload
    def __getitem__(self, index: slice) -> list[Resident]: ...

    def __getitem__(self, index: int | slice) -> Resident | list[Resident]:
        if isinstance(index, slice):
            return self._load(self._ranked[index])
        return self._load([self._ranked[index]])[0]

    def __iter__(self) -> Iterator[Resident]:
        return iter(self._load(self._ranked))

    def _load(self, part: list[tuple[int, float]]) -> list[Resident]:
        records = self._qs.in_bulk([pk for pk, _score in part]) if part else {}
        out = []
        for pk, score in part:
            resident = records[pk]
            resident.score = score  # type: ignore[attr-defined]
            out.append(resident)
        return out


def _audit_search(actor: Actor, kind: str, results: int | None) -> None:
    """A search is recorded by kind and size only; the terms searched for are personal data."""
    audit_record(actor=actor, action="registry.resident.search", summary={"kind": kind, "results": results})


# --------------------------------------------------------------------------- statistics

AGE_GROUPS: list[tuple[int, int | None]] = [(lo, lo + 4) for lo in range(0, 75, 5)] + [(75, None)]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_group_label(group: tuple[int, int | None]) -> str:
    lo, hi = group
    return f"{lo}–{hi}" if hi is not None else f"{lo}+"


def _area_rows(actor: Actor, area: Region) -> list[Region]:
    if not actor.covers(area.code):
        raise NotFound(_("Not found."))
    if area.level >= RegionLevel.DESA:
        return [area]
    return list(Region.objects.filter(parent=area).order_by("code"))


def population_stats(*, actor: Actor, area: Region, on: date | None = None) -> dict[str, Any]:
    """Living residents of an area by sex and five-year age group, one row per child region.

    Returns {"rows": [{region, male, female, total, groups: {label: {"M": n, "F": n}}}],
    "totals": {...}, "groups": [labels]}. Counts only: no personal data.
    """
    actor.require(REGISTRY_STATS)
    rows_for = _area_rows(actor, area)
    today = on or timezone.localdate()
    aggregates: dict[str, Any] = {}
    for group in AGE_GROUPS:
        lo, hi = group
        condition = Q(birth_date__lte=_years_before(today, lo))
        if hi is not None:
            condition &= Q(birth_date__gt=_years_before(today, hi + 1))
        aggregates[age_group_label(group)] = Count("id", filter=condition)
    qs = (
        scoped(Resident.objects.filter(desa__within=area.code, life_status=LifeStatus.ALIVE), actor)
        .values("desa_id", "sex")
        .annotate(**aggregates)
        .order_by()
    )
    labels = [age_group_label(g) for g in AGE_GROUPS]
    depth = len(rows_for[0].code.split(".")) if rows_for else 0
    table: dict[str, dict[str, Any]] = {
        r.code: {"region": r, "M": 0, "F": 0, "total": 0, "groups": {lab: {"M": 0, "F": 0} for lab in labels}}
        for r in rows_for
    }
    for values in qs.iterator():
        item: dict[str, Any] = dict(values)
        code = ".".join(item["desa_id"].split(".")[:depth])
        row = table.get(code)
        if row is None:
            continue
        for label in labels:
            row["groups"][label][item["sex"]] += item[label]
            row[item["sex"]] += item[label]
            row["total"] += item[label]
    totals: dict[str, Any] = {"M": 0, "F": 0, "total": 0, "groups": {lab: {"M": 0, "F": 0} for lab in labels}}
    for row in table.values():
        for s in ("M", "F", "total"):
            totals[s] += row[s]
        for label in labels:
            for s in ("M", "F"):
                totals["groups"][label][s] += row["groups"][label][s]
    return {"rows": list(table.values()), "totals": totals, "groups": labels, "on": today, "area": area}


def phone_drive_stats(*, actor: Actor, kecamatan: Region, on: date | None = None) -> dict[str, Any]:
    """Per desa of a kecamatan: living adults, and how many of them have a verified number."""
    actor.require(REGISTRY_STATS)
    if kecamatan.level != RegionLevel.KECAMATAN:
        raise InvalidInput(_("Choose a kecamatan."), code="registry.not_kecamatan")
    today = on or timezone.localdate()
    adult_born_by = _years_before(today, 17)
    desas = [d for d in Region.objects.filter(parent=kecamatan).order_by("code") if actor.covers(d.code)]
    verified = Phone.objects.filter(resident=OuterRef("pk"), verified_at__isnull=False)
    counts = (
        scoped(
            Resident.objects.filter(
                desa__within=kecamatan.code, life_status=LifeStatus.ALIVE, birth_date__lte=adult_born_by
            ),
            actor,
        )
        .annotate(has_phone=Exists(verified))
        .values("desa_id")
        .annotate(adults=Count("id"), verified=Count("id", filter=Q(has_phone=True)))
        .order_by()
    )
    by_desa: dict[str, dict[str, int]] = defaultdict(lambda: {"adults": 0, "verified": 0})
    for item in counts:
        by_desa[item["desa_id"]] = {"adults": item["adults"], "verified": item["verified"]}
    rows: list[dict[str, Any]] = []
    for desa in desas:
        numbers = by_desa[desa.code]
        pct = round(100 * numbers["verified"] / numbers["adults"], 1) if numbers["adults"] else 0.0
        rows.append({"region": desa, **numbers, "percent": pct})
    total_adults = sum(r["adults"] for r in rows)
    total_verified = sum(r["verified"] for r in rows)
    return {
        "kecamatan": kecamatan,
        "rows": rows,
        "adults": total_adults,
        "verified": total_verified,
        "percent": round(100 * total_verified / total_adults, 1) if total_adults else 0.0,
    }


def kecamatan_choices(*, actor: Actor) -> list[Region]:
    """Kecamatan the actor can see (for area pickers)."""
    if not actor.area_code:
        return []
    return [
        r
        for r in Region.objects.filter(level=RegionLevel.KECAMATAN).order_by("code")
        if actor.covers(r.code) or code_within(actor.area_code, r.code)
    ]
