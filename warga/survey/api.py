from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import InvalidInput
from warga.core.permissions import requires

from . import selectors
from .models import ELEMENT_FIELDS

router = Router(tags=["survey"])
PREFIX = "/survey"


class ElementOut(Schema):
    element: str
    nrr: float
    converted: float
    grade: str


class UnitIndexOut(Schema):
    unit_id: int
    unit: str
    respondents: int
    value: float | None
    converted: float | None
    grade: str
    invited: int
    min_sample: int
    elements: list[ElementOut]


class IndexOut(Schema):
    period: str
    year: int
    number: int
    start: date
    end: date
    respondents: int
    value: float | None
    converted: float | None
    grade: str
    units: list[UnitIndexOut]


def _num(value: object) -> float | None:
    return float(value) if value is not None else None  # type: ignore[arg-type]


@router.get(
    "/index",
    response={200: IndexOut, **errors(401, 403)},
    summary="Satisfaction index (IKM) per unit for a period",
)
@requires("survey.view")
def index(request: HttpRequest, period: str = "quarter", year: int = 0, number: int = 0):  # type: ignore[no-untyped-def]
    """The index of PermenPANRB No. 14 of 2017 per unit of my area, with the respondents and the
    NRR of the nine elements. `period`: month, quarter, semester or year; `number` within the year."""
    actor = actor_of(request)
    try:
        current = selectors.period_current(period) if period in selectors.PERIOD_KINDS else None
        if current is None:
            raise ValueError
        chosen = selectors.period_make(period, year or current.year, number or current.number)
    except ValueError:
        raise InvalidInput(_("No such period."), code="survey.period") from None
    units = selectors.ikm_by_unit(actor=actor, start=chosen.start, end=chosen.end)
    total = selectors.ikm_total(actor=actor, start=chosen.start, end=chosen.end)
    return {
        "period": chosen.kind,
        "year": chosen.year,
        "number": chosen.number,
        "start": chosen.start,
        "end": chosen.end,
        "respondents": total.respondents,
        "value": _num(total.value),
        "converted": _num(total.converted),
        "grade": total.grade,
        "units": [
            {
                "unit_id": u.unit_id,
                "unit": u.unit_name,
                "respondents": u.index.respondents,
                "value": _num(u.index.value),
                "converted": _num(u.index.converted),
                "grade": u.index.grade,
                "invited": u.invited,
                "min_sample": u.min_sample,
                "elements": [
                    {"element": name, "nrr": float(e.nrr), "converted": float(e.converted), "grade": e.grade}
                    for name, e in zip(ELEMENT_FIELDS, u.index.elements, strict=True)
                ],
            }
            for u in units
        ],
    }
