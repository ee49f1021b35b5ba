"""The whole visit in a real browser: a resident books by SMS (through the gateway's incoming
callback, the path a real SMS takes), checks in at the kiosk with the code, is called on the call
screen (shown and announced), and the counter officer opens the resident's application from the
ticket and finishes it."""

from __future__ import annotations

import re
import time

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "081234500077"
MSISDN = "+6281234500077"
SECRET = "queue-test-secret"


def _resident_with_application(cast):
    from warga.applications.catalogue import ensure_default_services
    from warga.applications.models import Application, Service
    from warga.org.models import Unit, UnitKind
    from warga.registry.models import Phone, Resident

    ensure_default_services()
    resident = Resident.objects.create(
        nik="3214011203860077",
        full_name="Wati Antre",
        birth_date=timezone.localdate().replace(year=1986, month=3, day=12),
        sex="F",
        desa=cast.desa,
        rw=1,
        rt=1,
    )
    Phone.objects.create(resident=resident, number=MSISDN, verified_at=timezone.now())
    application = Application.objects.create(
        tracking_code="QTEST7",
        service=Service.objects.order_by("pk").first(),
        channel="counter",
        office=Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan),
        kecamatan=cast.kecamatan,
        status="submitted",
        applicant=resident,
        applicant_nik=resident.nik,
        applicant_name=resident.full_name,
    )
    return resident, application


def _wait(predicate, seconds: float = 60.0, what=lambda: ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out: {what()}")


def test_sms_booking_kiosk_call_screen_counter_and_application(
    page, browser, live_server, setup, cast, settings
):
    from conftest import PASSWORD
    from warga.core.scoping import unscoped
    from warga.messaging.models import SmsMessage
    from warga.queues.models import Ticket, TicketStatus
    from warga.queues.selectors import kiosk_token

    settings.KANNEL_CALLBACK_SECRET = SECRET
    settings.KANNEL_CALLBACK_ALLOWED_IPS = None
    _resident, application = _resident_with_application(cast)

    # 1. The resident books by SMS: the gateway hands the SMS over; the reply carries the code.
    today = timezone.localdate()
    answer = page.request.post(
        "/api/v1/sms/kannel/incoming",
        form={"secret": SECRET, "from": PHONE, "text": f"ANTRI KTP {today:%d-%m-%Y}", "id": "sms-1"},
        timeout=90_000,
    )
    assert answer.status == 200, answer.text()
    reply = _wait(
        lambda: SmsMessage.objects.filter(to=MSISDN, text__contains="Kode antrean").first(),
        what=lambda: (
            f"the booking code by SMS; sent: {list(SmsMessage.objects.values_list('text', flat=True))}"
        ),
    )
    code = re.search(r"Kode antrean ([A-Z0-9]{6})", reply.text).group(1)

    # 2. At the office, on the kiosk: the code gives a booked ticket.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"/antrean/kios/{kiosk_token(setup.office)}/")
    page.fill("[data-testid=booking-code]", code.lower())
    page.click("[data-testid=check-in]")
    page.wait_for_selector("[data-testid=ticket-code]")
    ticket_code = page.inner_text("[data-testid=ticket-code]").strip()
    assert ticket_code == "A-001"
    assert "Dipesan" in page.inner_text(".slip")

    # 3. The call screen on the TV.
    screen = browser.new_context(base_url=live_server.url, locale="id-ID").new_page()
    screen.goto(f"/antrean/layar/{setup.office.pk}/")
    screen.wait_for_function("() => document.querySelectorAll('#counters .counter').length === 2")
    time.sleep(3.5)  # the screen has read its first feed: what is called from now on is announced

    # 4. The counter officer calls next, with htmx (no reload).
    officer = browser.new_context(base_url=live_server.url, locale="id-ID").new_page()
    officer.goto("/login/")
    officer.fill("input[name=username]", cast.kec_officer.username)
    officer.fill("input[name=password]", PASSWORD)
    officer.click("button[type=submit]")
    officer.wait_for_url(lambda url: "/login/" not in url)
    officer.goto(f"/antrean/loket/{setup.counter1.pk}/")
    officer.click("[data-testid=call-next]")
    officer.wait_for_function(
        "() => document.querySelector('[data-testid=current]').textContent.trim() === 'A-001'"
    )

    # 5. The screen shows it at counter 1 and announces it in Indonesian.
    screen.wait_for_function(
        "() => [...document.querySelectorAll('#counters .counter')].some(c => c.dataset.counter === '1' "
        "&& c.querySelector('.ticket').textContent === 'A-001')",
        timeout=15_000,
    )
    screen.wait_for_function("() => window.queueAnnouncements.length > 0", timeout=15_000)
    spoken = screen.evaluate("window.queueAnnouncements[0]")
    assert spoken == "Nomor antrean A nol nol satu, silakan ke loket satu"

    # 6. From the ticket the officer opens the resident's application, then finishes the ticket.
    link = officer.locator("[data-testid=ticket-link]", has_text=application.tracking_code)
    link.click()
    officer.wait_for_url(f"**/applications/{application.pk}/")
    assert application.tracking_code in officer.inner_text("body")
    officer.go_back()
    officer.click("[data-testid=finish]")
    officer.wait_for_function(
        "() => document.querySelector('[data-testid=current]').textContent.trim() === '—'"
    )
    with unscoped("test"):
        ticket = Ticket.objects.get(code="A-001")
    assert ticket.status == TicketStatus.DONE and ticket.booked and ticket.resident_id == _resident.pk

    # 7. A network cut: the screen keeps the last calls and says it is reconnecting, then recovers.
    screen.context.set_offline(True)
    screen.wait_for_function(
        "() => document.getElementById('screen').dataset.offline === 'true'", timeout=15_000
    )
    assert "A-001" in screen.inner_text("#recent")
    screen.context.set_offline(False)
    screen.wait_for_function("() => !document.getElementById('screen').dataset.offline", timeout=40_000)
    screen.context.close()
    officer.context.close()
