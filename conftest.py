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
from pathlib import Path

import pyotp
import pytest
from django.db import connection
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

# The browser sweeps of every page that check markup only (axe, fit, a reachable menu, what CSP
# refuses) give the same answer on both databases; that every page answers on both is the
# permission grid's `test_page_grid`. They run on SQLite only, to keep CI's two runs within their
# time (docs/decisions/0017-ci-time.md).
MARKUP_SWEEP = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="a markup sweep: the same on both databases (0017)"
)


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


def _test_db_from_template(root: Path, worker: str, verbosity: int) -> str:
    """Give this parallel worker its own copy of a test database that is migrated (and given
    the cast) once for the whole run, rather than migrating again in every worker.

    The first worker to take the lock builds the template; each worker then clones it under a
    name of its own (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE … TEMPLATE).
    Returns the database name to restore at teardown."""
    import fcntl

    from django.conf import settings
    from django.db import connection

    creation = connection.creation
    original = connection.settings_dict["NAME"]
    own_name = creation._get_test_db_name()  # with pytest-django's "_gwN" suffix
    suffix = f"_{worker}"
    base = own_name[: -len(suffix)] if own_name.endswith(suffix) else own_name
    if connection.vendor == "sqlite":
        template = str(root / f"{Path(base).name}_template")
    else:
        template = f"{base}_template"
    with open(root / "warga-test-db.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = root / "warga-test-db.built"
        users = root / "warga-test-db.users"
        if not built.exists():
            connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": template}
            creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            _ensure_cast()
            built.write_text(template)
        settings.DATABASES[connection.alias]["NAME"] = template
        connection.settings_dict["NAME"] = template
        connection.close()  # PostgreSQL copies a template only while nobody is connected to it
        creation.clone_test_db(suffix=worker, verbosity=verbosity, keepdb=False)
        connection.settings_dict.update(creation.get_test_db_clone_settings(worker))
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": own_name}
        connection.close()
        users.write_text(str((int(users.read_text()) if users.exists() else 0) + 1))
    return original


def _template_released(root: Path, verbosity: int) -> None:
    """The last worker to finish drops the template (a worker that starts later builds it again)."""
    import fcntl

    from django.db import connection

    with open(root / "warga-test-db.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = root / "warga-test-db.built"
        users = root / "warga-test-db.users"
        left = int(users.read_text()) - 1
        users.write_text(str(left))
        if left == 0 and built.exists():
            connection.creation._destroy_test_db(built.read_text(), verbosity)
            built.unlink()


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
    tmp_path_factory,
):
    """The test database, as pytest-django's own fixture makes it, with the regions, units and
    the cast created once and kept (committed); each test's changes roll back. Tests that flush
    the database (transactional ones) get them recreated by the fixtures below.

    Under xdist (migrations on, no --reuse-db) the workers share one migrated template, each
    working on its own clone of it: the migrations run once per run, not once per worker."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    shared = bool(worker) and django_db_use_migrations and not keepdb and aliases == {"default"}
    shared = shared and not serialized_aliases
    root = tmp_path_factory.getbasetemp().parent
    with django_db_blocker.unblock():
        if shared:
            db_cfg = [(connection, _test_db_from_template(root, worker, verbosity), True)]
        else:
            if not django_db_use_migrations:
                _disable_migrations()
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
            _ensure_cast()
    yield
    if not django_db_keepdb:
        # As pytest-django's own fixture: a database still in use at the end of the run (a
        # connection of a finished thread not yet collected) is a warning, not a failed test.
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:
                request.node.warn(
                    pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
                )
            finally:
                if shared:
                    try:
                        _template_released(root, verbosity)
                    except Exception as exc:
                        request.node.warn(
                            pytest.PytestWarning(f"Error when dropping the template database: {exc!r}")
                        )


@pytest.fixture
def many_connections(request, tmp_path_factory):
    """For a test that opens about fifty database connections at once: parallel workers run such
    tests one at a time, so that two of them together never exhaust PostgreSQL's 100."""
    import fcntl

    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):
        root = root.parent  # shared by the workers of this run
    with open(root / "warga-many-connections.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


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
