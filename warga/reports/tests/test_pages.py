"""The pages as a user sees them: the public form and tracking page, the inboxes, a case and its
actions, photos, the routing rules."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from warga.core.tests.bombs import png_bomb
from warga.reports.models import Case, CasePhoto, CaseStatus, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")


def _form(cast, **extra):
    return {
        "kind": "laporan",
        "category": "",
        "desa": cast.desa.code,
        "text": "Listrik padam di RT 01 sejak pagi <script>alert(1)</script>",
        "name": "Ani",
        "phone": "081200000055",
        **extra,
    }


def test_public_form_files_a_case_and_shows_the_code(rules, client):
    page = client.get("/lapor/")
    assert page.status_code == 200 and rules.desa.code in page.content.decode()
    response = client.post("/lapor/", {**_form(rules), "photos": [_jpeg(), _jpeg()]})
    assert response.status_code == 302 and response["Location"] == "/lapor/terkirim/"
    case = Case.objects.get()
    assert case.channel == "web" and case.category == "listrik_padam" and case.routed_unit.code == "pln"
    assert case.reporter_phone == "+6281200000055" and CasePhoto.objects.filter(case=case).count() == 2
    done = client.get("/lapor/terkirim/").content.decode()
    assert case.tracking_code in done
    assert case.tracking_code not in response["Location"]


def test_public_form_anonymous_keeps_nothing(rules, client):
    client.post("/lapor/", _form(rules, anonymous="on", confidential="on"))
    case = Case.objects.get()
    assert (case.reporter_name, case.reporter_phone, case.anonymous) == ("", "", True)


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"text": ""}, 422),
        ({"text": "x" * 2001}, 422),
        ({"desa": ""}, 422),
        ({"desa": "32.14.01"}, 422),  # a kecamatan is not a desa
        ({"kind": "gosip"}, 422),
        ({"phone": "12"}, 422),
        ({"text": "Banjir\x00"}, 400),  # NUL bytes: refused by the input hygiene
    ],
)
def test_public_form_bad_input(rules, client, extra, status):
    assert client.post("/lapor/", _form(rules, **extra)).status_code == status
    assert Case.objects.count() == 0


def test_public_form_refuses_what_is_not_an_image_and_a_pixel_bomb(rules, client):
    text = SimpleUploadedFile("x.jpg", b"MZ not an image", content_type="image/jpeg")
    response = client.post("/lapor/", {**_form(rules), "photos": [text]})
    assert response.status_code == 422 and Case.objects.count() == 0
    bomb = SimpleUploadedFile("b.png", png_bomb(), content_type="image/png")
    response = client.post("/lapor/", {**_form(rules), "photos": [bomb]})
    assert response.status_code == 422 and Case.objects.count() == 0
    many = [_jpeg() for _ in range(4)]
    assert client.post("/lapor/", {**_form(rules), "photos": many}).status_code == 422


def test_public_form_unknown_category_is_lainnya(rules, client):
    client.post("/lapor/", _form(rules, category="ufo", text="Ada benda aneh"))
    # An unknown choice is refused by the form; a known one the text does not name is kept.
    assert Case.objects.count() == 0
    client.post("/lapor/", _form(rules, category="lainnya", text="Ada benda aneh"))
    assert Case.objects.get().category == "lainnya"


def test_public_form_is_rate_limited_per_address(rules, client, settings):
    settings.REPORTS_RATE_LIMITS = {"file": (2, 3600), "track": (20, 600)}
    for _ in range(2):
        assert client.post("/lapor/", _form(rules)).status_code == 302
    assert client.post("/lapor/", _form(rules)).status_code == 429
    assert Case.objects.count() == 2


def test_public_form_needs_csrf(rules):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/lapor/", _form(rules)).status_code == 403


def test_tracking_page_shows_status_without_personal_data_and_lets_the_reporter_rate(rules, client, people):
    from warga.core.scoping import Actor
    from warga.reports.services import case_file, case_transition

    case = case_file(
        actor=None, text="Listrik padam", channel="web", desa=rules.desa, phone="081200000055", name="Ani"
    )
    handler = Actor.for_user(people.handler)
    case_transition(actor=handler, case_id=case.pk, action="accept")
    case_transition(
        actor=Actor.for_user(people.pln), case_id=case.pk, action="answer", note="Sudah menyala lagi"
    )
    case_transition(actor=handler, case_id=case.pk, action="close")
    assert client.get("/lapor/lacak/").status_code == 200
    page = client.post("/lapor/lacak/", {"code": case.tracking_code.lower()})
    html = page.content.decode()
    assert (
        page.status_code == 200 and "Sudah menyala lagi" in html and "Ani" not in html and "0812" not in html
    )
    assert client.post("/lapor/lacak/", {"code": "ZZZZZZZZZZ"}).status_code == 404
    wrong = client.post(
        "/lapor/lacak/",
        {"code": case.tracking_code, "phone": "081299999999", "action": "rate", "rating": "5"},
    )
    assert wrong.status_code == 404
    ok = client.post(
        "/lapor/lacak/",
        {
            "code": case.tracking_code,
            "phone": "081200000055",
            "action": "rate",
            "rating": "4",
            "note": "Cepat",
        },
    )
    assert ok.status_code == 200
    case.refresh_from_db()
    assert (case.rating, case.rating_comment) == (4, "Cepat")


def test_inbox_filters_search_and_counts(rules, people, client_for):
    from warga.reports.services import case_file

    outage = case_file(actor=None, text="Listrik padam", channel="web", desa=rules.desa)
    road = case_file(actor=None, text="Jalan berlubang", channel="web", desa=rules.desa)
    handler = client_for(people.handler)
    page = handler.get("/reports/").content.decode()
    assert outage.tracking_code in page and road.tracking_code in page
    only = handler.get("/reports/", {"category": "jalan"}).content.decode()
    assert road.tracking_code in only and outage.tracking_code not in only
    found = handler.get("/reports/", {"code": outage.tracking_code.lower()}).content.decode()
    assert outage.tracking_code in found and road.tracking_code not in found
    partial = handler.get("/reports/", {"status": "new"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="case-rows"' in partial and "<html" not in partial
    assert handler.get("/reports/", {"overdue": "on"}).status_code == 200
    assert client_for(people.bupati).get("/reports/oversee/").status_code == 200
    assert client_for(people.bupati).get("/reports/").status_code == 403


def test_case_page_offers_only_allowed_actions_and_takes_them(rules, people, client_for):
    from warga.reports.services import case_file

    case = case_file(actor=None, text="Listrik padam <b>tebal</b>", channel="web", desa=rules.desa)
    handler = client_for(people.handler)
    page = handler.get(f"/reports/{case.pk}/").content.decode()
    assert 'value="accept"' in page and 'value="answer"' not in page
    assert "&lt;b&gt;tebal&lt;/b&gt;" in page
    assert f"aturan #{case.routing_rule_id}" in page
    response = handler.post(f"/reports/{case.pk}/act/", {"action": "accept", "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED
    # A refused step is shown on the page, nothing changes.
    again = handler.post(f"/reports/{case.pk}/act/", {"action": "reject", "note": "x"})
    assert again.status_code == 200
    pln = client_for(people.pln)
    assert 'value="answer"' in pln.get(f"/reports/{case.pk}/").content.decode()
    assert pln.post(f"/reports/{case.pk}/act/", {"action": "answer", "note": "Sudah"}).status_code == 302
    assert client_for(rules.kec_officer).post(
        f"/reports/{case.pk}/act/", {"action": "close"}
    ).status_code in (
        200,
        403,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED


def test_photos_are_served_only_to_those_allowed(rules, people, client, client_for):
    client.post("/lapor/", {**_form(rules), "photos": [_jpeg()]})
    case = Case.objects.get()
    photo = CasePhoto.objects.get(case=case)
    url = f"/reports/{case.pk}/photos/{photo.pk}/"
    served = client_for(people.handler).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert client.get(url).status_code == 302  # anonymous: login
    assert client_for(rules.outsider).get(url).status_code == 404
    assert client_for(people.dinkes).get(url).status_code == 404  # not assigned to them


def test_routing_rules_admin(rules, people, client_for):
    admin = client_for(people.handler)
    assert admin.get("/reports/routing/").status_code == 200
    assert client_for(people.pln).get("/reports/routing/").status_code == 403
    pln = RoutingRule.objects.filter(unit__code="pln").first().unit
    response = admin.post(
        "/reports/routing/",
        {
            "kind": "",
            "category": "air",
            "area": rules.kecamatan.code,
            "unit": pln.pk,
            "priority": 5,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(category="air", area=rules.kecamatan)
    assert admin.get(f"/reports/routing/{rule.pk}/").status_code == 200
    admin.post(
        f"/reports/routing/{rule.pk}/",
        {
            "kind": "",
            "category": "air",
            "area": rules.desa.code,
            "unit": pln.pk,
            "priority": 1,
            "is_active": "on",
        },
    )
    rule.refresh_from_db()
    assert rule.area == rules.desa and rule.priority == 1
    assert admin.post(f"/reports/routing/{rule.pk}/delete/").status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
