"""Open311 as an independent client sees it: the `georeport` package (a GeoReport v2 client from
PyPI, in the dev extra) lists the services and reads requests back from the live server; it has no
call for filing, so the request is posted with `requests` as any integration would, over HTTP."""

from __future__ import annotations

import pytest

georeport = pytest.importorskip("georeport")
requests = pytest.importorskip("requests")

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_services_post_and_read_back(live_server, cast):
    from warga.accounts.models import ApiToken
    from warga.core.scoping import Actor
    from warga.reports.services import case_transition, routing_rules_seed

    from .conftest import _user

    routing_rules_seed()
    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=cast.kec_officer, name="open311", key_prefix=prefix, key_hash=key_hash)
    root = f"{live_server.url}/open311/v2"
    client = georeport.GeoReport(root, jurisdiction=cast.kabupaten.code, api_key=raw)

    services = client.get_service_list()
    assert "listrik_padam" in {s["service_code"] for s in services}
    definition = client.get_service_definition("listrik_padam")
    assert definition["attributes"][0]["code"] == "desa"

    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": raw,
            "jurisdiction_id": cast.kabupaten.code,
            "service_code": "listrik_padam",
            "lat": "-6.5569",
            "long": "107.4431",
            "description": "Listrik padam sejak pagi di RT 01",
            "attribute[desa]": cast.desa.code,
            "first_name": "Siti",
            "phone": "081200000041",
        },
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    handler = _user("handler", "complaint_handler", "diskominfo", cast.kabupaten)
    case_transition(actor=Actor.for_user(handler), case_id=int(request_id), action="accept")
    one = client.get_service_request(request_id)
    assert one["service_code"] == "listrik_padam" and one["status"] == "open"
    assert one["description"] == "Listrik padam sejak pagi di RT 01" and one["agency_responsible"]
    assert "Siti" not in str(one) and "0812" not in str(one)
    listed = client.get_service_requests(service_code="listrik_padam", status="open")
    assert [r["service_request_id"] for r in listed] == [request_id]

    xml_client = georeport.GeoReport(root, jurisdiction=cast.kabupaten.code, output_format="xml")
    assert xml_client.get_service_request(request_id)["service_request_id"] == request_id
    assert any(s["service_code"] == "jalan" for s in xml_client.get_service_list())
