"""The case pages in a real browser: no serious accessibility violation, nothing scrolls sideways
on a phone; the public form files a case and shows its code."""

from __future__ import annotations

import pytest

from warga.core.tests.test_accessibility import _context, _login, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_pages_for_the_handler_and_the_public(browser, live_server, cast):
    from warga.core.permissions import Role
    from warga.core.scoping import Actor
    from warga.reports.services import case_file, case_transition, routing_rules_seed

    from .conftest import _user

    routing_rules_seed()
    handler = _user("handler", Role.COMPLAINT_HANDLER, "diskominfo", cast.kabupaten)
    case = case_file(
        actor=None, text="Listrik padam di RT 01", channel="web", desa=cast.desa, phone="081200000012"
    )
    case_transition(actor=Actor.for_user(handler), case_id=case.pk, action="accept")
    context = _context(browser, live_server, 375, 740)
    try:
        page = context.new_page()
        problems = _problems(page, "/lapor/", 375)
        page.select_option("select[name=desa]", cast.desa.code)
        page.fill("textarea[name=text]", "Jalan berlubang dekat sekolah")
        page.click("button[type=submit]")
        page.wait_for_url("**/lapor/terkirim/")
        assert len(page.inner_text("[data-testid=code]").strip()) == 10
        _login(page, handler)
        for path in ("/reports/", f"/reports/{case.pk}/", "/reports/routing/", "/reports/oversee/"):
            problems += _problems(page, path, 375)
    finally:
        context.close()
    assert problems == []
