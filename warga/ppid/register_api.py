"""The registers in the API, under `/api/v1/information-requests/registers/…`: anybody reads the
Daftar Informasi Publik and the exempted information (what is in the register now); officers
with `ppid.registers` create, correct and withdraw entries (the PPID utama any unit's, a
pembantu its unit's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import NotFound
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.scoping import unscoped

from . import capabilities as caps
from . import register_selectors as rs
from .api import router
from .models import ExemptInformation, PublicInformation
from .services import (
    ExemptionInput,
    InformationInput,
    exemption_save,
    exemption_withdraw,
    information_save,
    information_withdraw,
)

ID = Field(..., ge=1, le=2_147_483_647)


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("ppid:dip_document", args=[obj.pk])


class InformationOut(Schema):
    id: int
    category: str
    unit_id: int
    unit: str
    title: str
    summary: str
    format: str
    retention: str
    period: str
    published_on: date
    withdrawn_at: datetime | None
    withdrawn_reason: str
    version: int
    documents: list[DocumentOut]

    @staticmethod
    def resolve_unit(obj: PublicInformation) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_documents(obj: PublicInformation) -> list[Any]:
        return list(obj.documents.all())


class ExemptionOut(Schema):
    id: int
    ground: str
    unit_id: int
    unit: str
    title: str
    test_reference: str
    tested_on: date
    consequence: str
    period: str
    exempt_until: date | None
    withdrawn_at: datetime | None
    withdrawn_reason: str
    version: int

    @staticmethod
    def resolve_unit(obj: ExemptInformation) -> str:
        return obj.unit.name


class InformationIn(Schema):
    category: str = Field(..., max_length=12, description="berkala, serta_merta or setiap_saat")
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647, description="default: your unit")
    title: str = Field(..., max_length=300)
    summary: str = Field(..., max_length=4000)
    format: str = Field("soft", max_length=8, description="soft, hard or both")
    retention: str = Field(..., max_length=100)
    period: str = Field(..., max_length=100)
    published_on: date
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)

    def to_input(self) -> InformationInput:
        return InformationInput(
            category=self.category,
            unit_id=self.unit_id,
            title=self.title,
            summary=self.summary,
            format=self.format,
            retention=self.retention,
            period=self.period,
            published_on=self.published_on,
        )


class ExemptionIn(Schema):
    ground: str = Field(..., max_length=1, description="art. 17 letter, a–j")
    unit_id: int | None = Field(None, ge=1, le=2_147_483_647, description="default: your unit")
    title: str = Field(..., max_length=300)
    test_reference: str = Field(..., max_length=200)
    tested_on: date
    consequence: str = Field(..., max_length=4000)
    period: str = Field(..., max_length=100)
    exempt_until: date | None = None
    expected_version: int | None = Field(None, ge=0, le=2_147_483_647)

    def to_input(self) -> ExemptionInput:
        return ExemptionInput(
            ground=self.ground,
            unit_id=self.unit_id,
            title=self.title,
            test_reference=self.test_reference,
            tested_on=self.tested_on,
            consequence=self.consequence,
            period=self.period,
            exempt_until=self.exempt_until,
        )


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=2000)


def _filters(kind: str, unit_id: int | None, q: str) -> rs.RegisterFilters:
    return rs.RegisterFilters(
        kind=kind[:12], unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None, text=q[:100]
    )


@router.get(
    "/registers/dip",
    auth=None,
    response={200: list[InformationOut], **errors()},
    summary="The Daftar Informasi Publik (public)",
)
@public
@paginate(PageNumberPagination)
def dip_list(request: HttpRequest, category: str = "", unit_id: int | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    """Entries in the register now, filtered by category (berkala, serta_merta, setiap_saat), unit
    and text, with their documents' download addresses."""
    with unscoped("public register: anybody may read it"):
        return list(rs.information_public(_filters(category, unit_id, q))[:5000])


@router.get(
    "/registers/dip/{int:entry_id}",
    auth=None,
    response={200: InformationOut, **errors(404)},
    summary="One entry of the Daftar Informasi Publik (public)",
)
@public
def dip_detail(request: HttpRequest, entry_id: int) -> PublicInformation:
    with unscoped("public register: anybody may read it"):
        entry = rs.information_public(rs.RegisterFilters()).filter(pk=entry_id).first()
        if entry is None:
            raise NotFound("Not found.")
        list(entry.documents.all())
    return entry


@router.post(
    "/registers/dip",
    response={201: InformationOut, **errors(401, 403, 404, 409)},
    summary="Add an entry to the Daftar Informasi Publik",
)
@requires(caps.REGISTERS)
def dip_create(request: HttpRequest, payload: InformationIn) -> Status[PublicInformation]:
    return Status(201, information_save(actor=actor_of(request), data=payload.to_input()))


@router.put(
    "/registers/dip/{int:entry_id}",
    response={200: InformationOut, **errors(401, 403, 404, 409)},
    summary="Correct an entry of the Daftar Informasi Publik",
)
@requires(caps.REGISTERS)
def dip_update(request: HttpRequest, entry_id: int, payload: InformationIn) -> PublicInformation:
    return information_save(
        actor=actor_of(request),
        data=payload.to_input(),
        entry_id=entry_id,
        expected_version=payload.expected_version,
    )


@router.post(
    "/registers/dip/{int:entry_id}/withdraw",
    response={200: InformationOut, **errors(401, 403, 404, 409)},
    summary="Withdraw an entry from the Daftar Informasi Publik (kept, with the reason)",
)
@requires(caps.REGISTERS)
def dip_withdraw(request: HttpRequest, entry_id: int, payload: WithdrawIn) -> PublicInformation:
    return information_withdraw(actor=actor_of(request), entry_id=entry_id, reason=payload.reason)


@router.get(
    "/registers/exempt",
    auth=None,
    response={200: list[ExemptionOut], **errors()},
    summary="The register of exempted information (public)",
)
@public
@paginate(PageNumberPagination)
def exempt_list(request: HttpRequest, ground: str = "", unit_id: int | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    """Entries in force, filtered by art. 17 ground (a–j), unit and text: what a refusal may cite."""
    with unscoped("public register: anybody may read it"):
        return list(rs.exemptions_public(_filters(ground, unit_id, q))[:5000])


@router.get(
    "/registers/exempt/{int:exempt_id}",
    auth=None,
    response={200: ExemptionOut, **errors(404)},
    summary="One entry of the register of exempted information (public)",
)
@public
def exempt_detail(request: HttpRequest, exempt_id: int) -> ExemptInformation:
    with unscoped("public register: anybody may read it"):
        entry = rs.exemptions_public(rs.RegisterFilters()).filter(pk=exempt_id).first()
    if entry is None:
        raise NotFound("Not found.")
    return entry


@router.post(
    "/registers/exempt",
    response={201: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Add an entry to the register of exempted information",
)
@requires(caps.REGISTERS)
def exempt_create(request: HttpRequest, payload: ExemptionIn) -> Status[ExemptInformation]:
    return Status(201, exemption_save(actor=actor_of(request), data=payload.to_input()))


@router.put(
    "/registers/exempt/{int:exempt_id}",
    response={200: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Correct an entry of the register of exempted information",
)
@requires(caps.REGISTERS)
def exempt_update(request: HttpRequest, exempt_id: int, payload: ExemptionIn) -> ExemptInformation:
    return exemption_save(
        actor=actor_of(request),
        data=payload.to_input(),
        entry_id=exempt_id,
        expected_version=payload.expected_version,
    )


@router.post(
    "/registers/exempt/{int:exempt_id}/withdraw",
    response={200: ExemptionOut, **errors(401, 403, 404, 409)},
    summary="Withdraw an entry from the register of exempted information (kept, with the reason)",
)
@requires(caps.REGISTERS)
def exempt_withdraw(request: HttpRequest, exempt_id: int, payload: WithdrawIn) -> ExemptInformation:
    return exemption_withdraw(actor=actor_of(request), entry_id=exempt_id, reason=payload.reason)
