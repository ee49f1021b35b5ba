from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import requires

from .selectors import reports_list

router = Router(tags=["reports"])
PREFIX = "/reports"


class ReportOut(Schema):
    id: int
    reference: str
    channel: str
    text: str
    desa_code: str | None
    category: str
    status: str
    received_at: datetime

    @staticmethod
    def resolve_desa_code(obj: object) -> str | None:
        return getattr(obj, "desa_id", None)


@router.get("/", response={200: list[ReportOut], **errors(401, 403)}, summary="Citizen reports of my area")
@paginate(PageNumberPagination)
@requires("reports.view")
def list_reports(request: HttpRequest, status: str = "", q: str = ""):  # type: ignore[no-untyped-def]
    return reports_list(actor=actor_of(request), status=status, query=q)
