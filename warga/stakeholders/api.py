"""The stakeholder register's API: list (filters, paginated), detail, create, update, archive."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import requires

from . import capabilities as caps
from . import selectors
from .models import Stakeholder
from .services import StakeholderInput, stakeholder_archive, stakeholder_create, stakeholder_update

router = Router(tags=["stakeholders"])
PREFIX = "/stakeholders"


class StakeholderIn(Schema):
    kind: str = Field(..., max_length=20)
    name: str = Field(..., max_length=160)
    region: str = Field(..., max_length=20, description="a kabupaten, kecamatan or desa code in your area")
    organisation: str = Field("", max_length=160)
    position: str = Field("", max_length=120)
    topics: list[str] = Field(default_factory=list, max_length=5)
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    sms_consent: bool = False
    consent_on: date | None = None
    consent_channel: str = Field("", max_length=10)
    consent_evidence: str = Field("", max_length=300)
    notes: str = Field("", max_length=4000)
    resident_id: int | None = Field(None, ge=1, le=2_147_483_647)


class ArchiveIn(Schema):
    reason: str = Field(..., max_length=300)


class StakeholderOut(Schema):
    id: int
    kind: str
    name: str
    organisation: str
    position: str
    topics: list[str]
    region: str
    unit_id: int
    phone: str
    email: str
    address: str
    sms_consent: bool
    consent_on: date | None
    consent_channel: str
    consent_evidence: str
    resident_id: int | None
    notes: str
    active: bool
    archived_at: datetime | None
    archived_reason: str

    @staticmethod
    def resolve_topics(obj: Stakeholder) -> list[str]:
        return obj.topic_list()

    @staticmethod
    def resolve_region(obj: Stakeholder) -> str:
        return obj.region_id


def _input(payload: StakeholderIn) -> StakeholderInput:
    return StakeholderInput(**payload.dict())


@router.get("", response={200: list[StakeholderOut], **errors(401, 403)}, summary="Stakeholders you may see")
@paginate(PageNumberPagination)
@requires(caps.VIEW)
def stakeholder_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    kind: str = "",
    topic: str = "",
    region: str = "",
    unit_id: int | None = None,
    consent: str = "",
    active: str = "yes",
):
    """The register as the caller may see it (an OPD its own unit's, a kecamatan its area's).
    No search by name here: names stay out of URLs."""
    return selectors.stakeholders_list(
        actor=actor_of(request),
        filters=selectors.StakeholderFilters(
            kind=kind[:20],
            topic=topic[:20],
            region=region[:20],
            unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None,
            consent=consent if consent in ("yes", "no") else "",
            active=active if active in ("yes", "no", "all") else "yes",
        ),
    )


@router.get("/{int:stakeholder_id}", response={200: StakeholderOut, **errors(401, 403, 404)})
@requires(caps.VIEW)
def stakeholder_detail(request: HttpRequest, stakeholder_id: int) -> Stakeholder:
    return selectors.stakeholder_get(actor=actor_of(request), pk=stakeholder_id)


@router.post("", response={201: StakeholderOut, **errors(401, 403, 409)})
@requires(caps.MANAGE)
def stakeholder_create_op(request: HttpRequest, payload: StakeholderIn) -> Status:
    return Status(201, stakeholder_create(actor=actor_of(request), data=_input(payload)))


@router.put("/{int:stakeholder_id}", response={200: StakeholderOut, **errors(401, 403, 404, 409)})
@requires(caps.MANAGE)
def stakeholder_update_op(request: HttpRequest, stakeholder_id: int, payload: StakeholderIn) -> Stakeholder:
    return stakeholder_update(actor=actor_of(request), stakeholder_id=stakeholder_id, data=_input(payload))


@router.post("/{int:stakeholder_id}/archive", response={200: StakeholderOut, **errors(401, 403, 404, 409)})
@requires(caps.MANAGE)
def stakeholder_archive_op(request: HttpRequest, stakeholder_id: int, payload: ArchiveIn) -> Stakeholder:
    return stakeholder_archive(actor=actor_of(request), stakeholder_id=stakeholder_id, reason=payload.reason)
