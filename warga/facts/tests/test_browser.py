"""The dashboards in a real browser: the bupati drills down from the kabupaten to a desa and
exports the table; the Dinkes head sees sickness reports per desa and nobody's data; the public
indicators on a phone (no sideways scrolling, no serious accessibility problem)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from warga.core.tests.test_accessibility import _context, _login, _problems
from warga.facts.models import Fact
from warga.facts.selectors import STORED_RANGE_CACHE_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month(cast):
    today = timezone.localdate()
    rows = []
    for offset in range(30):
        day = today - timedelta(days=offset)
        for code, n in ((cast.desa.code, 3), (cast.other_desa.code, 1)):
            rows.append(
                Fact(metric="cases.received.sakit", region_id=code, kecamatan_id=code[:8], day=day, value=n)
            )
        rows.append(
            Fact(
                metric="applications.on_time",
                region_id=cast.kecamatan.code,
                kecamatan_id=cast.kecamatan.code,
                day=day,
                part="akta-lahir",
                value=4,
                denominator=5,
            )
        )
    Fact.objects.bulk_create(rows)
    cache.delete(STORED_RANGE_CACHE_KEY)  # written here, not through the services that forget it


def test_the_bupati_drills_down_to_a_desa_and_exports_the_table(browser, live_server, cast, heads, month):
    context = _context(browser, live_server, 1366, 900)
    try:
        page = context.new_page()
        page.set_default_navigation_timeout(90_000)  # a shared machine: the first page can be slow
        _login(page, heads.bupati)
        page.goto("/")
        assert page.locator("canvas[data-chart=home-1]").count() == 1  # charts, not a list of links
        page.goto("/facts/?metric=cases.received.sakit")
        problems = _problems(page, "", 1366, visit=False)
        page.click(f"#facts-table a:has-text('{cast.kecamatan.name}')")
        page.wait_for_url(f"**area={cast.kecamatan.code}**")
        page.click(f"#facts-table a:has-text('{cast.desa.name}')")
        page.wait_for_url(f"**area={cast.desa.code}**")
        assert page.inner_text("#facts-total").strip() == "90"
        assert cast.kecamatan.name in page.inner_text("#facts-crumbs")
        with page.expect_download() as download_info:
            page.click("#export-csv")
        text = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
        assert f"{cast.desa.code},{cast.desa.display_name},90.0,90" in text
        with page.expect_download() as download_info:
            page.click("#export-xlsx")
        assert download_info.value.suggested_filename.endswith(".xlsx")
    finally:
        context.close()
    assert problems == []


def test_the_dinkes_head_sees_sickness_reports_per_desa_and_no_person(
    browser, live_server, cast, heads, month
):
    from warga.reports.services import case_file

    case_file(actor=None, text="Demam berdarah tetangga", channel="web", category="sakit", desa=cast.desa)
    context = _context(browser, live_server, 1366, 900)
    try:
        page = context.new_page()
        page.set_default_navigation_timeout(90_000)  # a shared machine: the first page can be slow
        _login(page, heads.kadinkes)
        page.goto(f"/facts/?metric=cases.received.sakit&area={cast.kecamatan.code}")
        table = page.inner_text("#facts-table")
        # 29 days of 3, and today's one report (the filing refreshed today's fact from the cases).
        assert f"{cast.desa.name}\t88" in table
        options = page.locator("#f-metric option").all_inner_texts()
        assert "Laporan diterima: sakit" in " ".join(options)
        assert not any("Permohonan" in option for option in options)  # not the Disdukcapil's
        assert "Demam berdarah" not in page.content()
        page.goto("/reports/")  # the cases themselves stay out of reach
        assert "Demam berdarah" not in page.content()
    finally:
        context.close()


def test_public_indicators_on_a_phone(browser, live_server, cast, month):
    context = _context(browser, live_server, 375, 740)
    try:
        page = context.new_page()
        page.set_default_navigation_timeout(90_000)  # a shared machine: the first page can be slow
        problems = _problems(page, "/facts/indikator/", 375)
        assert "80,0 %" in page.inner_text("main")
    finally:
        context.close()
    assert problems == []
