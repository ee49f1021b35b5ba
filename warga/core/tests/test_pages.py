import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_indonesian_by_default_english_on_request(cast, client_for):
    client = client_for(cast.kec_officer)
    assert "Keluar" in client.get("/").content.decode()
    # A phone set to English still gets Indonesian until the person chooses English.
    assert "Keluar" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()


def test_friendly_404_page(cast, client_for):
    response = client_for(cast.kec_officer).get("/no-such-page/")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()


def test_nav_follows_capabilities(cast, client_for):
    head = client_for(cast.head).get("/").content.decode()
    officer = client_for(cast.kec_officer).get("/").content.decode()
    assert "/audit/" in head and "/audit/" not in officer


def test_layout_is_mobile_ready(cast, client_for):
    html = client_for(cast.kec_officer).get("/").content.decode()
    assert 'name="viewport"' in html and "width=device-width" in html
    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/htmx/htmx.min.js",
        "vendor/alpinejs/alpine.min.js",
    ):
        assert asset in html
    assert "https://" not in html.split("<body")[0]


def test_admin_site_is_off_by_default(cast, client_for):
    assert client_for(cast.admin).get("/admin/").status_code == 404


def test_production_check_is_clean(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "warga.settings",
        "WARGA_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 64 + "production-like-secret-key-with-enough-entropy",
        "ALLOWED_HOSTS": "warga.example.go.id",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_COOKIES": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "BEHIND_TLS_PROXY": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_read_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "y" * 60)
    env = {"PATH": "/usr/bin:/bin", "WARGA_DATA_DIR": str(tmp_path), "SECRET_KEY_FILE": str(secret)}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='warga.settings'; django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == secret.read_text()


def test_nav_groups_items_by_section_and_marks_the_current_place(cast, client_for):
    from django.urls import reverse

    client = client_for(cast.head)
    search = reverse("registry:search")
    html = client.get(search).content.decode()
    nav = html.split('id="mainnav"')[1].split("</nav>")[0]
    # sections are menus, not a row of every page
    assert nav.count('class="nav-item dropdown"') >= 3
    assert nav.count("dropdown-toggle") >= 3
    current = [line for line in nav.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and f'href="{search}"' in current[0]
    # the section holding the current page is marked too
    assert "dropdown-toggle active" in nav


def test_home_lists_pages_by_section_when_no_panel(cast, client_for):
    from warga.core.nav import groups_for

    groups = groups_for(cast.actor(cast.head), "/")
    labels = [g["label"] for g in groups]
    assert len(labels) == len(set(labels)), "a section appears once"
    assert all(g["items"] for g in groups)
    assert not any(item["current"] for g in groups for item in g["items"])
