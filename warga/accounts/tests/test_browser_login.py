import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_and_sees_home(cast, page, login):
    login(cast.kec_officer)
    assert page.locator("h1").inner_text().startswith("Selamat datang") or page.locator("h1").count() == 1
    page.screenshot(path="/tmp/home.png")
