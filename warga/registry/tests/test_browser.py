"""In a 360 px wide browser: find a resident by a spelling variant, open the record, see the KK."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_record_and_family(cast, page, login):
    household = make_household(cast.actor(cast.dukcapil), cast.desa)
    login(cast.kec_officer)
    page.goto("/registry/")
    page.fill("#main input[name=q]", "Siti Nur Hasanah")
    page.click("button[type=submit]:has-text('Cari')")
    link = page.locator("#results a", has_text="Siti Nurhasanah")
    link.wait_for()
    assert "Siti" not in page.url and "q=" not in page.url
    link.click()
    page.wait_for_url(f"**/registry/residents/{household.wife.pk}/")
    assert page.locator("h1").inner_text() == "Siti Nurhasanah"
    # Nothing overflows sideways on a small phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    page.click(f"a[href='/registry/families/{household.family.pk}/']")
    page.wait_for_url(f"**/registry/families/{household.family.pk}/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    assert "Kepala keluarga" in rows.nth(0).inner_text()
