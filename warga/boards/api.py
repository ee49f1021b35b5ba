from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires

from . import services
from .selectors import announcements_list, board_feed

router = Router(tags=["boards"])
PREFIX = "/boards"


class FeedDesa(Schema):
    code: str
    name: str
    kecamatan: str


class FeedItem(Schema):
    id: int
    text: str
    source: str
    source_label: str
    priority: int
    starts_at: datetime
    ends_at: datetime


class FeedOut(Schema):
    desa: FeedDesa
    generated_at: datetime
    time_zone: str
    time_zone_label: str
    refresh_seconds: int
    announcements: list[FeedItem]


class AnnouncementIn(Schema):
    desa_codes: list[str]
    text: str
    starts_at: datetime
    ends_at: datetime
    priority: int = 0


class AnnouncementOut(Schema):
    id: int
    desa_code: str
    text: str
    source: str
    status: str
    priority: int
    starts_at: datetime
    ends_at: datetime
    reason: str

    @staticmethod
    def resolve_desa_code(obj: object) -> str:
        return str(getattr(obj, "desa_id", ""))


class ModerateIn(Schema):
    approve: bool
    reason: str = ""


@router.get(
    "/feed/{code}",
    auth=None,
    response={200: FeedOut, **errors(404)},
    summary="What a village board shows now",
)
@public
def feed(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    return board_feed(desa_code=code)


@router.get(
    "/announcements",
    response={200: list[AnnouncementOut], **errors(401, 403)},
    summary="Announcements of my area",
)
@paginate(PageNumberPagination)
@requires("boards.announce", "boards.moderate")
def list_announcements(request: HttpRequest, status: str = ""):  # type: ignore[no-untyped-def]
    return announcements_list(actor=actor_of(request), status=status)


@router.post(
    "/announcements",
    response={201: list[AnnouncementOut], **errors(401, 403, 404, 409)},
    summary="Post to desa boards",
)
@requires("boards.announce")
def create_announcement(request: HttpRequest, payload: AnnouncementIn):  # type: ignore[no-untyped-def]
    created = services.announcement_create(actor=actor_of(request), **payload.dict())
    return Status(201, created)


@router.post(
    "/announcements/{announcement_id}/moderate",
    response={200: AnnouncementOut, **errors(401, 403, 404, 409)},
    summary="Approve or reject an announcement",
)
@requires("boards.moderate")
def moderate(request: HttpRequest, announcement_id: int, payload: ModerateIn):  # type: ignore[no-untyped-def]
    return services.announcement_moderate(
        actor=actor_of(request),
        announcement_id=announcement_id,
        approve=payload.approve,
        reason=payload.reason,
    )
