"""Accessibility and fit, in a real browser: axe-core on the main pages of every role a demo login has and on the
public pages (no serious or critical violation), no horizontal scroll at 1366 px and on a phone,
and every menu item reachable at both sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MARKUP_SWEEP, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PUBLIC = [
    "/",
    "/cek-nik/",
    "/boards/desa/",
    "/login/",
    "/applications/apply/",
    "/applications/apply/ktp-baru/",
    "/applications/track/",
    "/lapor/",
    "/lapor/lacak/",
]
MENU_LINKS = "#mainnav a.nav-link[href^='/'], #mainnav a.dropdown-item[href^='/']"


def _context(browser, live_server, width: int, height: int):
    # axe is injected as a script; the test context alone bypasses the Content-Security-Policy
    # (test_csp checks the policy on the same pages).
    return browser.new_context(
        viewport={"width": width, "height": height}, locale="id-ID", base_url=live_server.url, bypass_csp=True
    )


def _login(page, user) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _problems(page, path: str, width: int, *, visit: bool = True) -> list[str]:
    if visit:
        page.goto(path)
        page.wait_for_load_state("load")
    found = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found.append(f"{path}: {scroll} px wide at {width}")
    page.add_script_tag(content=AXE)
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ' ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', '))"""
    )
    found += [f"{path}: {v}" for v in violations]
    return found


def test_public_pages_on_a_phone(browser, live_server, cast):
    from warga.applications.catalogue import ensure_default_services

    ensure_default_services()
    context = _context(browser, live_server, 375, 740)
    try:
        page = context.new_page()
        problems = [p for path in PUBLIC for p in _problems(page, path, 375)]
    finally:
        context.close()
    assert problems == []


def test_nik_check_answers_on_a_phone(browser, live_server, regions):
    """The answers of the residents' NIK check (valid, and refused with its reasons)."""
    context = _context(browser, live_server, 375, 740)
    problems: list[str] = []
    try:
        page = context.new_page()
        for nik in ("3214015708900003", "3214993102990000"):
            page.goto("/")
            page.fill("#portal-nik-input", nik)
            page.click("form[action='/cek-nik/'] button[type=submit]")
            page.wait_for_selector("[role=status]")
            assert page.url.endswith("/cek-nik/")  # the NIK stays out of the address
            problems += _problems(page, f"/cek-nik/ ({nik[:6]}…)", 375, visit=False)
    finally:
        context.close()
    assert problems == []


# One test per role, so that parallel workers share them: the registry's roles of the shared
# cast, and every other role a demo login has (the PPID's three, the complaint handler, the 112
# desk, an agency's staff and head, the regional head).
MENU_ROLES = ("kec_officer", "kec_verifier", "desa_operator", "dukcapil", "head", "printer", "outreach")
OTHER_ROLES = {
    "ppid_officer": None,
    "ppid_pembantu": "dinkes",
    "ppid_atasan": None,
    "complaint_handler": None,
    "call_taker": None,
    "agency_staff": "dinkes",
    "agency_head": "dinkes",
    "regional_viewer": None,
}


def _user_with_role(cast, role: str):
    from warga.accounts.services import staff_create
    from warga.org.models import Unit

    unit = OTHER_ROLES[role]
    return staff_create(
        actor=None,
        username=f"a11y-{role}".replace("_", "-"),
        password=PASSWORD,
        full_name=role.replace("_", " ").title(),
        roles=[role],
        unit_id=Unit.objects.get(code=unit).pk if unit else None,
        area_code=cast.kabupaten.code,
    )


@MARKUP_SWEEP
@pytest.mark.parametrize("role", (*MENU_ROLES, *OTHER_ROLES))
def test_every_menu_page_of_each_role_at_1366(browser, live_server, cast, role):
    from warga.applications.catalogue import ensure_default_services

    ensure_default_services()
    user = getattr(cast, role) if role in MENU_ROLES else _user_with_role(cast, role)
    problems: list[str] = []
    context = _context(browser, live_server, 1366, 768)
    try:
        page = context.new_page()
        _login(page, user)
        links = page.eval_on_selector_all(MENU_LINKS, "els => els.map(e => e.getAttribute('href'))")
        assert links, user.username
        for href in ["/", *dict.fromkeys(links)]:
            problems += [f"{user.username} {p}" for p in _problems(page, href, 1366)]
    finally:
        context.close()
    assert problems == []


@MARKUP_SWEEP
@pytest.mark.parametrize("role", (*MENU_ROLES, *OTHER_ROLES))
def test_the_menu_collapses_on_a_phone_and_every_item_is_reachable(browser, live_server, cast, role):
    user = getattr(cast, role) if role in MENU_ROLES else _user_with_role(cast, role)
    context = _context(browser, live_server, 375, 740)
    try:
        page = context.new_page()
        _login(page, user)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        links = page.locator(MENU_LINKS)
        assert links.count() >= 1, user.username
        assert not links.first.is_visible()  # collapsed
        page.click("button.navbar-toggler")
        page.wait_for_selector("#mainnav.show")
        for toggle in page.locator("#mainnav .dropdown-toggle").all():
            if toggle.get_attribute("id") == "user-menu":
                continue
            toggle.click()
            items = toggle.locator("xpath=following-sibling::ul//a")
            for i in range(items.count()):
                assert items.nth(i).is_visible(), items.nth(i).get_attribute("href")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert _problems(page, "/", 375) == []  # the role's home on a phone: axe-clean, no scroll
    finally:
        context.close()
