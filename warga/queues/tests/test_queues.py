"""The office queue as residents and officers meet it: kiosk and desk tickets, bookings and their
refusals, counters calling, recalling, skipping, transferring and finishing, the call screen's
feed, the ANTRI keyword and the statistics."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import holidays
import pytest
from django.utils import timezone
from holidays.constants import GOVERNMENT, PUBLIC

from warga.core.errors import Conflict, InvalidInput, NotAllowed
from warga.messaging.models import SmsMessage
from warga.messaging.services import sms_incoming_receive
from warga.queues.models import Booking, BookingStatus, Ticket, TicketStatus
from warga.queues.selectors import kiosk_token, screen_feed, wait_estimate
from warga.queues.services import (
    BookingInput,
    booking_check_in,
    booking_create,
    counter_call_next,
    counter_finish,
    counter_recall,
    counter_skip,
    counter_transfer,
    ticket_issue,
)

from .conftest import NIK, NIK2, next_weekday, next_working_day

pytestmark = pytest.mark.django_db
PHONE = "081234500001"
MSISDN = "+6281234500001"


def _at(day, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _book(setup, day, *, nik=NIK, slot="09:00", service=None, phone=PHONE):
    return booking_create(
        actor=None,
        data=BookingInput(
            service_id=(service or setup.ktp).pk,
            day=day,
            slot_start=_at(day, slot) if slot else None,
            nik=nik,
            phone=phone,
        ),
    )


# --- Tickets -------------------------------------------------------------------------------------


def test_kiosk_tickets_are_numbered_per_service_with_a_wait_estimate(setup, client):
    token = kiosk_token(setup.office)
    page = client.get(f"/antrean/kios/{token}/")
    assert page.status_code == 200 and "Perekaman KTP-el" in page.content.decode()
    for _ in range(2):
        response = client.post(f"/antrean/kios/{token}/", {"action": "issue", "service": setup.ktp.pk})
        assert response.status_code == 302
    slip = client.get(response["Location"])
    assert slip.status_code == 200
    assert "A-002" in slip.content.decode()
    assert "1 nomor di depan" in slip.content.decode() or "1 antrean" in slip.content.decode()
    ticket = Ticket.objects.get(code="A-002")
    assert wait_estimate(ticket) == {"ahead": 1, "minutes": 5}  # 10 usual minutes, two counters


def test_a_forged_kiosk_address_is_not_found(setup, client):
    assert client.get("/antrean/kios/1.forged/").status_code == 404


def test_todays_quota_refuses_the_next_ticket_and_stores_nothing(setup):
    for _ in range(3):
        ticket_issue(actor=None, office=setup.office, service_id=setup.cetak.pk)
    with pytest.raises(Conflict) as refused:
        ticket_issue(actor=None, office=setup.office, service_id=setup.cetak.pk)
    assert refused.value.code == "queues.full" and "Cetak KTP-el" in refused.value.message
    assert Ticket.objects.filter(service=setup.cetak).count() == 3


def test_a_skipped_ticket_frees_its_quota_place(setup):
    tickets = [ticket_issue(actor=None, office=setup.office, service_id=setup.cetak.pk) for _ in range(3)]
    called = counter_call_next(actor=setup.operator, counter_id=setup.counter2.pk, service_id=setup.cetak.pk)
    assert called.pk == tickets[0].pk
    counter_skip(actor=setup.operator, counter_id=setup.counter2.pk)
    assert ticket_issue(actor=None, office=setup.office, service_id=setup.cetak.pk).code == "B-004"


def test_the_kiosk_refuses_on_a_closed_day(setup, monkeypatch):
    from warga.queues.services import _common

    monkeypatch.setattr(_common.WorkCalendar, "is_working_day", lambda self, day: False)
    with pytest.raises(InvalidInput):
        ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    assert not Ticket.objects.exists()


# --- Counters -------------------------------------------------------------------------------------


def test_call_next_recall_skip_transfer_finish(setup):
    op = setup.operator
    a1 = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    a2 = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    b1 = ticket_issue(actor=None, office=setup.office, service_id=setup.cetak.pk)
    # Counter 1 serves only A: it cannot call B.
    with pytest.raises(InvalidInput) as refused:
        counter_call_next(actor=op, counter_id=setup.counter1.pk, service_id=setup.cetak.pk)
    assert "tidak melayani" in refused.value.message or "does not serve" in refused.value.message
    first = counter_call_next(actor=op, counter_id=setup.counter1.pk)
    assert first.pk == a1.pk and first.status == TicketStatus.CALLED
    with pytest.raises(Conflict):  # a counter calls one at a time
        counter_call_next(actor=op, counter_id=setup.counter1.pk)
    assert counter_recall(actor=op, counter_id=setup.counter1.pk).calls == 2
    # Transferred to counter 2: counter 2 gets it before a2, which came later.
    counter_transfer(actor=op, counter_id=setup.counter1.pk, to_counter_id=setup.counter2.pk)
    assert counter_call_next(actor=op, counter_id=setup.counter1.pk).pk == a2.pk
    assert counter_call_next(actor=op, counter_id=setup.counter2.pk).pk == a1.pk
    assert counter_finish(actor=op, counter_id=setup.counter2.pk).status == TicketStatus.DONE
    assert counter_skip(actor=op, counter_id=setup.counter1.pk).status == TicketStatus.SKIPPED
    assert counter_call_next(actor=op, counter_id=setup.counter2.pk).pk == b1.pk
    events = list(Ticket.objects.get(pk=a1.pk).events.values_list("action", flat=True))
    assert events == ["issue", "call", "recall", "transfer", "call", "finish"]


def test_a_booking_is_called_at_its_time_before_walk_ins(setup, open_today):
    walk_in = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    booking = Booking.objects.create(
        code="TESTAA",
        service=setup.ktp,
        day=open_today,
        slot_start=timezone.now() - timedelta(minutes=5),
        slot_end=timezone.now() + timedelta(minutes=25),
        holder=NIK,
        nik=NIK,
        phone=MSISDN,
        channel="web",
    )
    booked = booking_check_in(office=setup.office, code="testaa")
    assert booked.booked and booked.source == "booking"
    assert counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk).pk == booked.pk
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CHECKED_IN
    counter_finish(actor=setup.operator, counter_id=setup.counter1.pk)
    assert counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk).pk == walk_in.pk


def test_an_officer_of_another_office_cannot_operate_and_does_not_see_it(setup, cast, client_for):
    with pytest.raises(NotAllowed):
        counter_call_next(actor=cast.actor(cast.dukcapil), counter_id=setup.counter1.pk)
    assert client_for(cast.outsider).get(f"/antrean/loket/{setup.counter1.pk}/").status_code == 404
    assert client_for(cast.outsider).get(f"/antrean/kantor/{setup.office.pk}/").status_code == 404


def test_five_ahead_sends_one_sms(setup):
    tickets = [ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk) for _ in range(6)]
    watched = ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk, phone=PHONE)
    assert tickets and not SmsMessage.objects.filter(to=MSISDN).exists()
    counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)  # 5 left ahead of it
    sms = SmsMessage.objects.filter(to=MSISDN)
    assert sms.count() == 1 and watched.code in sms.get().text and "5" in sms.get().text
    counter_finish(actor=setup.operator, counter_id=setup.counter1.pk)
    counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)
    assert SmsMessage.objects.filter(to=MSISDN).count() == 1


def test_the_counter_page_calls_and_finishes_with_htmx(setup, cast, client_for):
    ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    client = client_for(cast.kec_officer)
    page = client.get(f"/antrean/loket/{setup.counter1.pk}/")
    assert page.status_code == 200 and 'data-testid="call-next"' in page.content.decode()
    called = client.post(
        f"/antrean/loket/{setup.counter1.pk}/aksi/", {"action": "call"}, HTTP_HX_REQUEST="true"
    )
    assert called.status_code == 200 and "A-001" in called.content.decode()
    busy = client.post(
        f"/antrean/loket/{setup.counter1.pk}/aksi/", {"action": "call"}, HTTP_HX_REQUEST="true"
    )
    assert busy.status_code == 200 and "A-001" in busy.content.decode()  # the refusal, on the panel
    assert "Selesaikan" in busy.content.decode() or "Finish" in busy.content.decode()
    done = client.post(f"/antrean/loket/{setup.counter1.pk}/aksi/", {"action": "finish"})
    assert done.status_code == 302
    assert Ticket.objects.get(code="A-001").status == TicketStatus.DONE


def test_the_call_screen_feed_shows_the_called_tickets(setup, client):
    ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    counter_call_next(actor=setup.operator, counter_id=setup.counter2.pk)
    feed = client.get(f"/antrean/layar/{setup.office.pk}/feed.json").json()
    by_number = {c["number"]: c for c in feed["counters"]}
    assert by_number[2]["ticket"] == "A-001" and by_number[1]["ticket"] is None
    assert feed["recent"][0] == {"ticket": "A-001", "counter": 2, "called_at": feed["recent"][0]["called_at"]}
    assert feed["waiting"] == [{"letter": "A", "count": 1}]
    assert feed["time_zone"] and feed["generated_at"]
    assert screen_feed(setup.office.pk)["counters"][1]["call_id"]
    assert client.get(f"/antrean/layar/{setup.office.pk}/").status_code == 200


# --- Bookings ------------------------------------------------------------------------------------


def test_a_booking_on_the_front_door_sends_its_code_by_sms(setup, client):
    day = next_working_day(timezone.localdate())
    response = client.post(
        f"/antrean/pesan/{setup.office.pk}/",
        {"service": setup.ktp.pk, "day": day.isoformat(), "slot": "09:00", "nik": NIK, "phone": PHONE},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    done = client.get(response["Location"]).content.decode()
    assert booking.code in done
    assert SmsMessage.objects.filter(to=MSISDN, text__contains=booking.code).exists()
    assert NIK not in response["Location"]


def test_booking_refusals_are_clear_and_store_nothing(setup, client):
    today = timezone.localdate()
    saturday = next_weekday(today, 5)
    with pytest.raises(InvalidInput) as closed:
        _book(setup, saturday)
    assert closed.value.code == "queues.closed_day"
    names = holidays.country_holidays(
        "ID", categories=(PUBLIC, GOVERNMENT), years=[today.year, today.year + 1]
    )
    holiday = min(d for d in names if d > today and d.weekday() < 5)
    with pytest.raises(InvalidInput) as on_holiday:
        _book(setup, holiday) if (holiday - today).days <= 60 else booking_create(
            actor=None,
            data=BookingInput(service_id=setup.ktp.pk, day=holiday, phone=PHONE, nik=NIK),
        )
    assert on_holiday.value.code in ("queues.holiday", "queues.too_far")
    with pytest.raises(InvalidInput) as past:
        _book(setup, today, slot="00:00")
    assert past.value.code == "queues.past_slot"
    with pytest.raises(InvalidInput):
        _book(setup, today - timedelta(days=1))
    day = next_working_day(today)
    _book(setup, day)
    with pytest.raises(Conflict) as twice:
        _book(setup, day, slot="10:00")
    assert twice.value.code == "queues.already_booked"
    for nik in ("3214014107950003", "3214014107950004", "3214014107950005"):
        _book(setup, day, nik=nik, service=setup.cetak)
    with pytest.raises(Conflict) as full:
        _book(setup, day, nik=NIK2, service=setup.cetak)
    assert full.value.code == "queues.full"
    assert Booking.objects.count() == 4
    # The page shows the refusal in Indonesian, on the form.
    page = client.post(
        f"/antrean/pesan/{setup.office.pk}/",
        {"service": setup.ktp.pk, "day": saturday.isoformat(), "slot": "09:00", "nik": NIK2, "phone": PHONE},
    )
    assert page.status_code == 422 and "tutup" in page.content.decode()


def test_an_unknown_booking_code_at_the_kiosk(setup, client):
    token = kiosk_token(setup.office)
    page = client.post(f"/antrean/kios/{token}/", {"action": "checkin", "code": "ZZZZZZ"})
    assert page.status_code == 422
    assert "ZZZZZZ" in page.content.decode() and 'data-testid="kiosk-error"' in page.content.decode()
    assert not Ticket.objects.exists()


# --- SMS -----------------------------------------------------------------------------------------


def _sms(text: str) -> str:
    from warga.messaging.services import sms_incoming_handle

    incoming = sms_incoming_receive(sender=PHONE, text=text, gateway="simulator")
    sms_incoming_handle(incoming_id=incoming.pk)  # what the task does once the SMS is stored
    incoming.refresh_from_db()
    return incoming.reply.text if incoming.reply else ""


def test_antri_books_by_sms_and_answers_mistakes(setup, settings):
    settings.SMS_INCOMING_LIMIT = 100
    day = next_working_day(timezone.localdate())
    assert "Layanan: CETAK, KTP." in _sms("ANTRI")
    unknown = _sms(f"ANTRI KTPP {day:%d-%m-%Y}")
    assert "KTPP" in unknown and "KTP" in unknown and not Booking.objects.exists()
    unclear = _sms("ANTRI KTP 31-02-2027")
    assert "31-02-2027" in unclear and not Booking.objects.exists()
    reply = _sms(f"antri ktp {day:%d-%m-%Y}")
    booking = Booking.objects.get()
    assert booking.code in reply and booking.channel == "sms" and booking.phone == MSISDN
    again = _sms(f"ANTRI KTP {day:%d/%m/%Y}")
    assert "sudah" in again.lower() or "already" in again.lower()
    assert Booking.objects.count() == 1


# --- Statistics ---------------------------------------------------------------------------------


def test_statistics_page_and_api(setup, cast, client_for):
    for _ in range(3):
        ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)
    counter_finish(actor=setup.operator, counter_id=setup.counter1.pk)
    counter_call_next(actor=setup.operator, counter_id=setup.counter1.pk)
    counter_skip(actor=setup.operator, counter_id=setup.counter1.pk)
    page = client_for(cast.head).get(f"/antrean/statistik/?office={setup.office.pk}")
    assert page.status_code == 200
    stats = page.context["stats"]
    row = stats["per_service"][0]
    assert (row["issued"], row["served"], row["skipped"]) == (3, 1, 1)
    assert stats["ticket_no_shows"] == 1 and stats["per_day"][0]["served"] == 1
    api = client_for(cast.head).get(f"/api/v1/queues/offices/{setup.office.pk}/stats")
    assert api.status_code == 200 and api.json()["per_service"][0]["issued"] == 3
