"""Call next at a busy office stays cheap: the counter page's htmx POST answers with the current
ticket's part only, in a small fixed number of queries that does not grow with the queue, and
the claim still takes bookings whose time has come first and never calls a ticket twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from warga.core.errors import Conflict
from warga.queues.models import Booking, Ticket, TicketStatus
from warga.queues.services import booking_check_in, counter_call_next, counter_finish, ticket_issue

from .conftest import NIK

pytestmark = pytest.mark.django_db

# Session, user and roles (3); the counter, the claim statement, the ticket called, its event and
# audit row, the look-ahead for the five-ahead SMS (at most 2); the transaction's savepoint (2).
CALL_NEXT_QUERIES = 12


def _issue(setup, n: int) -> None:
    for _ in range(n):
        ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)


def _call(client, counter):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/antrean/loket/{counter.pk}/aksi/", {"action": "call"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_call_next_answers_the_current_ticket_in_a_fixed_number_of_queries(setup, cast, client_for):
    client = client_for(cast.kec_officer)
    url = f"/antrean/loket/{setup.counter2.pk}/aksi/"
    _issue(setup, 5)
    client.post(url, {"action": "call"}, HTTP_HX_REQUEST="true")  # the session's first write is done
    client.post(url, {"action": "finish"}, HTTP_HX_REQUEST="true")

    few, few_queries = _call(client, setup.counter2)
    client.post(url, {"action": "finish"}, HTTP_HX_REQUEST="true")
    _issue(setup, 200)
    many, many_queries = _call(client, setup.counter2)

    assert len(few_queries) == len(many_queries) <= CALL_NEXT_QUERIES, "\n".join(many_queries)
    # No statement reads the whole queue: no count, and every read of tickets is limited.
    tickets = [q for q in many_queries if '"queues_ticket"' in q and q.startswith("SELECT")]
    assert not any("COUNT(" in q for q in many_queries)
    assert all("LIMIT" in q for q in tickets), tickets
    # Only the current ticket's part comes back: the ticket and its buttons, not the panel.
    body = many.content.decode()
    assert 'data-testid="current">A-003<' in body and 'data-testid="finish"' in body
    assert "Memanggil A-003" in body or "Calling A-003" in body
    assert "counter-status" not in body and 'data-testid="waiting"' not in body
    assert 'data-testid="current">A-002<' in few.content.decode()


def test_the_counter_page_polls_its_waiting_count_apart(setup, cast, client_for):
    _issue(setup, 3)
    client = client_for(cast.kec_officer)
    page = client.get(f"/antrean/loket/{setup.counter1.pk}/").content.decode()
    assert 'id="counter-current"' in page and 'id="counter-status"' in page
    assert 'hx-target="#counter-current"' in page and 'hx-trigger="every 5s"' in page
    assert 'id="counter-shown" name="shown" value=""' in page and 'hx-include="#counter-shown"' in page
    url = f"/antrean/loket/{setup.counter1.pk}/"
    poll = client.get(url, {"shown": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="waiting">3 ' in poll and 'data-testid="current"' not in poll
    # Called from elsewhere (another screen, the API): the next poll brings the current ticket.
    ticket = counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)
    poll = client.get(url, {"shown": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="waiting">2 ' in poll and 'hx-swap-oob="innerHTML"' in poll
    assert 'data-testid="current">A-001<' in poll and f'value="{ticket.pk}-1"' in poll
    poll = client.get(url, {"shown": f"{ticket.pk}-1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-swap-oob" not in poll


def test_a_refused_call_shows_the_ticket_still_held(setup, cast, client_for):
    _issue(setup, 2)
    client = client_for(cast.kec_officer)
    url = f"/antrean/loket/{setup.counter1.pk}/aksi/"
    client.post(url, {"action": "call"}, HTTP_HX_REQUEST="true")
    busy = client.post(url, {"action": "call"}, HTTP_HX_REQUEST="true").content.decode()
    assert "alert-danger" in busy and 'data-testid="current">A-001<' in busy
    # The same refusal by the service: one called ticket per counter, from any screen.
    with pytest.raises(Conflict) as refused:
        counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)
    assert refused.value.code == "queues.busy" and "A-001" in refused.value.message
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_nobody_waiting_and_a_service_the_counter_does_not_serve(setup, cast, client_for):
    client = client_for(cast.kec_officer)
    empty = client.post(
        f"/antrean/loket/{setup.counter1.pk}/aksi/", {"action": "call"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="current">—<' in empty and 'data-testid="call-next"' in empty
    assert "Tidak ada yang menunggu" in empty or "Nobody is waiting" in empty
    refused = client.post(
        f"/antrean/loket/{setup.counter1.pk}/aksi/",
        {"action": "call", "service": setup.cetak.pk},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "alert-danger" in refused


def test_a_due_booking_goes_first_then_everybody_by_time(setup, open_today):
    now = timezone.now()
    walk_in = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    Booking.objects.create(
        code="DUEAAA",
        service=setup.ktp,
        day=open_today,
        slot_start=now - timedelta(minutes=1),
        slot_end=now + timedelta(minutes=29),
        holder=NIK,
        nik=NIK,
        phone="+6281234500001",
        channel="web",
    )
    booked = booking_check_in(office=setup.office, code="DUEAAA")
    later = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    order = []
    for _ in range(3):
        order.append(counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk).pk)
        counter_finish(actor=setup.operator, counter_id=setup.counter1.pk)
    assert order == [booked.pk, walk_in.pk, later.pk]
    assert counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk) is None
