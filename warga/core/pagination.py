from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
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


COUNT_AT_LEAST = 1000
"""A bounded count counts at least this many items (a short list is counted exactly)."""


def bounded_count(qs: QuerySet[Any], limit: int) -> tuple[int, bool]:
    """(the number of items up to `limit`, whether there are more): a COUNT over a subquery
    with LIMIT `limit + 1` and no ORDER BY, so the database stops after `limit + 1` rows
    instead of counting a large list to its end."""
    counted = qs.order_by()[: limit + 1].count()
    return min(counted, limit), counted > limit


class BoundedPaginator(Paginator):  # type: ignore[type-arg]  # not subscriptable at run time
    """A paginator whose count stops at what the pager needs (`paginate_bounded`); `capped`:
    there are more items than `count`, so the number of pages is not known."""

    capped = False


def paginate_bounded(request: HttpRequest, items: QuerySet[Any], per_page: int = 50) -> Page[Any]:
    """A page of a list that may be very long, without counting it to its end: the count stops
    one item past the page asked for, or past `COUNT_AT_LEAST` items, whichever is further. A
    short list keeps its exact count ("page 2 of 3"); a long one knows there is a next page
    (`page.paginator.capped`: the pager then shows the page number alone)."""
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except (TypeError, ValueError):
        number = 1
    number = min(number, MAX_API_PAGE)
    count, capped = bounded_count(items, max(number * per_page, COUNT_AT_LEAST))
    paginator = BoundedPaginator(items, per_page)
    paginator.capped = capped
    # One item past the count when capped: the page asked for is never the last one then.
    paginator.__dict__["count"] = count + 1 if capped else count  # Paginator.count is a cached property
    return paginator.get_page(number)


MAX_API_PAGE = 1_000_000
"""No list holds a million pages; a larger number would only overflow the database's offset."""


class PageNumberPagination(NinjaPageNumberPagination):
    """The API's page-number pagination with the page number bounded (a larger one is a 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_API_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)


class BoundedPageNumberPagination(PageNumberPagination):
    """For lists that may be very long: `count` stops at the end of the page asked for or at
    `COUNT_AT_LEAST` items, whichever is further, instead of counting the whole list;
    `count_capped` says the list holds more than `count` (there is a next page)."""

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            ...,
            description=(
                "The number of items, counted up to the end of this page or to 1,000 items, "
                "whichever is further (see count_capped)."
            ),
        )
        count_capped: bool = Field(..., description="True when the list holds more items than count.")

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count, capped = bounded_count(queryset, max(offset + page_size, COUNT_AT_LEAST))
        return {
            self.items_attribute: queryset[offset : offset + page_size],
            "count": count,
            "count_capped": capped,
        }
