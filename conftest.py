"""Shared test fixtures: the Purwakarta region subtree, its units, and the standard cast.

The cast (see docs/ARCHITECTURE.md, "Permission grid"):
  anonymous      — nobody logged in
  outsider       — counter officer + verifier of another kecamatan (Campaka)
  kec_officer    — counter officer of this kecamatan (Purwakarta)
  kec_verifier   — verifier of this kecamatan
  desa_operator  — operator of the first desa of this kecamatan
  dukcapil       — Disdukcapil verifier (whole kabupaten)
  head           — head of Disdukcapil
  admin          — system administrator (TOTP confirmed)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.core.scoping import Actor, unscoped
from warga.org.models import Unit, UnitKind
from warga.org.services import units_create_standard
from warga.regions.models import Region
from warga.regions.services import regions_load

KAB = "32.14"
KEC = "32.14.01"  # Purwakarta
OTHER_KEC = "32.14.02"  # Campaka
PASSWORD = "test-password-123"


def signed_in(client: Client) -> bool:
    """Whether `/` shows this client an officer's home (a visitor gets the residents' portal)."""
    response = client.get("/")
    return response.status_code == 200 and "panels" in response.context


@dataclass
class Cast:
    kabupaten: Region
    kecamatan: Region
    other_kecamatan: Region
    desa: Region
    other_desa: Region  # a desa in the other kecamatan
    outsider: User
    kec_officer: User
    kec_verifier: User
    desa_operator: User
    dukcapil: User
    head: User
    printer: User
    outreach: User
    admin: User

    def actor(self, user: User | None) -> Actor:
        return Actor.for_user(User.objects.get(pk=user.pk)) if user else Actor.for_user(None)

    def grid(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "outsider": self.outsider,
            "kec_officer": self.kec_officer,
            "dukcapil": self.dukcapil,
            "admin": self.admin,
        }


def _ensure_regions() -> None:
    if not Region.objects.filter(code=KAB).exists():
        regions_load(only=KAB)


def _user(username: str, roles: list[str], unit: Unit | None, area: Region) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return staff_create(
        actor=None,
        username=username,
        password=PASSWORD,
        full_name=username.title(),
        roles=roles,
        unit_id=unit.pk if unit else None,
        area_code=area.code,
    )


def _ensure_cast() -> Cast:
    _ensure_regions()
    kab = Region.objects.get(code=KAB)
    units_create_standard(region=kab)
    kec = Region.objects.get(code=KEC)
    other = Region.objects.get(code=OTHER_KEC)
    desa = Region.objects.filter(parent=kec).order_by("code").first()
    other_desa = Region.objects.filter(parent=other).order_by("code").first()
    assert desa is not None and other_desa is not None
    dukcapil = Unit.objects.get(code="disdukcapil")
    kec_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=kec)
    other_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=other)
    desa_unit = Unit.objects.get(kind=UnitKind.DESA_OFFICE, area=desa)
    admin = _user("admin", [Role.SYSTEM_ADMIN], Unit.objects.get(code="diskominfo"), kab)
    if not admin.totp_enabled:
        admin.totp_secret = pyotp.random_base32()
        admin.totp_confirmed_at = timezone.now()
        admin.save()
    return Cast(
        kabupaten=kab,
        kecamatan=kec,
        other_kecamatan=other,
        desa=desa,
        other_desa=other_desa,
        outsider=_user("outsider", [Role.KECAMATAN_COUNTER, Role.KECAMATAN_VERIFIER], other_unit, other),
        kec_officer=_user("kec_officer", [Role.KECAMATAN_COUNTER], kec_unit, kec),
        kec_verifier=_user("kec_verifier", [Role.KECAMATAN_VERIFIER], kec_unit, kec),
        desa_operator=_user("desa_operator", [Role.DESA_OPERATOR], desa_unit, desa),
        dukcapil=_user("dukcapil", [Role.DISDUKCAPIL_VERIFIER], dukcapil, kab),
        head=_user("head", [Role.DISDUKCAPIL_HEAD], dukcapil, kab),
        printer=_user("printer", [Role.PRINTING_OPERATOR], dukcapil, kab),
        outreach=_user("outreach", [Role.OUTREACH_OFFICER], dukcapil, kab),
        admin=admin,
    )


@pytest.fixture(scope="session", autouse=True)
def unscoped_test_setup():
    """Tests build their rows and call services directly without a request: they run
    `unscoped("test setup")`. Pages and API calls made with the test client go through the
    request middleware and API authentication, which set the signed-in officer's scope (or
    none for anonymous callers) over this one, as in production. Tests of the scope itself
    step out with `no_scope()` or into `scope(actor)`."""
    with unscoped("test setup: factories and direct service calls"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Regions, units and the cast are created once per test database and kept (committed);
    each test's changes roll back. Tests that flush the database (transactional ones) get them
    recreated by the fixtures below."""
    with django_db_blocker.unblock():
        _ensure_cast()


@pytest.fixture
def regions(db) -> Region:
    _ensure_regions()
    return Region.objects.get(code=KAB)


@pytest.fixture
def cast(regions) -> Cast:
    return _ensure_cast()


@pytest.fixture
def client_for():
    """client_for(user) → a test client logged in as that user (None → anonymous)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def today() -> date:
    return timezone.localdate()


# --- Browser tests (Playwright driving Debian's chromium; never a downloaded browser) ---------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the Django test code around it is sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Reported to the console by the page itself, so violations in any frame reach the listener below.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")));"""


def csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or m.startswith("CSP violation")]


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (360 px wide phone by default) against the live test server.
    Any Content-Security-Policy violation seen during the test fails it."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="id-ID", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(45_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.console_messages_seen = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: page.console_messages_seen.append(msg.text))  # type: ignore[attr-defined]
    yield page
    context.close()
    violations = csp_violations(page.console_messages_seen)  # type: ignore[attr-defined]
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


@pytest.fixture
def login(page):
    """login(user) fills the login form in the browser."""

    def do(user: User, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)

    return do


def pytest_terminal_summary(terminalreporter):
    """Lines a test recorded as `summary` (record_property), e.g. how many fuzzing cases ran,
    printed at the end of the run: they reach the CI log also from xdist workers."""
    lines = [
        value
        for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "summary"
    ]
    if lines:
        terminalreporter.write_sep("-", "summaries")
        for line in lines:
            terminalreporter.write_line(line)
