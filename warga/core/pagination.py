from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination


def paginate(request: HttpRequest, items: Any, per_page: int = 50, count: int | None = None) -> Page[Any]:
    """A page of `items`. `count`: the number of items when the caller already knows it (a
    count it computed anyway), which spares the paginator its own COUNT over a large list."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached property
    return paginator.get_page(request.GET.get("page"))


MAX_API_PAGE = 1_000_000
"""No list holds a million pages; a larger number would only overflow the database's offset."""


class PageNumberPagination(NinjaPageNumberPagination):
    """The API's page-number pagination with the page number bounded (a larger one is a 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_API_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)
