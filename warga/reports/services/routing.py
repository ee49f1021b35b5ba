"""Routing: which unit a case goes to, and why; the rules' administration and their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, code_within
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region

from .. import capabilities as caps
from ..models import CaseCategory, CaseKind, RoutingRule

# Words that name a category, in a resident's text or in a unit's topics (lower case, whole words
# or word starts). The first category with a match wins; nothing matches → "lainnya".
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    CaseCategory.LISTRIK_PADAM: ("listrik", "pln", "padam", "mati lampu", "token"),
    CaseCategory.AIR: ("air", "pdam", "ledeng"),
    CaseCategory.KEMATIAN: ("meninggal", "wafat", "kematian", "almarhum", "almarhumah"),
    CaseCategory.KELAHIRAN: ("lahir", "melahirkan", "kelahiran", "bayi"),
    CaseCategory.SAKIT: ("sakit", "demam", "diare", "puskesmas", "kesehatan", "wabah", "dbd"),
    CaseCategory.BENCANA: ("banjir", "longsor", "gempa", "kebakaran", "bencana", "angin puting"),
    CaseCategory.KEAMANAN: ("pencurian", "maling", "kriminal", "keamanan", "begal", "tawuran"),
    CaseCategory.JALAN: ("jalan", "jembatan", "aspal", "berlubang"),
    CaseCategory.PETUGAS: ("petugas", "pungli", "pungutan"),
    CaseCategory.LAYANAN_PUBLIK: ("layanan", "pelayanan", "antrean", "antrian"),
}


def _words(text: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else " " for ch in text)
    return " " + " ".join(cleaned.split()) + " "


def category_from_text(text: str, *, kind: str = CaseKind.LAPORAN) -> str:
    """The category a resident's words name (a word or a word start), else "lainnya"."""
    from ..models import CATEGORIES_OF_KIND

    allowed = CATEGORIES_OF_KIND.get(kind, CATEGORIES_OF_KIND[CaseKind.LAPORAN])
    haystack = _words(text)
    for category, words in CATEGORY_WORDS.items():
        if category in allowed and any(f" {word}" in haystack for word in words):
            return category
    return CaseCategory.LAINNYA


def category_normalize(raw: str, *, kind: str) -> str:
    """A category given by a form, an API client or an SMS: its code, its label, a word naming it;
    anything unknown (or not offered for the kind) is "lainnya"."""
    from ..models import CATEGORIES_OF_KIND

    allowed = CATEGORIES_OF_KIND.get(kind, ())
    value = (raw or "").strip().lower()
    code = value.replace(" ", "_")
    if code in allowed:
        return code
    if value:
        found = category_from_text(value, kind=kind)
        if found in allowed:
            return found
    return CaseCategory.LAINNYA


@dataclass(frozen=True)
class Route:
    unit: Unit | None
    rule: RoutingRule | None
    reason: str


def _specificity(rule: RoutingRule) -> tuple[int, int, int, int, int]:
    depth = len(rule.area_id.split(".")) if rule.area_id else 0
    return (depth, bool(rule.kind), bool(rule.category), rule.priority, -rule.pk)


def _fallback_unit(region: Region) -> Unit | None:
    """No rule: the desa office of the case's desa, else its kecamatan's office."""
    kinds = [(UnitKind.DESA_OFFICE, region.code)]
    if region.parent_id:
        kinds.append((UnitKind.KECAMATAN_OFFICE, region.parent_id))
    for kind, code in kinds:
        unit = Unit.objects.filter(kind=kind, area_id=code, is_active=True).first()
        if unit is not None:
            return unit
    return None


def route_for(*, kind: str, category: str, region: Region) -> Route:
    """The unit a case of this kind and category in this region goes to, with the reason shown on
    the case page ("rule #12: power outage in Kec. X → PLN"), worded in the installation's
    language whoever filed the case."""
    with translation.override(settings.LANGUAGE_CODE):
        return _route(kind=kind, category=category, region=region)


def _route(*, kind: str, category: str, region: Region) -> Route:
    candidates = [
        rule
        for rule in RoutingRule.objects.filter(is_active=True, unit__is_active=True).select_related(
            "unit", "area"
        )
        if (not rule.kind or rule.kind == kind)
        and (not rule.category or rule.category == category)
        and (rule.area_id is None or code_within(region.code, rule.area_id))
    ]
    if candidates:
        rule = max(candidates, key=_specificity)
        what = str(CaseCategory(category).label if category else CaseKind(kind).label)
        if rule.kind and not rule.category:
            what = str(CaseKind(rule.kind).label)
        where = rule.area.display_name if rule.area is not None else _("the whole region")
        reason = _("rule #%(n)d: %(what)s in %(where)s → %(unit)s") % {
            "n": rule.pk,
            "what": what,
            "where": where,
            "unit": rule.unit.name,
        }
        return Route(unit=rule.unit, rule=rule, reason=reason[:300])
    unit = _fallback_unit(region)
    if unit is not None:
        reason = _("no rule matched: the office of the area → %(unit)s") % {"unit": unit.name}
        return Route(unit=unit, rule=None, reason=reason[:300])
    return Route(unit=None, rule=None, reason=_("no rule matched: the complaint handler chooses the unit"))


# --- Administration ---------------------------------------------------------------------------


def _rule_fields(
    *, kind: str, category: str, area_code: str | None, unit_id: int, priority: int
) -> dict[str, object]:
    if kind and kind not in CaseKind.values:
        raise InvalidInput(_("Unknown kind."), code="reports.kind", details=[{"field": "kind"}])
    if category and category not in CaseCategory.values:
        raise InvalidInput(_("Unknown category."), code="reports.category", details=[{"field": "category"}])
    area = None
    if area_code:
        area = Region.objects.filter(code=area_code).first()
        if area is None:
            raise InvalidInput(_("Unknown area."), code="reports.area", details=[{"field": "area"}])
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput(_("Unknown unit."), code="reports.unit", details=[{"field": "unit"}])
    if not -1000 <= priority <= 1000:
        raise InvalidInput(
            _("The priority is between -1000 and 1000."),
            code="reports.priority",
            details=[{"field": "priority"}],
        )
    return {"kind": kind, "category": category, "area": area, "unit": unit, "priority": priority}


@transaction.atomic
def routing_rule_save(
    *,
    actor: Actor,
    rule_id: int | None = None,
    kind: str = "",
    category: str = "",
    area_code: str | None = None,
    unit_id: int,
    priority: int = 0,
    is_active: bool = True,
    note: str = "",
) -> RoutingRule:
    """Add a rule (`rule_id` None) or change one."""
    actor.require(caps.ROUTING_MANAGE)
    fields = _rule_fields(
        kind=kind, category=category, area_code=area_code, unit_id=unit_id, priority=priority
    )
    if rule_id is None:
        rule = RoutingRule(**fields)
    else:
        found = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
        if found is None:
            raise NotFound(_("Not found."))
        rule = found
        for name, value in fields.items():
            setattr(rule, name, value)
    rule.is_active = is_active
    rule.note = " ".join((note or "").split())[:200]
    rule.save()
    audit_record(
        actor=actor,
        action="reports.routing_rule." + ("create" if rule_id is None else "update"),
        obj=rule,
        summary={"kind": kind, "category": category, "area": area_code or "", "unit": unit_id},
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: Actor, rule_id: int) -> None:
    actor.require(caps.ROUTING_MANAGE)
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Not found."))
    audit_record(actor=actor, action="reports.routing_rule.delete", obj=rule, summary={"unit": rule.unit_id})
    rule.delete()


@transaction.atomic
def routing_rules_seed() -> int:
    """The default rules from the units' topics (PLN's "listrik,padam" → power outages; the 112
    centre's "darurat" → every emergency). Idempotent: a unit that already has a rule for a
    category keeps it; nothing else is touched. Returns how many rules were added."""
    created = 0
    existing = set(RoutingRule.objects.values_list("unit_id", "kind", "category"))
    for unit in Unit.objects.filter(is_active=True).exclude(topics="").order_by("pk"):
        topics = unit.topic_list()
        wanted: list[tuple[str, str]] = []
        if "darurat" in topics or "112" in topics:
            wanted.append((CaseKind.DARURAT, ""))
        haystack = _words(" ".join(topics))
        for category, words in CATEGORY_WORDS.items():
            if any(f" {word} " in haystack for word in words):
                wanted.append(("", category))
        for kind, category in wanted:
            if (unit.pk, kind, category) in existing:
                continue
            # A category already routed to another unit is left to it (the first unit wins).
            if any(k == kind and c == category for (_u, k, c) in existing):
                continue
            RoutingRule.objects.create(kind=kind, category=category, unit=unit, note="default")
            existing.add((unit.pk, kind, category))
            created += 1
    return created
