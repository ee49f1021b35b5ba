"""The residents' portal at `/`: what a visitor finds, light enough for a cheap phone on 2G, and
an officer's home unchanged."""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 150 * 1024  # bytes, compressed: the HTML and everything it loads


class _Assets(HTMLParser):
    """The addresses a browser loads for a page: stylesheets, icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"] or "")
        elif tag in ("script", "img", "source") and found.get("src"):
            self.urls.append(found["src"] or "")
        elif tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")


def _parse(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def _asset_bytes(url: str) -> bytes:
    parts = urlsplit(url)
    assert not parts.scheme and not parts.netloc, f"{url}: the portal loads nothing from elsewhere"
    path = parts.path
    if path.startswith(settings.STATIC_URL):
        found = finders.find(path[len(settings.STATIC_URL) :])
        assert found, f"{url}: no such static file"
        return Path(str(found)).read_bytes()
    served = Path(settings.WHITENOISE_ROOT) / path.lstrip("/")  # /favicon.ico, /apple-touch-icon.png
    assert served.is_file(), f"{url}: not a file Warga serves"
    return served.read_bytes()


def test_a_visitor_gets_the_residents_portal_in_indonesian(regions, client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "core/portal.html"
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "<title>Layanan Kependudukan Kabupaten Purwakarta · Warga</title>" in html
    assert '<meta name="description" content="Layanan administrasi kependudukan' in html
    for text in (
        "Lacak permohonan",  # track an application
        "Cek NIK",
        "Ajukan secara daring",
        "Lapor atau adukan",
        "Periksa keaslian dokumen atau SUKET",
        "Papan informasi desa hari ini",
        "Layanan lewat SMS",
        "Masuk petugas",
    ):
        assert text in html, text
    # Nothing promised that does not exist yet; public-information requests have their card.
    assert "segera" not in html.lower() and "Minta informasi publik" in html


def test_the_portal_forms_post_and_put_nothing_personal_in_a_url(regions, client):
    html = client.get("/").content.decode()
    assert '<form method="post" action="/applications/track/">' in html
    assert '<form method="post" action="/cek-nik/">' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    # The only GET form picks a kecamatan (a region code is not personal).
    assert html.count('method="get"') == 1 and 'action="/boards/desa/"' in html


def test_the_portal_links_to_the_public_services(regions, client):
    links = set(_parse(client.get("/").content.decode()).links)
    # The report form and its tracking page are linked as they are; they are not followed here.
    assert {"/lapor/", "/lapor/lacak/", "/applications/apply/", "/applications/verify/", "/login/"} <= links
    assert {"/ppid/", "/ppid/lacak/"} <= links


def test_the_portal_lists_the_registered_sms_keywords_and_the_configured_number(regions, client, settings):
    from warga.messaging.keywords import keyword_guide

    settings.SMS_CENTER_NUMBER = ""
    html = client.get("/").content.decode()
    for guide in keyword_guide():
        assert guide.example in html
    assert "CEK AB12CD34" in html and "LAPOR listrik padam di RT 02 sejak pagi" in html
    assert "pusat SMS Disdukcapil" in html
    settings.SMS_CENTER_NUMBER = "0811 2233 4455"
    assert "<strong>0811 2233 4455</strong>" in client.get("/").content.decode()


def test_the_portal_in_english_when_chosen(regions, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Track an application" in html and "Check a NIK" in html and "Staff login" in html


def test_the_portal_is_light_enough_for_a_cheap_phone_on_2g(regions, client):
    html = client.get("/").content
    urls = list(dict.fromkeys(_parse(html.decode()).urls))
    assert urls, "the page loads no stylesheet at all"
    sizes = {"/": len(gzip.compress(html))}
    sizes.update({url: len(gzip.compress(_asset_bytes(url))) for url in urls})
    total = sum(sizes.values())
    assert total <= PAGE_BUDGET, f"{total} bytes compressed: {sizes}"
    # No icon font, no script library: the portal works without JavaScript.
    assert not any("bootstrap-icons" in u or "htmx" in u or "alpine" in u or "chart" in u for u in urls)
    assert not any(u.endswith((".woff", ".woff2", ".ttf")) for u in urls)


def test_an_officer_still_gets_their_home(cast, client_for):
    response = client_for(cast.kec_officer).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "core/home.html"
    assert "panels" in response.context and "cards" not in response.context
    html = response.content.decode()
    assert "Selamat datang" in html and "Masuk petugas" not in html
    assert "vendor/htmx/htmx.min.js" in html  # the officers' pages keep their scripts
