"""The whole loop in a real browser on a phone (375×740): a resident reports a power cut with a
photo from the portal, it goes to PLN, PLN acknowledges and closes it through the link it got by
e-mail, the resident gets the SMS and rates it; and a confidential complaint never shows its
reporter to the unit it is assigned to (page, API, link)."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"/lapor/tautan/[A-Za-z0-9_-]+/")
PHONE = "081200000123"
MSISDN = "+6281200000123"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), "orange").save(out, "JPEG")
    return out.getvalue()


def _setup(cast):
    from warga.core.permissions import Role
    from warga.org.models import Unit
    from warga.reports.services import routing_rules_seed

    from .conftest import _user

    routing_rules_seed()
    Unit.objects.filter(code="pln").update(phone="081299900001", email="gangguan@pln.example")
    handler = _user("handler", Role.COMPLAINT_HANDLER, "diskominfo", cast.kabupaten)
    pln_staff = _user("pln_staff", Role.AGENCY_STAFF, "pln", cast.kabupaten)
    return handler, pln_staff, Unit.objects.get(code="pln")


def _file_from_portal(page, cast, text, *, confidential=False, kind="laporan"):
    page.goto("/")
    page.click("a[href='/lapor/']")
    page.wait_for_url("**/lapor/")
    page.select_option("select[name=kind]", kind)
    page.select_option("select[name=desa]", cast.desa.code)
    page.fill("textarea[name=text]", text)
    page.fill("input[name=name]", "Wati Pelapor")
    page.fill("input[name=phone]", PHONE)
    if confidential:
        page.check("input[name=confidential]")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "padam.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    page.click("form button[type=submit]")
    page.wait_for_url("**/lapor/terkirim/")
    return page.inner_text("[data-testid=code]").strip()


def _case(code):
    from warga.core.scoping import unscoped
    from warga.reports.models import Case

    with unscoped("test"):
        return Case.objects.select_related("routed_unit").get(tracking_code=code)


def test_power_cut_from_the_portal_to_pln_and_back_to_the_resident(page, live_server, cast, login):
    import time

    from warga.core.scoping import unscoped
    from warga.messaging.models import SmsMessage
    from warga.reports.models import CasePhoto, CaseStatus

    handler, _pln_staff, pln = _setup(cast)
    page.set_viewport_size({"width": 375, "height": 740})
    code = _file_from_portal(page, cast, "Listrik padam sejak tadi malam di RT 03")
    case = _case(code)
    assert case.routed_unit == pln and case.category == "listrik_padam"
    with unscoped("test"):
        assert CasePhoto.objects.filter(case=case).count() == 1
    mail.outbox.clear()
    # The complaint handler accepts it on the case page, on a phone: it goes to PLN.
    login(handler)
    page.goto(f"/reports/{case.pk}/")
    assert "PLN" in page.inner_text("body")  # why it went where it went
    page.click("button[name=action][value=accept]")
    # The answer comes back to this same address: wait for its message.
    expect(page.get_by_role("alert").filter(has_text="Selesai: status aduan sekarang")).to_be_visible()
    for _ in range(100):  # the notice leaves after the commit, in the server's thread
        if mail.outbox:
            break
        time.sleep(0.05)
    assert _case(code).status == CaseStatus.ASSIGNED
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["gangguan@pln.example"]
    page.context.clear_cookies()  # from here on, PLN without an account
    link = LINK.search(mail.outbox[0].body).group(0)
    assert SmsMessage.objects.filter(to="+6281299900001", text__contains=link).exists()

    # PLN, without an account, on its phone.
    page.goto(link)
    assert page.locator("nav").count() == 0
    assert "Wati Pelapor" in page.inner_text("[data-testid=reporter]")
    page.click("button[value=acknowledge]")
    page.wait_for_selector("[role=status]")
    page.fill("textarea[name=note]", "Gardu diperbaiki, listrik sudah menyala pukul 09.00.")
    assert page.is_checked("input[name=close]")
    page.click("button[value=answer]")
    page.wait_for_selector("[data-testid=done]")
    case = _case(code)
    assert case.status == CaseStatus.CLOSED and case.acknowledged_at is not None
    assert page.goto(link).status == 404

    # The resident got the SMS and rates it on the tracking page.
    closed = SmsMessage.objects.filter(to=MSISDN, text__contains=code).order_by("pk").last()
    assert closed is not None and "ditutup" in closed.text
    page.goto("/lapor/lacak/")
    page.fill("input[name=code]", code)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=status]")
    assert "Gardu diperbaiki" in page.inner_text("[data-testid=status]")
    page.fill("input[name=phone]", PHONE)
    page.select_option("select[name=rating]", "5")
    page.fill("textarea[name=note]", "Cepat, terima kasih")
    page.click("button[value=rate]")
    # The status card is on the page already: wait for the one that shows the rating.
    expect(page.locator("[data-testid=status]")).to_contain_text("Penilaian Anda: 5/5")
    assert _case(code).rating == 5
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 375


def test_a_confidential_complaint_never_shows_its_reporter_to_the_unit(page, live_server, cast, login):
    from warga.core.scoping import Actor
    from warga.reports.services import case_transition

    handler, pln_staff, pln = _setup(cast)
    page.set_viewport_size({"width": 375, "height": 740})
    code = _file_from_portal(
        page, cast, "Petugas loket meminta uang untuk sambungan baru", confidential=True, kind="pengaduan"
    )
    case = _case(code)
    assert case.confidential and case.reporter_name == "Wati Pelapor"
    mail.outbox.clear()
    case_transition(actor=Actor.for_user(handler), case_id=case.pk, action="accept", unit_id=pln.pk)
    link = LINK.search(mail.outbox[0].body).group(0)
    page.goto(link)
    content = page.content()
    assert "Wati" not in content and PHONE not in content and MSISDN not in content
    login(pln_staff)
    page.goto(f"/reports/{case.pk}/")
    reporter = page.inner_text("[data-testid=reporter]")
    assert "Wati" not in reporter and "Wati" not in page.content() and PHONE[1:] not in page.content()
    detail = page.request.get(f"/api/v1/reports/{case.pk}")
    assert detail.status == 200 and detail.json()["reporter"] is None
    listing = page.request.get("/api/v1/reports/?mine=true")
    assert "Wati" not in listing.text() and PHONE[1:] not in listing.text()
