"""The officers' list of requests stays cheap on a large table: the open requests are counted
exactly, a closed status up to a cap, the pager's count stops where the pager needs it, and
the number of queries does not grow with the rows (pages and the API list)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from warga.core import pagination
from warga.core.scoping import Actor
from warga.ppid import selectors, views
from warga.ppid.models import InformationRequest
from warga.ppid.services import Decision, RequestInput, request_file, request_transition

from .conftest import NIK

pytestmark = pytest.mark.django_db


def _file(unit) -> InformationRequest:
    data = RequestInput(
        name="Siti", nik=NIK, address="Jl. Merdeka 5", phone="081200007001", information="Data gizi",
        purpose="Penelitian", unit_id=unit.pk,
    )  # fmt: skip
    return request_file(actor=None, channel="web", data=data)


def _answer(people, filed: InformationRequest) -> InformationRequest:
    return request_transition(
        actor=Actor.for_user(people.utama),
        request_id=filed.pk,
        action="decide",
        decision=Decision(outcome="not_held"),
    )


def _badge(page: str, name: str) -> str:
    start = page.index(f'data-testid="count-{name}"')
    return page[page.index(">", start) + 1 : page.index("</span>", start)]


def test_counts_are_exact_for_open_requests_and_capped_for_closed_ones(people, client_for, monkeypatch):
    late = _file(people.kec_unit)
    InformationRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    _file(people.kec_unit)
    _file(people.dinkes_unit)
    for _ in range(3):
        _answer(people, _file(people.kec_unit))

    page = client_for(people.utama).get("/ppid/requests/").content.decode()
    assert _badge(page, "received").endswith(": 3")
    assert _badge(page, "answered").endswith(": 3")
    assert _badge(page, "overdue").endswith(": 1")
    # The pembantu counts what their unit holds, the other kecamatan nothing.
    page = client_for(people.dinkes).get("/ppid/requests/").content.decode()
    assert _badge(page, "received").endswith(": 1") and _badge(page, "answered").endswith(": 0")
    page = client_for(people.other_kec).get("/ppid/requests/").content.decode()
    assert _badge(page, "received").endswith(": 0") and _badge(page, "overdue").endswith(": 0")

    # Above the cap a closed status reads "at least"; the open ones stay exact.
    monkeypatch.setattr(selectors, "CLOSED_COUNT_CAP", 2)
    page = client_for(people.utama).get("/ppid/requests/").content.decode()
    assert _badge(page, "answered").endswith(": 2+")
    assert _badge(page, "received").endswith(": 3") and _badge(page, "overdue").endswith(": 1")
    counts = selectors.request_counts(actor=Actor.for_user(people.utama))
    assert counts.by_status == {"received": 3, "answered": 2} and counts.capped == {"answered"}


def test_the_pager_counts_only_what_it_needs(people, client_for, monkeypatch):
    numbers = {_file(people.kec_unit).number for _ in range(3)}
    monkeypatch.setattr(views, "PER_PAGE", 1)
    monkeypatch.setattr(pagination, "COUNT_AT_LEAST", 1)
    utama = client_for(people.utama)

    first = utama.get("/ppid/requests/")
    page = first.context["page"]
    assert page.number == 1 and page.paginator.capped and page.has_next()
    html = first.content.decode()
    assert "Halaman 1<" in html and "Halaman 1 dari" not in html and "page=2" in html
    # The last page is counted to its end: the total is known there.
    last = utama.get("/ppid/requests/", {"page": 3})
    assert not last.context["page"].paginator.capped and not last.context["page"].has_next()
    assert "Halaman 3 dari 3" in last.content.decode()
    # Past the end, or not a number: the last page and the first.
    assert utama.get("/ppid/requests/", {"page": 99}).context["page"].number == 3
    assert utama.get("/ppid/requests/", {"page": "x"}).context["page"].number == 1
    shown = set()
    for n in (1, 2, 3):
        shown |= {r.number for r in utama.get("/ppid/requests/", {"page": n}).context["page"].object_list}
    assert shown == numbers
    # A short list keeps its exact count.
    monkeypatch.setattr(pagination, "COUNT_AT_LEAST", 1000)
    assert "Halaman 1 dari 3" in utama.get("/ppid/requests/").content.decode()


def test_the_list_reads_a_fixed_number_of_queries(people, client_for):
    utama = client_for(people.utama)
    _file(people.kec_unit)
    utama.get("/ppid/requests/")
    with CaptureQueriesContext(connection) as few:
        assert utama.get("/ppid/requests/").status_code == 200
    for unit in (people.kec_unit, people.dinkes_unit, people.kec_unit, people.dinkes_unit):
        _answer(people, _file(unit))
    with CaptureQueriesContext(connection) as more:
        page = utama.get("/ppid/requests/")
    assert len(page.context["page"].object_list) == 5
    assert len(more.captured_queries) == len(few.captured_queries)  # no query per row
    on_requests = [q["sql"] for q in more.captured_queries if "ppid_informationrequest" in q["sql"]]
    # The open ones by status, one capped count, the pager's bounded count, the page.
    assert len(on_requests) == 4
    assert sum("LIMIT" in sql and "COUNT(" in sql for sql in on_requests) == 2


def test_api_list_counts_up_to_the_page(people, client_for, monkeypatch):
    for _ in range(3):
        _file(people.kec_unit)
    _file(people.dinkes_unit)
    monkeypatch.setattr(pagination, "COUNT_AT_LEAST", 1)
    utama = client_for(people.utama)
    url = "/api/v1/information-requests/"
    first = utama.get(url, {"page_size": 1})
    assert first.status_code == 200
    body = first.json()
    assert len(body["items"]) == 1 and body["count"] == 1 and body["count_capped"] is True
    last = utama.get(url, {"page_size": 2, "page": 2}).json()
    assert len(last["items"]) == 2 and last["count"] == 4 and last["count_capped"] is False
    # The scope is the page's: a pembantu's list holds their unit's requests.
    theirs = client_for(people.dinkes).get(url).json()
    assert theirs["count"] == 1 and theirs["count_capped"] is False
    monkeypatch.setattr(pagination, "COUNT_AT_LEAST", 1000)
    assert utama.get(url, {"page_size": 1}).json() | {"items": []} == {
        "items": [],
        "count": 4,
        "count_capped": False,
    }


def test_open_requests_come_before_the_answered_ones(people):
    answered = [_answer(people, _file(people.kec_unit)) for _ in range(2)]
    open_ = _file(people.kec_unit)
    order = [r.pk for r in selectors.requests_list(actor=Actor.for_user(people.utama))]
    assert order.index(open_.pk) < min(order.index(r.pk) for r in answered)
