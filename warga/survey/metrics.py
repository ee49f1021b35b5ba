"""The survey's daily facts (warga.facts): respondents, and the satisfaction index in a form that
rolls up exactly over regions and days, per unit, by the region where the service was delivered
(the invitation's) and the day of the answer.

`survey.ikm` is a ratio: numerator the sum of all nine elements' scores of the day's answers,
denominator 9 × respondents. Summed over any regions and days, numerator / denominator is
Σ NRR / 9 of those answers, so the converted index (× 25, `index.converted_from_total`) and its
grade are the ones `selectors.ikm_for` gives for the same unit, area and period."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from warga.facts.metrics import Grade, Rollup, Unit, code_at_level, day_bounds, register_metric
from warga.regions.models import RegionLevel

from .index import CONVERSION, ELEMENT_COUNT, converted_from_total, grade_of
from .models import ELEMENT_FIELDS

DOMAIN = "survey"


def _answers(day: date, codes: list[str] | None) -> dict[tuple[str, str], tuple[int, int]]:
    """{(desa code, unit id): (respondents, sum of all scores)} of the answers given on `day`.
    A service delivered below a desa counts for its desa, one kept for a kecamatan or the
    kabupaten as a whole stays there; `codes` are regions at the desa level or above."""
    from .models import Response

    start, end = day_bounds(day)
    qs = Response.objects.filter(answered_at__gte=start, answered_at__lt=end)
    if codes is not None:
        if not codes:
            return {}
        condition = Q()
        for code in codes:
            condition |= Q(region__within=code)
        qs = qs.filter(condition)
    total = sum((F(name) for name in ELEMENT_FIELDS[1:]), F(ELEMENT_FIELDS[0]))
    wanted = None if codes is None else set(codes)
    result: dict[tuple[str, str], tuple[int, int]] = {}
    rows = qs.values("region_id", "unit_id").annotate(n=Count("pk"), total=Sum(total)).order_by()
    for row in rows:
        code = code_at_level(row["region_id"], RegionLevel.DESA)
        if wanted is not None and code not in wanted:
            continue  # a desa inside a kabupaten asked for itself: not this kabupaten's row
        key = (code, str(row["unit_id"]))
        n, scores = result.get(key, (0, 0))
        result[key] = (n + int(row["n"]), scores + int(row["total"] or 0))
    return result


def _respondents(day: date, codes: list[str] | None) -> dict[Any, int]:
    return {key: n for key, (n, _scores) in _answers(day, codes).items()}


def _ikm(day: date, codes: list[str] | None) -> dict[Any, tuple[int, int]]:
    return {key: (scores, ELEMENT_COUNT * n) for key, (n, scores) in _answers(day, codes).items()}


def ikm_grade(numerator: int, denominator: int) -> Grade | None:
    """The converted index and grade of a rolled-up `survey.ikm` cell, by the regulation's rule
    (`index.py`): the same rounding and table as the survey's own pages."""
    if denominator <= 0 or denominator % ELEMENT_COUNT:
        return None
    converted = converted_from_total(numerator, denominator // ELEMENT_COUNT)
    if converted is None:
        return None
    letter, label = grade_of(converted)
    return Grade(value=converted, letter=letter, label=label)


def _respondents_text(n: int) -> str:
    return ngettext("%(n)d respondent", "%(n)d respondents", n) % {"n": n}


def _unit_names() -> dict[str, str]:
    from warga.org.models import Unit as OrgUnit

    return {str(pk): name for pk, name in OrgUnit.objects.values_list("pk", "name")}


def register() -> None:
    from .models import Response

    common: dict[str, Any] = {
        "domain": DOMAIN,
        "domain_label": _("Satisfaction survey"),
        "capability": "survey.view",
        "parts": True,
        "part_labels": _unit_names,
    }
    register_metric(
        key="survey.respondents",
        label=_("Satisfaction survey respondents"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=_respondents,
        order=95,
        **common,
    )
    register_metric(
        key="survey.ikm",
        label=_("Community satisfaction index (IKM)"),
        description=_(
            "PermenPANRB No. 14 of 2017: converted index from 25 to 100; grade A (very good), "
            "B (good), C (less than good), D (not good)."
        ),
        unit=Unit.SCORE,
        rollup=Rollup.RATIO,
        compute=_ikm,
        public=True,
        order=96,
        extra={
            "scale": CONVERSION,
            "per_person": ELEMENT_COUNT,
            "grade": ikm_grade,
            "count_text": _respondents_text,
            "part_heading": _("Unit"),
        },
        **common,
    )
    post_save.connect(_response_saved, sender=Response, dispatch_uid="facts.survey")


def _response_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from warga.facts.services import fact_touch

    if created:
        fact_touch(
            domain=DOMAIN, region_code=instance.region_id, day=timezone.localdate(instance.answered_at)
        )
