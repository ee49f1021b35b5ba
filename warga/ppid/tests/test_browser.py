"""The information service end to end in a real browser: a resident asks the kecamatan for health
data on the public form, its PPID pembantu forwards it to Dinkes, Dinkes's pembantu answers
(granted, with a PDF) within the clock, and the requester follows the request by its number and
downloads the answer; a second request is refused, the requester objects, the atasan PPID
decides; the annual report counts both. Only the officers and units are set up in code."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "081200007001"


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, text)
    return bytes(pdf.output())


def _ask(page, unit, information: str) -> str:
    """The resident files on the public form; returns the registration number shown."""
    page.goto("/ppid/")
    page.select_option("select[name=requester_kind]", "person")
    page.fill("input[name=name]", "Siti Rahmawati")
    page.fill("input[name=nik]", "3214011203860001")
    page.fill("input[name=address]", "Jl. Merdeka 5")
    page.fill("input[name=phone]", PHONE)
    page.select_option("select[name=unit]", str(unit.pk))
    page.fill("textarea[name=information]", information)
    page.fill("textarea[name=purpose]", "Penelitian skripsi.")
    page.select_option("select[name=access_mode]", "copy")
    page.select_option("select[name=copy_form]", "soft")
    page.select_option("select[name=delivery]", "download")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/ppid/terkirim/")
    return page.inner_text("[data-testid=number]").strip()


def _open(page, number: str) -> None:
    """From the officer's list to the request's page."""
    page.goto("/ppid/requests/")
    page.click(f"[data-testid=request] a:text-is('{number}')")
    page.wait_for_selector("[data-testid=held-by]")


def _sign_out(page) -> None:
    page.context.clear_cookies()


def _track(page, number: str) -> None:
    page.goto("/ppid/lacak/")
    tracker = page.locator("main form").first
    tracker.locator("input[name=number]").fill(number)
    tracker.locator("input[name=contact]").fill(PHONE)
    tracker.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=status]")


def _request(number: str):
    from warga.core.scoping import unscoped
    from warga.ppid.models import InformationRequest

    with unscoped("test"):
        return InformationRequest.objects.select_related("holding_unit").get(number=number)


def test_forwarded_answered_downloaded_refused_objected_and_counted(page, live_server, people, login):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from warga.core.scoping import unscoped
    from warga.ppid.models import Objection, ObjectionStatus

    # 1. The resident asks the kecamatan for health data.
    health = _ask(page, people.kec_unit, "Data balita gizi buruk per desa tahun 2025.")
    assert health.startswith("PPID/")
    assert _request(health).holding_unit == people.kec_unit

    # 2. The kecamatan's pembantu forwards it to Dinkes.
    login(people.kec)
    _open(page, health)
    forward = page.locator("[data-testid=action-forward]")
    forward.locator("select[name=unit]").select_option(str(people.dinkes_unit.pk))
    forward.locator("textarea[name=note]").fill("Data gizi dikuasai Dinas Kesehatan.")
    forward.locator("button[type=submit]").click()
    page.wait_for_url("**/ppid/requests/")
    assert page.locator("[data-testid=request]", has_text=health).count() == 0  # no longer held here
    assert _request(health).holding_unit == people.dinkes_unit
    _sign_out(page)

    # 3. Dinkes's pembantu attaches the PDF and grants it, within the clock.
    login(people.dinkes)
    _open(page, health)
    attach = page.locator("form[action$='/documents/']")
    attach.locator("input[name=name]").fill("Rekap gizi balita 2025")
    attach.locator("input[name=file]").set_input_files(
        files=[{"name": "rekap.pdf", "mimeType": "application/pdf", "buffer": _pdf("Rekap gizi balita 2025")}]
    )
    attach.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=documents] a")
    decide = page.locator("[data-testid=action-decide]")
    decide.locator("select[name=outcome]").select_option("granted")
    decide.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=action-deliver]")
    granted = _request(health)
    assert granted.outcome == "granted" and granted.decided_on <= granted.due_on
    _sign_out(page)

    # 4. The requester follows it by number and downloads the answer.
    _track(page, health)
    assert people.dinkes_unit.name in page.inner_text("[data-testid=held-by]")
    link = page.locator("[data-testid=links] a", has_text="Rekap gizi balita 2025")
    href = link.get_attribute("href")
    assert href and "/ppid/unduh/" in href
    try:
        with page.expect_download(timeout=10_000) as download:
            link.click()
        with open(download.value.path(), "rb") as handle:
            content = handle.read()
    except PlaywrightTimeout:  # a browser with a PDF viewer shows it: the same bytes, same cookies
        content = page.request.get(href).body()
    assert content.startswith(b"%PDF-")

    # 5. A second request, refused at the kecamatan (personal secrets, art. 17 h).
    refused = _ask(page, people.kec_unit, "Data pribadi penerima bansos di RT 02.")
    login(people.kec)
    _open(page, refused)
    decide = page.locator("[data-testid=action-decide]")
    decide.locator("select[name=outcome]").select_option("refused")
    decide.locator("select[name=exemption_ground]").select_option("h")
    decide.locator("input[name=consequence_test]").fill("UK-PPID/2026/004")
    decide.locator("textarea[name=note]").fill("Memuat data pribadi.")
    decide.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=action-decide]", state="detached")
    assert _request(refused).outcome == "refused"
    _sign_out(page)

    # 6. The requester objects on the tracking page.
    _track(page, refused)
    objecting = page.locator("form[action$='/ppid/keberatan/']")
    objecting.locator("select[name=ground]").select_option("refused")
    objecting.locator("textarea[name=reason]").fill("Saya hanya meminta jumlah penerimanya.")
    objecting.locator("button[type=submit]").click()
    page.wait_for_url("**/ppid/keberatan/")
    assert refused in page.inner_text("main")

    # 7. The atasan PPID dismisses it.
    login(people.atasan)
    page.goto("/ppid/objections/")
    page.click(f"[data-testid=objection] a:text-is('{refused}')")
    answer = page.locator("form[action$='/decide/']")
    answer.locator("select[name=upheld]").select_option("0")
    answer.locator("textarea[name=answer]").fill(
        "Pengecualian telah diuji; data pribadi tidak dapat diberikan."
    )
    answer.locator("button[type=submit]").click()
    page.wait_for_selector("form[action$='/decide/']", state="detached")
    with unscoped("test"):
        assert Objection.objects.get(request__number=refused).status == ObjectionStatus.DISMISSED

    # 8. The annual report counts both, and the answered objection.
    page.goto("/ppid/report/")
    quarter = str(1 + (timezone.localdate().month - 1) // 3)
    page.select_option("select[name=quarter]", quarter)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**quarter={quarter}**")
    assert page.inner_text("[data-testid=total-received]") == "2"
    assert page.inner_text("[data-testid=total-objections]") == "1"
    total = page.inner_text("[data-testid=total]").split()
    assert total[:4] == ["Jumlah", "2", "1", "0"]  # received, granted, partly
    units = page.inner_text("[data-testid=units]")
    assert people.dinkes_unit.name in units and people.kec_unit.name in units
    body = page.inner_text("main")
    assert "Siti" not in body and health not in body and refused not in body
    assert page.locator("canvas#chart-outcomes").count() == 1
