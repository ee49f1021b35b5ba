"""Reads of the population register. Everything goes through the actor's scope.

`*_open` selectors are for showing a record to an officer: they also write the audit row
that personal data was read. The plain getters are for other services, whose own action is
audited.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

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
from .names import name_key, name_similarity, normalize_name
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
    #: `_attribute_agreement`); a birth date also narrows them to its year and the years
    #: next to it (a day and month swapped or one digit wrong keep the person in view).
    birth_date: date | None = None
    parent_name: str = ""

    @property
    def has_signals(self) -> bool:
        return bool(self.birth_date or self.parent_name.strip())


#: Candidates fetched per strategy before ranking; enough for a page of good answers.
SUBSTRING_CANDIDATES = 300
FUZZY_CANDIDATES = 150
#: PostgreSQL: how many of the nearest distinct names a typo search looks at.
FUZZY_KEYS = 40
#: The next, slower strategy runs only while fewer candidates than this were found.
ENOUGH_CANDIDATES = 50
#: Fuzzy strategy: only while fewer than this (typos rarely come with exact matches).
FEW_CANDIDATES = 10
#: pg_trgm similarity a fuzzy candidate needs; higher lets the GIN index skip more rows.
PG_TRGM_THRESHOLD = 0.45
#: Below this similarity a fuzzy candidate is not shown (see names.name_similarity).
MIN_SCORE = 0.6
#: Same-key candidates looked at when a parent's name is given: common names are shared by
#: hundreds of people, and the parent's name is what tells them apart.
SIGNAL_CANDIDATES = 3000
#: Share of the rank given to the birth date and parent's name when the officer gives them.
SIGNAL_WEIGHT = 0.4


def _filtered(actor: Actor, filters: SearchFilters) -> QuerySet[Resident]:
    qs = scoped(Resident.objects.all(), actor)
    for code in (filters.kecamatan, filters.desa):
        if code:
            if not CODE_RE.match(code):
                raise InvalidInput(
                    _("Region %(code)s is unknown.") % {"code": code[:30]}, code="registry.unknown_region"
                )
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
    """Keys starting with the query's key, through the plain b-tree index on name_key."""
    if connection.vendor == "sqlite":
        # SQLite's LIKE cannot use the index; a range can (keys are lower-case a-z, "{" sorts after "z").
        return qs.filter(name_key__gte=key, name_key__lt=key + "{")
    return qs.filter(name_key__startswith=key)


def _substring_candidates(qs: QuerySet[Resident], key: str) -> QuerySet[Resident]:
    if connection.vendor == "sqlite":
        if len(key) < 3:
            return qs.filter(name_key__startswith=key)
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE name_key MATCH %s"  # noqa: S608 - constant table name
        return qs.filter(id__in=RawSQL(sql, [_fts_phrase(key)]))  # noqa: S611 - the query is bound
    return qs.filter(name_key__contains=key)


def _fuzzy_ids(qs: QuerySet[Resident], key: str) -> list[int]:
    """Ids of names sharing many trigrams with the key (typos, a letter missing or extra)."""
    if len(key) < 4:
        return []
    if connection.vendor == "postgresql":
        # The nearest distinct names first (a small table), then the residents bearing them
        # through the plain index on name_key.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [PG_TRGM_THRESHOLD])
            cursor.execute(
                f"SELECT key FROM {NAME_KEY_TABLE} WHERE key %% %s "  # noqa: S608 - constant table name
                "ORDER BY similarity(key, %s) DESC, key LIMIT %s",
                [key, key, FUZZY_KEYS],
            )
            keys = [row[0] for row in cursor.fetchall()]
        if not keys:
            return []
        nearest = Case(*[When(name_key=k, then=Value(i)) for i, k in enumerate(keys)])
        return list(
            qs.filter(name_key__in=keys)
            .order_by(nearest, "pk")
            .values_list("id", flat=True)[:FUZZY_CANDIDATES]
        )
    if connection.vendor == "sqlite":
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
    return []


def _name_score(*, key: str, normalized: str, found_key: str, full_name: str) -> float:
    """How well a candidate's name answers the query (its spelling key and normalized form)."""
    if found_key == key:
        return 1.0
    score = name_similarity(normalized, full_name)
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


def _parent_agreement(wanted_key: str, wanted: str, parents: tuple[str, str]) -> float:
    """The better match of the name given against the registered father's and mother's names."""
    best = 0.0
    for parent in parents:
        if not parent:
            continue
        found_key = name_key(parent)
        if found_key == wanted_key:
            return 1.0
        score = name_similarity(wanted, parent)
        if len(wanted_key) >= 3 and (wanted_key in found_key or found_key in wanted_key):
            score = max(score, 0.8)  # one of the parent's names ("Siti" for "Siti Aminah")
        best = max(best, score)
    return best if best >= MIN_SCORE else 0.0


def _attribute_agreement(filters: SearchFilters, parent_key: str, hit: _Hit) -> float:
    parts = []
    if filters.birth_date:
        parts.append(_birth_agreement(filters.birth_date, hit.birth_date))
    if parent_key:
        parts.append(_parent_agreement(parent_key, filters.parent_name, (hit.father_name, hit.mother_name)))
    return sum(parts) / len(parts) if parts else 0.0


def _rank(
    hits: dict[int, _Hit], *, key: str, query: str, filters: SearchFilters, parent_key: str
) -> list[tuple[float, str, int]]:
    """(score, name, id) of the candidates good enough to show."""
    normalized = normalize_name(query)
    ranked: list[tuple[float, str, int]] = []
    for pk, hit in hits.items():
        score = _name_score(key=key, normalized=normalized, found_key=hit.name_key, full_name=hit.full_name)
        if score < MIN_SCORE:
            continue
        if filters.has_signals:
            score = (1 - SIGNAL_WEIGHT) * score + SIGNAL_WEIGHT * _attribute_agreement(
                filters, parent_key, hit
            )
        ranked.append((round(score, 3), hit.full_name, pk))
    return ranked


def resident_search(
    *, actor: Actor, query: str = "", filters: SearchFilters | None = None
) -> Sequence[Resident] | QuerySet[Resident]:
    """Find residents by NIK, KK number or name (spelling variants included), best match first.

    A 16-digit query is an exact NIK or KK number. A name is matched on its spelling key
    (equal keys first, then keys containing the query's key, then trigram neighbours for
    typos), each result carrying `score` in [0, 1]. With no query, the filters alone list
    residents by name; at least a desa or a family is then needed.

    A birth date or a parent's name given with the name ranks the candidates: the name's
    score (which alone decides whether a candidate is shown at all) counts for 60 %, the
    agreement of those attributes for 40 %, so among the many bearers of a common name the
    one born on that day to that parent comes first.
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
    if len(key) < 3:
        raise InvalidInput(_("Type at least three letters of the name."), code="registry.search_short")
    # Candidates are plain (id, key, name) rows: scoring a few hundred of them needs no model
    # instances; full records are loaded only for the page shown.
    base = _filtered(actor, filters)
    # Cheapest first; each later strategy only while the earlier ones found too few.
    hits: dict[int, _Hit] = {}
    parent_key = name_key(filters.parent_name) if filters.parent_name.strip() else ""
    fields = ("id", "name_key", "full_name", "birth_date", "father_name", "mother_name")

    def gather(candidates: QuerySet[Resident]) -> None:
        for pk, *values in candidates.values_list(*fields):
            hits.setdefault(pk, _Hit(*values))

    strategies: tuple[tuple[Callable[[], QuerySet[Resident]], int], ...] = (
        (lambda: base.filter(name_key=key), SIGNAL_CANDIDATES if parent_key else SUBSTRING_CANDIDATES),
        (lambda: _prefix_candidates(base, key), SUBSTRING_CANDIDATES),
    )
    for strategy, limit in strategies:
        gather(strategy().order_by("name_key", "pk")[:limit])
        if len(hits) >= ENOUGH_CANDIDATES:
            break
    # The trigram strategies answer partial names and typos; a name found exactly needs neither.
    exact = any(hit.name_key == key for hit in hits.values())
    if not exact and len(hits) < ENOUGH_CANDIDATES:
        gather(_substring_candidates(base, key).order_by("pk")[:SUBSTRING_CANDIDATES])
    # With a birth date or a parent's name the typo path always runs (a dropped second name
    # has an exact namesake too): those attributes pick the person out of the neighbours,
    # which a name alone cannot.
    if filters.has_signals or (not exact and len(hits) < FEW_CANDIDATES):
        fuzzy = [pk for pk in _fuzzy_ids(base, key) if pk not in hits]
        if fuzzy:
            gather(base.filter(pk__in=fuzzy))
    ranked = _rank(hits, key=key, query=query, filters=filters, parent_key=parent_key)
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    _audit_search(actor, "name", len(ranked))
    return RankedResidents(qs, [(pk, score) for score, _name, pk in ranked])


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
