"""Finding one person registered under two NIKs, and merging the two records.

Comparing every resident with every other is O(n²): 3.5 × 10¹² pairs for Cianjur. Instead
records are compared only inside small *blocks* of people who could be the same person. A
second record of one person holds the errors registers really hold — the name spelt another
way or mistyped, the birth date with day and month swapped or one digit wrong, another
kecamatan after a move — so each pass keeps one thing such an error leaves alone:

1. same birth date and sex, anywhere in the area scanned (any spelling of the name, any
   kecamatan): the names are compared by a quick key ratio first;
2. same name key (`warga.registry.names.name_key`), anywhere, with a birth date that
   differs in one part only (a typo in the day, the month or the year, or day and month
   swapped);
3. same kecamatan, sex and mother's name key, with a birth date one part apart and a name
   close by the quick ratio: a mistyped name *and* a mistyped birth date.

A record with a mistyped name, a mistyped birth date *and* another kecamatan is not found:
only the parents' names would be left to match it, and no verifier decides on those alone.
Passes 1 and 2 stream the register sorted by their block key, so memory holds one block at
a time; pass 3 holds one kecamatan. Each pair gets a score from 0 to 1 made of named components (name, birth date,
mother's name, father's name, place, sex, same KK), stored with the candidate so a
verifier sees why it was proposed. Neighbouring desa means "in the same kecamatan".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped
from warga.core.statistics import tables_analyze
from warga.registry.models import Family, FamilyMembership, LifeStatus, Phone, Resident, ResidentChange
from warga.registry.names import name_key, name_similarity
from warga.registry.rules import OLDEST_DATE

from .models import CandidateSource, CandidateStatus, DuplicateCandidate, ResidentMerge

DEDUPE_CAPABILITY = "registry.dedupe"
THRESHOLD = 0.75
#: A block larger than this is compared through a quick name pre-filter first.
_QUICK_FILTER = 70

#: Both parents' names weigh: two namesakes born the same day in one kecamatan are common, and on
#: a full register (2.6 M) most such pairs differ by their father; a parent's name that is clearly
#: another one counts against (4/3 of its weight).
WEIGHTS = {"name": 0.40, "birth_date": 0.20, "mother": 0.15, "father": 0.10, "place": 0.10, "sex": 0.05}

COMPONENT_LABELS = {
    "name": gettext_lazy("Name"),
    "birth_date": gettext_lazy("Date of birth"),
    "mother": gettext_lazy("Mother's name"),
    "father": gettext_lazy("Father's name"),
    "place": gettext_lazy("Address"),
    "sex": gettext_lazy("Sex"),
    "family": gettext_lazy("Family (KK)"),
}
DETAIL_LABELS = {
    "same": gettext_lazy("same"),
    "similar": gettext_lazy("similar"),
    "different": gettext_lazy("different"),
    "one_part_differs": gettext_lazy("one part differs (typing error?)"),
    "missing": gettext_lazy("missing on one record"),
    "same_desa": gettext_lazy("same desa/kelurahan"),
    "same_kecamatan": gettext_lazy("neighbouring desa (same kecamatan)"),
    "same_kk": gettext_lazy("both in the same KK: twins or siblings?"),
}

_FIELDS = (
    "id", "nik", "full_name", "name_key", "birth_date", "sex", "mother_name", "father_name", "desa_id",
    "family_id", "relationship",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    nik: str
    full_name: str
    name_key: str
    birth_date: date
    sex: str
    mother_name: str
    father_name: str
    desa_id: str
    family_id: int | None
    relationship: str

    @property
    def kecamatan(self) -> str:
        return self.desa_id[:8]


def _date_parts_close(a: date, b: date) -> bool:
    if a == b:
        return True
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    swapped = a.year == b.year and a.month == b.day and a.day == b.month
    return same == 2 or swapped


def _date_parts_close_q(day: date) -> Q:
    """`_date_parts_close` in SQL (two of year, month and day equal, or day and month swapped),
    so that a common name does not bring every namesake of the kecamatan back to Python.

    As the dates themselves (that month of that year as a range; that day in each month of
    that year, that day and month in each year, the swapped date as a list), so the birth-date
    index answers it: with parts extracted from each row, the newborn check read every resident
    of the kecamatan (110 ms at 2.6 million residents)."""
    y, m, d = day.year, day.month, day.day
    first = date(y, m, 1)
    after = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    listed: set[date] = set()
    candidates = [(y, month, d) for month in range(1, 13)]
    candidates += [(year, m, d) for year in range(OLDEST_DATE.year, timezone.localdate().year + 1)]
    candidates.append((y, d, m))
    for year, month, dd in candidates:
        try:
            listed.add(date(year, month, dd))
        except ValueError:  # 31 April, 29 February of a common year, a "month" above 12
            continue
    listed = {x for x in listed if not first <= x < after}
    return Q(birth_date__gte=first, birth_date__lt=after) | Q(birth_date__in=sorted(listed))


def score_pair(a: Person, b: Person) -> tuple[float, list[dict[str, Any]]]:
    """Score in [0, 1] and its components: what makes the two records look like one person."""
    components: list[dict[str, Any]] = []

    def add(key: str, points: float, detail: str) -> None:
        components.append({"key": key, "points": round(points, 3), "detail": detail})

    similarity = name_similarity(a.full_name, b.full_name) if a.name_key != b.name_key else 1.0
    add("name", WEIGHTS["name"] * similarity, f"{similarity:.2f}")
    if a.birth_date == b.birth_date:
        add("birth_date", WEIGHTS["birth_date"], "same")
    elif _date_parts_close(a.birth_date, b.birth_date):
        add("birth_date", WEIGHTS["birth_date"] / 2, "one_part_differs")
    else:
        add("birth_date", 0.0, "different")
    for key, x, y in (("mother", a.mother_name, b.mother_name), ("father", a.father_name, b.father_name)):
        if not x or not y:
            add(key, 0.0, "missing")
            continue
        sim = name_similarity(x, y)
        if sim >= 0.85:
            add(key, WEIGHTS[key], "same" if sim == 1.0 else "similar")
        elif sim < 0.6:
            add(key, -WEIGHTS[key] * 4 / 3, "different")
        else:
            add(key, 0.0, f"{sim:.2f}")
    if a.desa_id == b.desa_id:
        add("place", WEIGHTS["place"], "same_desa")
    elif a.kecamatan == b.kecamatan:
        add("place", WEIGHTS["place"] / 2, "same_kecamatan")
    else:
        add("place", 0.0, "different")
    add("sex", WEIGHTS["sex"] if a.sex == b.sex else -0.2, "same" if a.sex == b.sex else "different")
    if a.family_id is not None and a.family_id == b.family_id:
        add("family", -0.3, "same_kk")
    score = max(0.0, min(1.0, sum(c["points"] for c in components)))
    return round(score, 3), components


def explain(components: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components with translated labels, for pages and the API."""
    return [
        {
            "key": c["key"],
            "label": str(COMPONENT_LABELS.get(c["key"], c["key"])),
            "points": c["points"],
            "detail": str(DETAIL_LABELS.get(c["detail"], c["detail"])),
        }
        for c in components
    ]


# --------------------------------------------------------------------------- blocking


def _active_residents() -> QuerySet[Resident]:
    return Resident.objects.filter(life_status="alive", merge_record__isnull=True)


def _stream(qs: QuerySet[Resident], order: tuple[str, ...]) -> Iterator[Person]:
    rows = qs.annotate(kec=Substr("desa_id", 1, 8)).order_by(*order).values_list(*_FIELDS)
    for row in rows.iterator(chunk_size=20_000):
        yield Person(*row)


def _blocks(people: Iterator[Person], key: Callable[[Person], Any]) -> Iterator[list[Person]]:
    block: list[Person] = []
    current: Any = None
    for person in people:
        k = key(person)
        if block and k != current:
            if len(block) > 1:
                yield block
            block = []
        current = k
        block.append(person)
    if len(block) > 1:
        yield block


def _pairs_same_birth_ok(a: Person, b: Person) -> bool:
    return a.name_key == b.name_key or fuzz.ratio(a.name_key, b.name_key) >= _QUICK_FILTER


def _pairs_same_birth(block: list[Person]) -> Iterator[tuple[Person, Person]]:
    for a, b in combinations(block, 2):
        if _pairs_same_birth_ok(a, b):
            yield a, b


def _pairs_same_name(block: list[Person]) -> Iterator[tuple[Person, Person]]:
    """Same name key, birth dates one typo apart: bucket by each pair of date parts."""
    seen: set[tuple[int, int]] = set()
    pairings: tuple[Callable[[date], tuple[int, int]], ...] = (
        lambda d: (d.year, d.month),
        lambda d: (d.year, d.day),
        lambda d: (d.month, d.day),
    )
    for parts in pairings:
        buckets: dict[Any, list[Person]] = defaultdict(list)
        for p in block:
            buckets[parts(p.birth_date)].append(p)
        for bucket in buckets.values():
            for a, b in combinations(bucket, 2):
                if a.birth_date != b.birth_date and (a.id, b.id) not in seen:
                    seen.add((a.id, b.id))
                    yield a, b
    swapped: dict[tuple[int, int, int], list[Person]] = defaultdict(list)
    for p in block:
        swapped[(p.birth_date.year, min(p.birth_date.month, p.birth_date.day),
                 max(p.birth_date.month, p.birth_date.day))].append(p)  # fmt: skip
    for bucket in swapped.values():
        for a, b in combinations(bucket, 2):
            if a.birth_date != b.birth_date and (a.id, b.id) not in seen:
                seen.add((a.id, b.id))
                yield a, b


@dataclass
class ScanResult:
    compared: int = 0
    found: int = 0
    created: int = 0


class _Collector:
    """Scores pairs and saves those above the threshold, skipping pairs already decided."""

    def __init__(self, source: str, known: set[tuple[int, int]] | None = None):
        self.source = source
        self.known = (
            known
            if known is not None
            else set(DuplicateCandidate.objects.values_list("resident_a_id", "resident_b_id"))
        )
        self.pending: list[DuplicateCandidate] = []
        self.result = ScanResult()

    def offer(self, a: Person, b: Person) -> None:
        if a.id > b.id:
            a, b = b, a
        self.result.compared += 1
        if (a.id, b.id) in self.known:
            return
        score, components = score_pair(a, b)
        if score < THRESHOLD:
            return
        self.known.add((a.id, b.id))
        self.result.found += 1
        self.pending.append(
            DuplicateCandidate(
                resident_a_id=a.id, resident_b_id=b.id, score=score, components=components, source=self.source
            )
        )
        if len(self.pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            created = DuplicateCandidate.objects.bulk_create(self.pending, ignore_conflicts=True)
            self.result.created += len(created)
            self.pending = []


def _pairs_same_mother(people: list[Person]) -> Iterator[tuple[Person, Person]]:
    """One kecamatan: same sex and mother's name key, birth dates one part apart, names close."""
    blocks: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for p in people:
        if p.mother_name:
            blocks[(p.sex, _key(p.mother_name))].append(p)
    for block in blocks.values():
        for a, b in combinations(block, 2):
            if (
                a.birth_date != b.birth_date
                and a.name_key != b.name_key
                and _date_parts_close(a.birth_date, b.birth_date)
                and fuzz.ratio(a.name_key, b.name_key) >= _QUICK_FILTER
            ):
                yield a, b


@lru_cache(maxsize=200_000)
def _key(name: str) -> str:
    return name_key(name)


def _by_kecamatan(people: Iterator[Person]) -> Iterator[list[Person]]:
    group: list[Person] = []
    for person in people:
        if group and person.kecamatan != group[0].kecamatan:
            yield group
            group = []
        group.append(person)
    if group:
        yield group


def duplicates_scan(
    *,
    area_code: str | None = None,
    source: str = CandidateSource.SCAN,
    progress: Callable[[str, int], None] | None = None,
) -> ScanResult:
    """Full scan of the register (or of one area) for probable duplicates. Streaming, O(n log n)."""
    qs = _active_residents()
    if area_code:
        qs = qs.filter(desa__within=area_code)
    collector = _Collector(source)
    passes: tuple[
        tuple[str, Iterator[list[Person]], Callable[[list[Person]], Iterator[tuple[Person, Person]]]], ...
    ] = (
        (
            "birth_date",
            _blocks(_stream(qs, ("birth_date", "sex", "id")), lambda p: (p.birth_date, p.sex)),
            _pairs_same_birth,
        ),
        ("name", _blocks(_stream(qs, ("name_key", "id")), lambda p: p.name_key), _pairs_same_name),
        ("mother", _by_kecamatan(_stream(qs, ("kec", "id"))), _pairs_same_mother),
    )
    for label, blocks, pairs in passes:
        count = 0
        for block in blocks:
            for a, b in pairs(block):
                collector.offer(a, b)
            count += len(block)
            if progress and count % 50_000 < len(block):
                progress(label, count)
        collector.flush()
    tables_analyze(DuplicateCandidate, vacuum=True)  # the review queue plans on the candidates just written
    return collector.result


def _neighbours(person: Person) -> Iterator[Person]:
    """The records the three passes of the scan would compare with this one."""
    qs = _active_residents().exclude(pk=person.id)
    by_birth = qs.filter(birth_date=person.birth_date, sex=person.sex)
    close = _date_parts_close_q(person.birth_date)
    by_name = qs.filter(name_key=person.name_key).exclude(birth_date=person.birth_date).filter(close)
    by_mother = (
        qs.filter(desa__within=person.kecamatan, sex=person.sex, mother_name__gt="")
        .exclude(birth_date=person.birth_date)
        .exclude(name_key=person.name_key)
        .filter(close)
    )
    for row in by_birth.values_list(*_FIELDS)[:2000]:
        other = Person(*row)
        if _pairs_same_birth_ok(person, other):
            yield other
    for row in by_name.values_list(*_FIELDS)[:500]:
        other = Person(*row)
        if _date_parts_close(person.birth_date, other.birth_date):
            yield other
    if person.mother_name:
        mother = _key(person.mother_name)
        for row in by_mother.values_list(*_FIELDS)[:2000]:
            other = Person(*row)
            if (
                _key(other.mother_name) == mother
                and _date_parts_close(person.birth_date, other.birth_date)
                and fuzz.ratio(person.name_key, other.name_key) >= _QUICK_FILTER
            ):
                yield other


def candidates_for(resident: Resident, *, source: str = CandidateSource.CREATE) -> list[DuplicateCandidate]:
    """Probable duplicates of one resident, saved to the review queue. Call after creating a resident.

    Three indexed lookups (the scan's three passes for one record), run by a worker after the
    registration committed; a pair already decided is not proposed again.
    """
    person = Person(*[getattr(resident, f) for f in _FIELDS])
    pairs = [(person, other) for other in _neighbours(person)]
    if not pairs:
        return []
    ids = {o.id for _p, o in pairs}
    known = set(
        DuplicateCandidate.objects.filter(
            Q(resident_a_id=person.id, resident_b_id__in=ids)
            | Q(resident_b_id=person.id, resident_a_id__in=ids)
        ).values_list("resident_a_id", "resident_b_id")
    )
    found = []
    for a, b in pairs:
        if a.id > b.id:
            a, b = b, a
        if (a.id, b.id) in known:
            continue
        score, components = score_pair(a, b)
        if score < THRESHOLD:
            continue
        known.add((a.id, b.id))
        candidate, created = DuplicateCandidate.objects.get_or_create(
            resident_a_id=a.id,
            resident_b_id=b.id,
            defaults={"score": score, "components": components, "source": source},
        )
        if created:
            found.append(candidate)
    return found


def duplicates_check_residents(*, resident_ids: Sequence[int]) -> int:
    """The check of newly registered residents (births, moves in, new records), run by a worker
    after their registration committed. Idempotent: a pair already proposed is not proposed
    again. Returns the number of new candidates."""
    created = 0
    for resident in Resident.objects.filter(pk__in=list(resident_ids)).order_by("pk"):
        with transaction.atomic():
            created += len(candidates_for(resident))
    return created


def duplicates_check_range(*, first_id: int, last_id: int) -> ScanResult:
    """After an import: check the residents it created (ids in a range). Large imports get an area scan."""
    created = Resident.objects.filter(pk__gte=first_id, pk__lte=last_id)
    if created.count() > 2_000:
        result = ScanResult()
        kecamatan = sorted(set(created.annotate(kec=Substr("desa_id", 1, 8)).values_list("kec", flat=True)))
        for code in kecamatan:
            part = duplicates_scan(area_code=code, source=CandidateSource.IMPORT)
            result.compared += part.compared
            result.found += part.found
            result.created += part.created
        return result
    result = ScanResult()
    for resident in created.iterator(chunk_size=2000):
        result.created += len(candidates_for(resident, source=CandidateSource.IMPORT))
    result.found = result.created
    return result


# --------------------------------------------------------------------------- decisions


def _load_open(actor: Actor, candidate: DuplicateCandidate | int) -> DuplicateCandidate:
    actor.require(DEDUPE_CAPABILITY)
    pk = candidate.pk if isinstance(candidate, DuplicateCandidate) else candidate
    cand = get_scoped(DuplicateCandidate.objects.select_for_update(), actor, pk=pk)
    # Both records must be in the verifier's area, not only the first.
    get_scoped(Resident.objects.all(), actor, pk=cand.resident_b_id)
    if cand.status != CandidateStatus.OPEN:
        raise Conflict(_("This pair has already been decided."), code="dedupe.decided")
    return cand


@transaction.atomic
def duplicate_reject(
    *, actor: Actor, candidate: DuplicateCandidate | int, note: str = ""
) -> DuplicateCandidate:
    """Mark a pair as two different people; it is never proposed again."""
    cand = _load_open(actor, candidate)
    cand.status = CandidateStatus.REJECTED
    cand.decided_by = actor.user
    cand.decided_at = timezone.now()
    cand.note = " ".join(note.split())[:300]
    cand.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit_record(actor=actor, action="dedupe.candidate.reject", obj=cand, summary={"score": cand.score})
    return cand


@transaction.atomic
def duplicate_confirm(
    *, actor: Actor, candidate: DuplicateCandidate | int, keep: Resident | int, reason: str
) -> ResidentMerge:
    """The two records are one person: keep one NIK, retire the other into it.

    The retired record stays (with its life status unchanged) and links to the kept one
    through a ResidentMerge; its phones and family history move to the kept record; if the
    kept record has no family, it takes the retired record's place in its KK.
    """
    cand = _load_open(actor, candidate)
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise InvalidInput(
            _("Give the reason for the merge (at least 5 characters)."), code="dedupe.reason_required"
        )
    keep_id = keep.pk if isinstance(keep, Resident) else int(keep)
    if keep_id not in (cand.resident_a_id, cand.resident_b_id):
        raise InvalidInput(_("Choose one of the two records to keep."), code="dedupe.keep_invalid")
    retire_id = cand.resident_b_id if keep_id == cand.resident_a_id else cand.resident_a_id
    kept = get_scoped(Resident.objects.select_for_update(), actor, pk=keep_id)
    retired = get_scoped(Resident.objects.select_for_update(), actor, pk=retire_id)
    today = timezone.localdate()
    kept_changes: dict[str, Any] = {"merged_nik": [None, retired.nik]}

    family = retired.family
    if family is not None:
        others = Resident.objects.filter(family=family).exclude(pk__in=[retired.pk, kept.pk])
        if retired.relationship == "kepala" and kept.family_id != family.pk and others.exists():
            raise Conflict(
                _(
                    "The record to retire is the head of KK %(kk)s, which has other members. Keep that record, "
                    "or make another member head first."
                )
                % {"kk": family.kk_number},
                code="dedupe.retired_is_head",
            )
        FamilyMembership.objects.filter(resident=retired, ended_on__isnull=True).update(
            ended_on=today, end_reason="merged"
        )
        relationship = retired.relationship
        Resident.objects.filter(pk=retired.pk).update(family=None, relationship="")
        if kept.family_id is None:
            Resident.objects.filter(pk=kept.pk).update(family=family, relationship=relationship)
            FamilyMembership.objects.create(
                family=family, resident=kept, relationship=relationship, started_on=today
            )
            kept_changes["family"] = [None, family.kk_number]
        elif kept.family_id == family.pk and relationship == "kepala":
            FamilyMembership.objects.filter(resident=kept, ended_on__isnull=True).update(
                relationship="kepala"
            )
            kept_changes["relationship"] = [kept.relationship, "kepala"]
            Resident.objects.filter(pk=kept.pk).update(relationship="kepala")
        if not Resident.objects.filter(family=family).exists():
            Family.objects.filter(pk=family.pk).update(is_active=False)
    # Closed memberships are history of the person: they follow the kept record.
    FamilyMembership.objects.filter(resident=retired, ended_on__isnull=False).exclude(
        end_reason="merged"
    ).update(resident=kept)
    kept_numbers = set(Phone.objects.filter(resident=kept).values_list("number", flat=True))
    moved = Phone.objects.filter(resident=retired).exclude(number__in=kept_numbers).update(resident=kept)
    if moved:
        kept_changes["phones_moved"] = [None, moved]
    assert actor.user is not None  # require() above refuses anonymous actors
    # A retired NIK is no longer a living person of its own: it leaves every count, target and
    # broadcast, and search shows it only when asked for everyone.
    Resident.objects.filter(pk=retired.pk).update(life_status=LifeStatus.MERGED)
    merge = ResidentMerge.objects.create(
        retired=retired, kept=kept, candidate=cand, reason=reason[:300], merged_by=actor.user
    )
    ResidentChange.objects.create(
        resident=kept, actor=actor.user, action="merge", reason=reason[:300], changes=kept_changes
    )
    ResidentChange.objects.create(
        resident=retired,
        actor=actor.user,
        action="merged_into",
        reason=reason[:300],
        changes={"merged_into": [None, kept.nik]},
    )
    Resident.objects.filter(pk__in=[kept.pk, retired.pk]).update(updated_at=timezone.now())
    cand.status = CandidateStatus.CONFIRMED
    cand.kept = kept
    cand.decided_by = actor.user
    cand.decided_at = timezone.now()
    cand.note = reason[:300]
    cand.save(update_fields=["status", "kept", "decided_by", "decided_at", "note"])
    DuplicateCandidate.objects.filter(
        Q(resident_a=retired) | Q(resident_b=retired), status=CandidateStatus.OPEN
    ).update(status=CandidateStatus.OBSOLETE)
    audit_record(
        actor=actor,
        action="dedupe.candidate.confirm",
        obj=cand,
        summary={"kept": kept.pk, "retired": retired.pk, "score": cand.score},
    )
    return merge
