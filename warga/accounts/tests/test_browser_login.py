import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_on_a_phone_and_sees_indonesian_home(cast, page, login):
    login(cast.kec_officer)
    assert page.locator("h1").inner_text().startswith("Selamat datang")
    # The menu collapses on a 360 px screen and opens with the toggler.
    logout = page.locator("#mainnav").get_by_role("button", name="Keluar")
    assert not logout.is_visible()
    page.click("button.navbar-toggler")
    # Wait for the collapse to finish opening: a click during its animation can be lost.
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.locator("#user-menu").click()
    expect(logout).to_be_visible()
    logout.click()
    page.wait_for_url("**/login/")


def test_wrong_password_in_browser(cast, page):
    page.goto("/login/")
    page.fill("input[name=username]", cast.kec_officer.username)
    page.fill("input[name=password]", "salah")
    page.click("button[type=submit]")
    # The click submits a form: wait for the answer page rather than look at the one leaving.
    expect(page.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()
