"""The cases API: file (idempotent), list and detail scoped, actions and taking them."""

from __future__ import annotations

import pytest

from warga.reports.models import Case

pytestmark = pytest.mark.django_db


def _body(cast, **extra):
    return {"kind": "laporan", "desa_code": cast.desa.code, "text": "Jalan berlubang di RT 04", **extra}


def test_file_list_detail_and_act(rules, people, client_for):
    counter = client_for(rules.kec_officer)
    response = counter.post(
        "/api/v1/reports/", _body(rules, client_ref="c-1"), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["category"] == "jalan" and data["status"] == "new" and data["events"][0]["action"] == "file"
    again = counter.post("/api/v1/reports/", _body(rules, client_ref="c-1"), content_type="application/json")
    assert again.json()["id"] == data["id"] and Case.objects.count() == 1
    handler = client_for(people.handler)
    actions = handler.get(f"/api/v1/reports/{data['id']}/actions").json()
    assert [a["name"] for a in actions][:2] == ["accept", "verify"]
    moved = handler.post(
        f"/api/v1/reports/{data['id']}/transitions", {"action": "accept"}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "assigned"
    impossible = handler.post(
        f"/api/v1/reports/{data['id']}/transitions", {"action": "accept"}, content_type="application/json"
    )
    assert impossible.status_code == 409 and impossible.json()["code"] == "reports.transition_impossible"
    refused = client_for(people.pln).post(
        f"/api/v1/reports/{data['id']}/transitions",
        {"action": "answer", "note": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404  # routed to the public works office, not PLN
    listed = client_for(people.handler).get("/api/v1/reports/", {"category": "jalan"}).json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("extra", "status"),
    [({"text": ""}, 422), ({"channel": "sms"}, 422), ({"desa_code": "99.99"}, 422), ({"latitude": 95}, 422)],
)
def test_file_bad_input(rules, client_for, extra, status):
    response = client_for(rules.kec_officer).post(
        "/api/v1/reports/", _body(rules, **extra), content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert set(response.json()) >= {"code", "message"}


def test_file_needs_the_capability(rules, client_for, people):
    assert (
        client_for(people.pln)
        .post("/api/v1/reports/", _body(rules), content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(None).post("/api/v1/reports/", _body(rules), content_type="application/json").status_code
        == 401
    )


@pytest.mark.parametrize("desa", ["9999-12-31", "HTTP_X_FORWARDED_FOR", "9223372036854775807"])
def test_a_desa_filter_that_is_no_region_code_is_bad_input(rules, client_for, desa):
    response = client_for(rules.dukcapil).get("/api/v1/reports/", {"desa": desa})
    assert response.status_code == 422 and response.json()["code"] == "reports.desa_filter"
