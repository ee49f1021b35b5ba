"""Jombang's flow end to end in a browser: online birth application with scans → kecamatan
verifies → Disdukcapil approves → the baby is on the family card → the kecamatan hands over."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from warga.applications.models import Application
from warga.messaging.models import SmsMessage

from .conftest import birth_data, jpeg_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, app_id: int, action: str, **fields: str) -> None:
    page.goto(f"/applications/{app_id}/")
    form = page.locator(f"form:has(button[data-action='{action}'])")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(f"button[data-action='{action}']").click()
    # The answer comes back to this same address: wait for its message, not for the page leaving.
    page.get_by_role("alert").first.wait_for()
    assert page.locator(".alert-success").count() >= 1, page.content()[:3000]


def switch_user(page, login, user) -> None:
    page.context.clear_cookies()
    login(user)


def test_online_birth_application_end_to_end(page, login, cast, flow, tmp_path):
    household = flow.household
    skl = tmp_path / "surat-lahir.jpg"
    skl.write_bytes(jpeg_bytes((1600, 1200)))
    kk = tmp_path / "kk.png"
    kk.write_bytes(png_bytes())

    # 1. The resident applies online, on a phone, with scans.
    page.goto("/applications/apply/")
    page.get_by_role("link", name=re.compile("Akta kelahiran")).click()
    page.wait_for_url(re.compile(r"/applications/apply/[\w-]+/$"))
    page.fill("input[name=applicant_nik]", household.head.nik)
    page.fill("input[name=phone]", "0812 3456 7890")
    for name, value in birth_data(household).items():
        selector = f"[name=d-{name}]"
        if page.locator(f"select{selector}").count():
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.set_input_files("input[name=doc-skl]", str(skl))
    page.set_input_files("input[name=doc-kk]", str(kk))
    page.get_by_role("button", name="Kirim permohonan").click()
    code = page.locator("#tracking-code").inner_text().strip()
    app = Application.objects.get(tracking_code=code)
    assert app.status == "submitted" and app.attachments.count() == 2

    # 2. The kecamatan verifier checks the scans and verifies; the counter sends the day's files.
    switch_user(page, login, cast.kec_verifier)
    act(page, app.pk, "verify")
    switch_user(page, login, cast.kec_officer)
    page.goto("/applications/")
    page.get_by_role("button", name=re.compile("Kirim 1 berkas terverifikasi")).click()
    expect(page.locator(".alert-success")).to_have_count(1)

    # 3. The Disdukcapil takes the file, approves it, issues the akta and sends it back.
    switch_user(page, login, cast.dukcapil)
    act(page, app.pk, "claim")
    act(page, app.pk, "approve")
    app.refresh_from_db()
    child_id = app.effect_result["resident_id"]
    # The baby appears in the family card (the registry's family page).
    page.goto(f"/registry/families/{household.family.pk}/")
    assert "Putri Ayu Lestari" in page.content()
    act(page, app.pk, "issue")
    page.goto("/applications/")
    page.get_by_role("button", name=re.compile("Kirim 1 dokumen terbit")).click()
    expect(page.locator(".alert-success")).to_have_count(1)  # sent before the cookies go

    # 4. The kecamatan receives the batch and hands the akta over.
    switch_user(page, login, cast.kec_officer)
    page.goto("/applications/")
    page.get_by_role("button", name="Terima kiriman").click()
    expect(page.locator(".alert-success")).to_have_count(1)
    act(page, app.pk, "hand_over", handed_to="Budi Santoso", proof="KTP-el ditunjukkan")
    app.refresh_from_db()
    assert app.status == "handed_over" and child_id

    # 5. The public tracking page shows each step; the SMS outbox holds the notices.
    page.context.clear_cookies()
    page.goto("/applications/track/")
    page.fill("input[name=code]", code.lower())
    page.get_by_role("button", name="Lacak").click()
    page.wait_for_url(f"**/applications/track/{code}/")
    steps = page.locator("#track-steps li").all_inner_texts()
    labels = [s.split("\n")[0] for s in steps]
    for expected in (
        "Permohonan diterima",
        "Diverifikasi kecamatan",
        "Dikirim ke Disdukcapil",
        "Mulai diperiksa di Disdukcapil",
        "Disetujui",
        "Dokumen diterbitkan",
        "Dikirim ke kecamatan",
        "Siap diambil di kecamatan",
        "Sudah diserahkan",
    ):
        assert any(expected in label for label in labels), (expected, labels)
    assert "B*** S******" in page.content() and household.head.nik not in page.content()
    texts = list(
        SmsMessage.objects.filter(to__endswith="81234567890").order_by("id").values_list("text", flat=True)
    )
    assert len(texts) == 3
    assert "diterima" in texts[0] and "disetujui" in texts[1] and "siap diambil" in texts[2]
    assert all(code in t for t in texts)
