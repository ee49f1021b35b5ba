from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from warga.core.api_schema import AUTHED, errors
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import login_only, requires

from . import services
from .auth import actor_of
from .models import ApiToken

PREFIX = "/account"
router = Router(tags=["account"])


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    capabilities: list[str]
    area_code: str | None
    unit: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_in_days: int | None = Field(None, ge=1, le=730)


class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str


def _token_out(token: ApiToken) -> dict:
    return {f: getattr(token, f) for f in TokenOut.model_fields}


@router.get("/me", response={200: MeOut, **errors(*AUTHED)}, summary="Who am I")
@login_only
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    user = actor.user
    assert user is not None
    return MeOut(
        username=user.username,
        full_name=user.get_full_name(),
        roles=sorted(actor.roles),
        capabilities=sorted(actor.capabilities),
        area_code=actor.area_code,
        unit=str(user.unit) if user.unit else None,
    )


@router.get("/tokens", response={200: list[TokenOut], **errors(*AUTHED)}, summary="My API tokens")
@paginate(PageNumberPagination)
@login_only
def token_list(request: HttpRequest):
    return ApiToken.objects.filter(user_id=actor_of(request).id or 0).order_by("-created_at")


@router.post(
    "/tokens", response={201: TokenCreatedOut, **errors(*AUTHED, 409)}, summary="Create an API token"
)
@requires("accounts.tokens")
def token_create(request: HttpRequest, payload: TokenIn):
    """The key is in this answer only; it is stored hashed."""
    actor = actor_of(request)
    assert actor.user is not None
    actor.require("accounts.tokens")
    token, raw = services.api_token_create(
        actor=actor, owner=actor.user, name=payload.name, expires_in_days=payload.expires_in_days
    )
    return Status(201, {**_token_out(token), "key": raw})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **errors(*AUTHED, 404, 409)},
    summary="Revoke an API token",
)
@requires("accounts.tokens")
def token_revoke(request: HttpRequest, token_id: int):
    return _token_out(services.api_token_revoke(actor=actor_of(request), token_id=token_id))
