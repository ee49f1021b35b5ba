"""Content-Security-Policy: every page carries it, and the pages of several roles, the public
pages and the field app run under it without a single violation (the shared `page` fixture
fails a browser test on any "Refused to …" / securitypolicyviolation)."""

from __future__ import annotations

import re

import pytest

from conftest import MARKUP_SWEEP, PASSWORD, csp_violations

pytestmark = pytest.mark.django_db


def test_every_page_has_a_policy_with_a_fresh_nonce(client, cast):
    first = client.get("/login/")
    policy = first["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split(";")[1]
    assert (
        "'unsafe-eval'" not in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    )
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    assert nonce not in client.get("/login/")["Content-Security-Policy"]
    # No inline script and no inline event handler in the shared layout.
    html = first.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=\"", html)


def test_field_app_page_allows_alpine_eval_and_nonces_its_script(client, cast):
    response = client.get("/outreach/app/")
    policy = response["Content-Security-Policy"]
    assert "'unsafe-eval'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def _visit(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # deferred scripts (htmx, Alpine, Chart.js) have run


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_of_several_roles_and_the_public_run_without_violations(page, login, cast):
    from warga.applications.catalogue import ensure_default_services

    ensure_default_services()
    public = [
        "/",
        "/login/",
        "/applications/apply/",
        "/applications/apply/ktp-baru/",
        "/applications/track/",
        "/applications/verify/",
        "/api/v1/docs",
        "/outreach/app/",
    ]
    for path in public:
        _visit(page, path)
    # The policy is enforced: an injected inline script does not run, and eval is refused
    # outside the field app.
    _visit(page, "/login/")
    ran = page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__injected = 1";
                   document.body.appendChild(s); return window.__injected === 1; }"""
    )
    assert ran is False
    for _ in range(50):  # both reports (console and event) arrive asynchronously
        if len(csp_violations(page.console_messages_seen)) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(csp_violations(page.console_messages_seen)) >= 2, page.console_messages_seen
    page.wait_for_timeout(200)
    page.console_messages_seen.clear()

    # The administrator's login stops at the second step (TOTP): that page too.
    page.goto("/login/")
    page.fill("input[name=username]", cast.admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    _visit(page, page.url)
    # The language switch works without its old inline handler.
    _visit(page, "/")
    with page.expect_navigation():
        page.select_option("#lang", "en")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@MARKUP_SWEEP
@pytest.mark.parametrize(
    "role", ("kec_officer", "kec_verifier", "desa_operator", "dukcapil", "head", "printer", "outreach")
)
def test_every_menu_page_of_a_role_runs_without_violations(page, login, cast, role):
    """One test per role, so that parallel workers share them."""
    from warga.applications.catalogue import ensure_default_services

    ensure_default_services()
    user = getattr(cast, role)
    login(user)
    links = page.eval_on_selector_all(
        "#mainnav a.nav-link[href^='/'], #mainnav a.dropdown-item[href^='/']",
        "els => els.map(e => e.getAttribute('href'))",
    )
    assert links, user.username
    for href in dict.fromkeys(links):
        _visit(page, href)
