"""Open311 GeoReport v2: discovery, services, one service's attributes, the public list and one
request, tokens, filing with an API key — in JSON and XML, with the specification's errors, and
never a reporter's data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from warga.accounts.models import ApiToken
from warga.core.scoping import Actor
from warga.reports.models import Case, CaseStatus
from warga.reports.services import case_file, case_transition

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _key(user) -> str:
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="open311", key_prefix=prefix, key_hash=key_hash)
    return raw


@pytest.fixture
def key(rules):
    return _key(rules.kec_officer)  # a kecamatan counter: holds reports.create


def _post(client, key, cast, fmt="json", **extra):
    data = {
        "api_key": key,
        "jurisdiction_id": cast.kabupaten.code,
        "service_code": "jalan",
        "lat": "-6.5569",
        "long": "107.4431",
        "description": "Jalan berlubang besar <script>alert(1)</script> & licin",
        "attribute[desa]": cast.desa.code,
        "first_name": "Budi",
        "last_name": "Santoso",
        "phone": "081200000031",
        "email": "budi@example.org",
        **extra,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data)


def _errors(response, fmt="json"):
    if fmt == "xml":
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    return [(e["code"], e["description"]) for e in response.json()]


def test_discovery(client):
    data = client.get("/open311/discovery.json").json()
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert (
        ET.fromstring(client.get("/open311/discovery.xml").content).find("endpoints/endpoint/url") is not None
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_their_attributes(rules, client, fmt):
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        services = {s["service_code"]: s for s in response.json()}
        assert services["jalan"]["metadata"] is True and services["jalan"]["type"] == "realtime"
    else:
        assert response["Content-Type"].startswith("application/xml")
        root = ET.fromstring(response.content)
        services = {s.findtext("service_code"): s for s in root.findall("service")}
        assert services["jalan"].findtext("metadata") == "true"
    assert "kematian" not in services and "sakit" not in services  # about people: not offered
    definition = client.get(f"{BASE}/services/jalan.{fmt}")
    assert definition.status_code == 200
    if fmt == "json":
        attrs = {a["code"]: a for a in definition.json()["attributes"]}
        assert attrs["desa"]["required"] is True
        assert rules.desa.code in [v["key"] for v in attrs["desa"]["values"]]
    else:
        root = ET.fromstring(definition.content)
        assert root.tag == "service_definition"
        codes = [a.findtext("code") for a in root.findall("attributes/attribute")]
        assert codes == ["desa", "anonim", "rahasia"]
    unknown = client.get(f"{BASE}/services/gosip.{fmt}")
    assert unknown.status_code == 404 and _errors(unknown, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_read_back_and_token(rules, client, key, fmt):
    response = _post(client, key, rules, fmt)
    assert response.status_code == 201, response.content
    if fmt == "json":
        (answer,) = response.json()
        request_id, token = answer["service_request_id"], answer["token"]
    else:
        node = ET.fromstring(response.content).find("request")
        request_id, token = node.findtext("service_request_id"), node.findtext("token")
    case = Case.objects.get(pk=int(request_id))
    assert (case.channel, case.kind, case.category, case.desa) == ("open311", "laporan", "jalan", rules.desa)
    assert case.reporter_name == "Budi Santoso" and case.reporter_phone == "+6281200000031"
    assert case.created_by == rules.kec_officer and str(case.latitude) == "-6.556900"
    # Read back: public fields only; the text waits for the handler's verification.
    one = client.get(f"{BASE}/requests/{request_id}.{fmt}")
    assert one.status_code == 200
    body = one.content.decode()
    for personal in (
        "Budi",
        "Santoso",
        "081200000031",
        "6281200000031",
        "budi@example.org",
        case.tracking_code,
    ):
        assert personal not in body
    assert "<script>" not in body
    tok = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert tok.status_code == 200 and request_id in tok.content.decode()
    assert client.get(f"{BASE}/tokens/{request_id}-{'0' * 24}.{fmt}").status_code == 404


def test_verified_text_is_listed_escaped_in_xml(rules, client, key, people):
    response = _post(client, key, rules)
    case_id = int(response.json()[0]["service_request_id"])
    case_transition(actor=Actor.for_user(people.handler), case_id=case_id, action="verify")
    listed = client.get(f"{BASE}/requests.json").json()
    (item,) = [r for r in listed if r["service_request_id"] == str(case_id)]
    assert item["description"].startswith("Jalan berlubang besar <script>")  # JSON: data, not markup
    assert item["lat"] == "-6.557" and item["status"] == "open"
    assert set(item) >= {"service_code", "requested_datetime", "address", "agency_responsible"}
    assert not {"first_name", "last_name", "phone", "email", "reporter_name"} & set(item)
    xml = client.get(f"{BASE}/requests.xml").content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; licin" in xml and b"<script>" not in xml
    assert ET.fromstring(xml).find("request/description").text.startswith("Jalan berlubang")


def test_confidential_and_anonymous_never_expose_personal_data(rules, client, key, people):
    secret = _post(client, key, rules, **{"attribute[rahasia]": "ya"}).json()[0]["service_request_id"]
    hidden = _post(client, key, rules, **{"attribute[anonim]": "ya"}).json()[0]["service_request_id"]
    assert Case.objects.get(pk=hidden).reporter_phone == ""
    handler = Actor.for_user(people.handler)
    for pk in (secret, hidden):
        case_transition(actor=handler, case_id=int(pk), action="verify")
    assert client.get(f"{BASE}/requests/{secret}.json").status_code == 404  # never listed
    listed = client.get(f"{BASE}/requests.json").content.decode()
    assert f'"{secret}"' not in listed and f'"{hidden}"' in listed
    assert "Budi" not in listed and "0812" not in listed
    # A confidential case filed elsewhere, a sickness report, a rejected case: none is listed.
    sick = case_file(
        actor=None, text="Anak demam tinggi", channel="web", desa=rules.desa, phone="081200000032"
    )
    assert client.get(f"{BASE}/requests/{sick.pk}.json").status_code == 404


def test_list_filters(rules, client, key, people):
    ids = [
        int(_post(client, key, rules, service_code=c).json()[0]["service_request_id"])
        for c in ("jalan", "air")
    ]
    handler = Actor.for_user(people.handler)
    case_transition(actor=handler, case_id=ids[1], action="reject", note="bukan wewenang")
    Case.objects.filter(pk=ids[0]).update(status=CaseStatus.CLOSED)

    def listed(**params):
        return [int(r["service_request_id"]) for r in client.get(f"{BASE}/requests.json", params).json()]

    assert listed() == [ids[0]]  # rejected: not listed
    assert listed(status="closed") == [ids[0]] and listed(status="open") == []
    assert listed(service_code="air") == [] and listed(service_code="jalan") == [ids[0]]
    assert listed(service_request_id=f"{ids[0]},{ids[1]}") == [ids[0]]
    old = timezone.now() - timedelta(days=200)
    assert listed(start_date=old.isoformat(), end_date=(old + timedelta(days=10)).isoformat()) == []
    for params, code in [
        ({"status": "pending"}, 400),
        ({"start_date": "kemarin"}, 400),
        (
            {
                "start_date": (timezone.now() - timedelta(days=100)).isoformat(),
                "end_date": timezone.now().isoformat(),
            },
            400,
        ),
        ({"service_request_id": "1,abc"}, 400),
        ({"service_code": "gosip"}, 404),
        ({"jurisdiction_id": "35.17"}, 404),
    ]:
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/requests.{fmt}", params)
            assert response.status_code == code, (params, response.content)
            assert _errors(response, fmt)[0][0] == code
    assert client.get(f"{BASE}/requests/99999999.json").status_code == 404


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"api_key": None}, 403),
        ({"api_key": "wrg_not-a-key"}, 403),
        ({"service_code": None}, 400),
        ({"service_code": "gosip"}, 404),
        ({"attribute[desa]": None}, 400),
        ({"attribute[desa]": "32.14.01"}, 400),  # a kecamatan
        ({"lat": None, "long": None}, 400),
        ({"lat": "48.85", "long": "2.35"}, 400),  # Paris
        ({"lat": "-6.55", "long": None}, 400),
        ({"jurisdiction_id": "35.17"}, 404),
        ({"description": ""}, 400),
        ({"description": "x" * 1801}, 400),
        ({"email": "bukan-email"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"attribute[anonim]": "mungkin"}, 400),
        ({"phone": "12"}, 400),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(rules, client, key, extra, status, fmt):
    response = _post(client, key, rules, fmt, **extra)
    assert response.status_code == status, response.content
    ((code, description),) = _errors(response, fmt)
    assert code == status and description
    assert Case.objects.count() == 0


def test_post_address_only_and_media_link_not_fetched(rules, client, key):
    response = _post(
        client,
        key,
        rules,
        lat=None,
        long=None,
        address_string="Jl. Veteran depan SD",
        media_url="https://example.org/a.jpg",
    )
    assert response.status_code == 201
    case = Case.objects.get()
    assert "Jl. Veteran depan SD" in case.text and "https://example.org/a.jpg" in case.text
    assert case.latitude is None and case.photos.count() == 0


def test_a_key_without_the_filing_capability_or_outside_its_area(rules, client, people):
    assert _post(client, _key(people.pln), rules).status_code == 403  # agency staff: no reports.create
    other = _key(rules.outsider)  # another kecamatan's counter
    response = _post(client, other, rules)
    assert response.status_code == 400 and Case.objects.count() == 0


def test_nul_bytes_and_oversized(rules, client, key):
    assert _post(client, key, rules, description="Jalan\x00rusak").status_code == 400  # multipart
    form = {"api_key": key, "service_code": "jalan", "description": "Jalan\x00rusak"}
    from urllib.parse import urlencode

    encoded = client.post(
        f"{BASE}/requests.json", urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert encoded.status_code == 400
    # Refused before the view, still in GeoReport's error format (JSON or XML by the extension).
    assert encoded.json()[0]["code"] == 400 and "karakter" in encoded.json()[0]["description"]
    as_xml = client.post(
        f"{BASE}/requests.xml", urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert as_xml.status_code == 400 and b"<errors><error><code>400</code>" in as_xml.content
    assert client.get(f"{BASE}/requests.json", {"service_code": "a" * 5000}).status_code == 404
    assert Case.objects.count() == 0


@override_settings(REPORTS_RATE_LIMITS={"open311_key": (2, 3600), "open311_address": (100, 3600)})
def test_rate_limited_per_key(rules, client, key):
    assert _post(client, key, rules).status_code == 201
    assert _post(client, key, rules).status_code == 201
    limited = _post(client, key, rules)
    assert limited.status_code == 429 and _errors(limited)[0][0] == 429


@override_settings(REPORTS_RATE_LIMITS={"open311_key": (100, 3600), "open311_address": (1, 3600)})
def test_rate_limited_per_address(rules, client, key):
    assert _post(client, key, rules).status_code == 201
    assert _post(client, _key(rules.kec_officer), rules).status_code == 429


def test_get_is_public_and_json_is_an_array(rules, client):
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200 and json.loads(response.content) == []
    assert response["Access-Control-Allow-Origin"] == "*"
