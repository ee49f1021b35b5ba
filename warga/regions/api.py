from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from warga.core.api_schema import errors
from warga.core.errors import NotFound
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public

from .models import Region
from .selectors import region_children, region_get

PREFIX = "/regions"
router = Router(tags=["regions"])


class RegionRef(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str
    code_plain: str
    name: str
    type: str
    level: int
    parent: RegionRef | None
    children_count: int
    population_total: int | None


def _out(region: Region) -> RegionOut:
    return RegionOut(
        code=region.code,
        code_plain=region.code_plain,
        name=region.name,
        type=region.kind,
        level=region.level,
        parent=RegionRef(code=region.parent.code, name=region.parent.name) if region.parent else None,
        children_count=getattr(region, "n_children", None) or region.children.count(),
        population_total=region.population_total,
    )


def _get(code: str) -> Region:
    region = region_get(code)
    if region is None:
        raise NotFound(_("No region with code %(code)s.") % {"code": code[:30]}, code="region.unknown")
    return region


@router.get("/{code}", auth=None, response={200: RegionOut, **errors(404)}, summary="A region by code")
@public
def region_detail(request: HttpRequest, code: str) -> RegionOut:
    """Code with or without dots: `32.14.01` or `321401`. Public."""
    return _out(_get(code))


@router.get(
    "/{code}/children", auth=None, response={200: list[RegionOut], **errors(404)}, summary="Child regions"
)
@paginate(PageNumberPagination, page_size=100)
@public
def region_children_list(request: HttpRequest, code: str) -> list[RegionOut]:
    region = _get(code)
    children = region_children(region).select_related("parent").annotate(n_children=Count("children"))
    return [_out(child) for child in children]
