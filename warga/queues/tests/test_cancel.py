"""A booking cancelled by its resident (on the web with the code and the phone, or by SMS with
BATAL <code>) or by an officer of the office: the place is free again, an SMS confirms it, an
audit row records it, and the refusals are clear, in Indonesian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, InvalidInput
from warga.messaging.keywords import keyword_guide
from warga.messaging.models import SmsMessage
from warga.messaging.services import sms_incoming_handle, sms_incoming_receive
from warga.queues.models import Booking, BookingStatus
from warga.queues.services import BookingInput, booking_cancel, booking_check_in, booking_create

from .conftest import NIK, NIK2, next_working_day

pytestmark = pytest.mark.django_db
PHONE = "081234500001"
MSISDN = "+6281234500001"


def _book(setup, day, *, nik=NIK, phone=PHONE, service=None, slot=None) -> Booking:
    return booking_create(
        actor=None,
        data=BookingInput(
            service_id=(service or setup.cetak).pk, day=day, phone=phone, nik=nik, slot_start=slot
        ),
    )


def _sms(text: str, sender: str = PHONE) -> str:
    incoming = sms_incoming_receive(sender=sender, text=text, gateway="simulator")
    sms_incoming_handle(incoming_id=incoming.pk)
    incoming.refresh_from_db()
    return incoming.reply.text if incoming.reply else ""


def test_a_resident_cancels_on_the_web_and_the_place_is_free_again(setup, client):
    day = next_working_day(timezone.localdate())
    kept = [_book(setup, day, nik=f"321401410795000{i}", phone=f"08123450009{i}") for i in range(2)]
    booking = _book(setup, day)  # the third of three places (CETAK: 3 a day)
    with pytest.raises(Conflict):
        _book(setup, day, nik=NIK2, phone="081234500002")
    page = client.get("/antrean/batal/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    done = client.post("/antrean/batal/", {"code": booking.code.lower(), "phone": "0812-3450-0001"})
    assert done.status_code == 200 and 'data-testid="cancelled"' in done.content.decode()
    assert booking.code in done.content.decode() and "dibatalkan" in done.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert all(Booking.objects.get(pk=b.pk).status == BookingStatus.BOOKED for b in kept)
    confirmation = SmsMessage.objects.filter(to=MSISDN, text__contains="dibatalkan").get()
    assert booking.code in confirmation.text
    audit = AuditLog.objects.get(action="queues.booking.cancel", object_id=str(booking.pk))
    assert audit.summary["channel"] == "web" and audit.actor_id is None
    # The place is free: another resident books it; the first may book again too.
    assert _book(setup, day, nik=NIK2, phone="081234500002").status == BookingStatus.BOOKED


def test_web_refusals_are_clear_and_change_nothing(setup, client):
    day = next_working_day(timezone.localdate())
    booking = _book(setup, day)
    unknown = client.post("/antrean/batal/", {"code": "ZZZZZZ", "phone": PHONE})
    assert unknown.status_code == 422 and "Tidak ada pemesanan dengan kode ZZZZZZ" in unknown.content.decode()
    wrong = client.post("/antrean/batal/", {"code": booking.code, "phone": "081299990000"})
    assert wrong.status_code == 422 and "nomor HP lain" in wrong.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED
    booking_cancel(actor=None, code=booking.code, phone=PHONE)
    again = client.post("/antrean/batal/", {"code": booking.code, "phone": PHONE})
    assert again.status_code == 409 and "sudah dibatalkan" in again.content.decode()
    assert SmsMessage.objects.filter(to=MSISDN, text__contains="dibatalkan").count() == 1


def test_a_checked_in_or_past_booking_cannot_be_cancelled(setup, open_today):
    now = timezone.now()
    here = Booking.objects.create(
        code="HADIRA",
        service=setup.ktp,
        day=open_today,
        slot_start=now - timedelta(minutes=5),
        slot_end=now + timedelta(minutes=25),
        holder=NIK,
        nik=NIK,
        phone=MSISDN,
        channel="web",
    )
    booking_check_in(office=setup.office, code="HADIRA")
    with pytest.raises(Conflict) as checked_in:
        booking_cancel(actor=None, code="hadira", phone=PHONE)
    assert checked_in.value.code == "queues.checked_in" and "lapor hadir" in checked_in.value.message
    past = Booking.objects.create(
        code="LEWATA",
        service=setup.ktp,
        day=open_today,
        slot_start=now - timedelta(hours=2),
        slot_end=now - timedelta(hours=1, minutes=30),
        holder=NIK2,
        nik=NIK2,
        phone=MSISDN,
        channel="web",
    )
    with pytest.raises(Conflict) as passed:
        booking_cancel(actor=None, code="LEWATA", phone=PHONE)
    assert passed.value.code == "queues.cancel_past" and "sudah lewat" in passed.value.message
    with pytest.raises(InvalidInput) as no_code:
        booking_cancel(actor=None, code=" ", phone=PHONE)
    assert no_code.value.code == "queues.code"
    assert Booking.objects.get(pk=here.pk).status == BookingStatus.CHECKED_IN
    assert Booking.objects.get(pk=past.pk).status == BookingStatus.BOOKED


def test_batal_by_sms_from_the_number_that_booked(setup, settings):
    settings.SMS_INCOMING_LIMIT = 100
    day = next_working_day(timezone.localdate())
    booking = _book(setup, day)
    assert "BATAL ACD347" in _sms("BATAL")
    assert "ZZZZZZ" in _sms("BATAL ZZZZZZ")
    other = _sms(f"BATAL {booking.code}", sender="081299990000")
    assert "nomor HP lain" in other and "kirim BATAL dari nomor itu" in other
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED
    reply = _sms(f"batal {booking.code[:3].lower()} {booking.code[3:]}")
    assert booking.code in reply and "dibatalkan" in reply
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    audit = AuditLog.objects.get(action="queues.booking.cancel", object_id=str(booking.pk))
    assert audit.summary["channel"] == "sms"
    # The confirmation is the reply itself: one SMS, not two.
    assert SmsMessage.objects.filter(to=MSISDN, text__contains="dibatalkan").count() == 1
    assert "sudah dibatalkan" in _sms(f"BATAL {booking.code}")


def test_the_booking_sms_says_how_to_cancel_and_the_guide_lists_batal_after_antri(setup):
    booking = _book(setup, next_working_day(timezone.localdate()))
    sent = SmsMessage.objects.get(to=MSISDN, text__contains=booking.code)
    assert f"BATAL {booking.code}" in sent.text
    listed = [g.keyword for g in keyword_guide()]
    assert listed.index("BATAL") == listed.index("ANTRI") + 1
    assert len({g.order for g in keyword_guide()}) == len(listed)  # no two keywords share a place


def test_an_officer_cancels_from_the_office_page(setup, cast, client_for):
    day = next_working_day(timezone.localdate())
    booking = _book(setup, day)
    officer = client_for(cast.kec_officer)
    page = officer.get(f"/antrean/kantor/{setup.office.pk}/").content.decode()
    assert f'data-testid="cancel-{booking.code}"' in page and "…0001" in page
    assert MSISDN not in page
    # Another office's officer cannot reach it (the office is outside their area).
    outsider = client_for(cast.outsider)
    assert (
        outsider.post(f"/antrean/kantor/{setup.office.pk}/batal/", {"code": booking.code}).status_code == 404
    )
    done = officer.post(f"/antrean/kantor/{setup.office.pk}/batal/", {"code": booking.code}, follow=True)
    assert done.status_code == 200 and f"Pemesanan {booking.code} dibatalkan" in done.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    audit = AuditLog.objects.get(action="queues.booking.cancel", object_id=str(booking.pk))
    assert audit.summary["channel"] == "desk" and audit.actor_id == cast.kec_officer.pk
    assert SmsMessage.objects.filter(to=MSISDN, text__contains="dibatalkan").exists()
    assert f'data-testid="cancel-{booking.code}"' not in done.content.decode()
    unknown = officer.post(f"/antrean/kantor/{setup.office.pk}/batal/", {"code": "ZZZZZZ"}, follow=True)
    assert "ZZZZZZ" in unknown.content.decode()
