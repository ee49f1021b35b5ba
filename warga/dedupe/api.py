"""The duplicate review queue over the API: /api/v1/duplicates/…"""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import requires

from .models import CandidateStatus, DuplicateCandidate
from .selectors import candidate_get, candidate_open, queue
from .services import duplicate_confirm, duplicate_reject, explain

PREFIX = "/duplicates"
router = Router(tags=["duplicates"])


class ComponentOut(Schema):
    key: str
    label: str
    points: float
    detail: str


class RecordOut(Schema):
    id: int
    nik: str
    full_name: str
    birth_date: date
    birth_place: str
    sex: str
    mother_name: str
    father_name: str
    desa_code: str
    desa_name: str
    kk_number: str | None


class CandidateListOut(Schema):
    id: int
    score: float
    status: str
    source: str
    resident_a_id: int
    resident_b_id: int
    desa_codes: list[str]


class CandidateOut(CandidateListOut):
    components: list[ComponentOut]
    resident_a: RecordOut
    resident_b: RecordOut
    kept_id: int | None = None
    note: str = ""


class ConfirmIn(Schema):
    keep_id: int = Field(
        ..., description="id of the resident whose NIK is kept (resident_a_id or resident_b_id)"
    )
    reason: str = Field(..., min_length=5, max_length=300)


class RejectIn(Schema):
    note: str = Field("", max_length=300)


def _list_out(c: DuplicateCandidate) -> dict:
    return {
        "id": c.pk,
        "score": c.score,
        "status": c.status,
        "source": c.source,
        "resident_a_id": c.resident_a_id,
        "resident_b_id": c.resident_b_id,
        "desa_codes": sorted({c.resident_a.desa_id, c.resident_b.desa_id}),
    }


def _record(r) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": r.pk,
        "nik": r.nik,
        "full_name": r.full_name,
        "birth_date": r.birth_date,
        "birth_place": r.birth_place,
        "sex": r.sex,
        "mother_name": r.mother_name,
        "father_name": r.father_name,
        "desa_code": r.desa_id,
        "desa_name": r.desa.name,
        "kk_number": r.family.kk_number if r.family_id else None,
    }


def _detail(request: HttpRequest, c: DuplicateCandidate) -> dict:
    candidate_open(actor=actor_of(request), candidate=c)
    return {
        **_list_out(c),
        "components": explain(c.components),
        "resident_a": _record(c.resident_a),
        "resident_b": _record(c.resident_b),
        "kept_id": c.kept_id,
        "note": c.note,
    }


@router.get("", response={200: list[CandidateListOut], **errors(401, 403)}, summary="Duplicate review queue")
@paginate(PageNumberPagination)
@requires("registry.dedupe")
def list_candidates(request: HttpRequest, status: CandidateStatus = CandidateStatus.OPEN):
    """Pairs in the caller's area, best score first. Names are left out: open a pair to see them."""
    return [_list_out(c) for c in queue(actor=actor_of(request), status=status)]


@router.get(
    "/{candidate_id}", response={200: CandidateOut, **errors(401, 403, 404)}, summary="One candidate pair"
)
@requires("registry.dedupe")
def get_candidate(request: HttpRequest, candidate_id: int):
    return _detail(request, candidate_get(actor=actor_of(request), pk=candidate_id))


@router.post(
    "/{candidate_id}/confirm",
    response={200: CandidateOut, **errors(401, 403, 404, 409)},
    summary="Same person: merge, keeping one NIK",
)
@requires("registry.dedupe")
def confirm_candidate(request: HttpRequest, candidate_id: int, payload: ConfirmIn):
    actor = actor_of(request)
    candidate = candidate_get(actor=actor, pk=candidate_id)
    duplicate_confirm(actor=actor, candidate=candidate, keep=payload.keep_id, reason=payload.reason)
    return _detail(request, candidate_get(actor=actor, pk=candidate_id))


@router.post(
    "/{candidate_id}/reject",
    response={200: CandidateOut, **errors(401, 403, 404, 409)},
    summary="Not the same person: never proposed again",
)
@requires("registry.dedupe")
def reject_candidate(request: HttpRequest, candidate_id: int, payload: RejectIn):
    actor = actor_of(request)
    candidate = candidate_get(actor=actor, pk=candidate_id)
    duplicate_reject(actor=actor, candidate=candidate, note=payload.note)
    return _detail(request, candidate_get(actor=actor, pk=candidate_id))
