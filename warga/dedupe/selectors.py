from __future__ import annotations

from django.db.models import QuerySet

from warga.audit.services import audit_read
from warga.core.scoping import Actor, get_scoped, scoped

from .models import CandidateStatus, DuplicateCandidate
from .services import DEDUPE_CAPABILITY


def queue(*, actor: Actor, status: str = CandidateStatus.OPEN) -> QuerySet[DuplicateCandidate]:
    """Candidate pairs in the verifier's area (both records inside it), best first."""
    actor.require(DEDUPE_CAPABILITY)
    qs = scoped(DuplicateCandidate.objects.all(), actor)
    qs = qs.filter(resident_b__desa__within=actor.area_code or "-")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("resident_a__desa", "resident_b__desa").order_by("-score", "id")


def candidate_open(*, actor: Actor, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """A pair shown side by side for review (loaded by `candidate_get`): both records are read."""
    for resident in (candidate.resident_a, candidate.resident_b):
        audit_read(actor=actor, obj=resident, purpose="duplicate_review")
    return candidate


def candidate_get(*, actor: Actor, pk: int) -> DuplicateCandidate:
    actor.require(DEDUPE_CAPABILITY)
    return get_scoped(
        DuplicateCandidate.objects.select_related(
            "resident_a__desa", "resident_b__desa", "resident_a__family", "resident_b__family", "decided_by"
        ).filter(resident_b__desa__within=actor.area_code or "-"),
        actor,
        pk=pk,
    )
