import re

import pyotp
import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from warga.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sets_up_two_step_login_keeps_backup_codes_and_logs_in_with_one(cast, page, login):
    User.objects.filter(pk=cast.admin.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=None)
    login(cast.admin)
    page.wait_for_url("**/account/2fa/setup/")
    page.goto("/staff/")  # nothing else before two-step login is on
    page.wait_for_url("**/account/2fa/setup/")
    secret = User.objects.get(pk=cast.admin.pk).totp_secret
    assert secret and secret in page.locator("code").inner_text()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form:has(input[name=code]) button[type=submit]")
    # The page answering the code lists the backup codes: wait for it before reading them.
    expect(page.get_by_test_id("backup-code")).to_have_count(10)
    codes = page.get_by_test_id("backup-code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    expect(page.get_by_text("Kode hanya ditampilkan sekarang.", exact=False)).to_be_visible()

    page.goto("/")
    page.locator("form[action='/logout/'] button").first.evaluate("b => b.form.submit()")
    page.wait_for_url("**/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url("**/account/2fa/**")
    page.fill("input[name=code]", codes[0])
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
    assert page.locator("h1").inner_text().startswith("Selamat datang")
