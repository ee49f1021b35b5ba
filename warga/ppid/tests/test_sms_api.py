"""INFO <number> by SMS, and the API: public form and tracking, officer operations, declared 4xx."""

from __future__ import annotations

import pytest
from django.test import TestCase

from warga.core.scoping import Actor
from warga.messaging.models import SmsMessage, SmsPurpose
from warga.messaging.services import sms_incoming_receive
from warga.ppid.models import InformationRequest
from warga.ppid.services import RequestInput, request_file

from .conftest import NIK

pytestmark = pytest.mark.django_db
NUMBER = "+6281233300077"


def _sms(text: str) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        sms_incoming_receive(sender=NUMBER, text=text, gateway="development", gateway_ref="")
    return (
        SmsMessage.objects.filter(to=NUMBER, purpose=SmsPurpose.REPLY)
        .order_by("-pk")
        .values_list("text", flat=True)[0]
    )


def _filed(people) -> InformationRequest:
    return request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            name="Siti",
            nik=NIK,
            address="Jl. 5",
            phone="081200007001",
            information="Data",
            purpose="Riset",
            unit_id=people.kec_unit.pk,
        ),
    )


def test_info_with_a_number_answers_the_status_and_info_alone_the_list(people):
    filed = _filed(people)
    reply = _sms(f"INFO {filed.number}")
    assert filed.number in reply and people.kec_unit.name in reply and "Siti" not in reply
    assert filed.number in _sms("info " + filed.number.replace("/", " ").lower())
    assert "PPID/2020/000999" in _sms("INFO PPID/2020/000999")
    listing = _sms("INFO")
    assert "CEK" in listing and "LAPOR" in listing
    assert "CEK" in _sms("INFO apa saja")


def _payload(**extra):
    return {
        "name": "Siti",
        "nik": NIK,
        "address": "Jl. 5",
        "phone": "081200007001",
        "information": "Data gizi",
        "purpose": "Riset",
        **extra,
    }


def test_public_api_files_and_tracks(people, client):
    response = client.post("/api/v1/information-requests/", _payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert number.startswith("PPID/")
    tracked = client.post(
        "/api/v1/information-requests/track", {"number": number}, content_type="application/json"
    )
    assert tracked.status_code == 200 and "Siti" not in tracked.content.decode()
    missing = client.post(
        "/api/v1/information-requests/track", {"number": "PPID/2020/000001"}, content_type="application/json"
    )
    assert missing.status_code == 404
    bad = client.post(
        "/api/v1/information-requests/", _payload(nik="3214011203860000"), content_type="application/json"
    )
    assert bad.status_code == 422 and any(d["field"] == "nik" for d in bad.json()["details"])
    nameless = client.post(
        "/api/v1/information-requests/", _payload(name=""), content_type="application/json"
    )
    assert nameless.status_code == 422
    assert InformationRequest.objects.count() == 1


def test_officer_api_lists_scoped_and_takes_actions(people, client_for):
    filed = _filed(people)
    other = request_file(
        actor=Actor.for_user(people.dinkes),
        channel="desk",
        data=RequestInput(name="B", nik=NIK, address="x", phone="081200007002", information="i", purpose="p"),
    )
    kec = client_for(people.kec)
    numbers = [r["number"] for r in kec.get("/api/v1/information-requests/").json()["items"]]
    assert numbers == [filed.number]
    assert kec.get(f"/api/v1/information-requests/{other.pk}").status_code == 404
    actions = [a["name"] for a in kec.get(f"/api/v1/information-requests/{filed.pk}/actions").json()]
    assert actions == ["forward", "extend", "decide"]
    url = f"/api/v1/information-requests/{filed.pk}/transitions"
    response = kec.post(url, {"action": "extend", "note": "Butuh waktu."}, content_type="application/json")
    assert response.status_code == 200 and response.json()["extended"]
    again = kec.post(url, {"action": "extend", "note": "Lagi."}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "ppid.already_extended"
    assert (
        client_for(people.atasan)
        .post(url, {"action": "extend", "note": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    everything = client_for(people.utama).get("/api/v1/information-requests/").json()["items"]
    assert {r["number"] for r in everything} == {filed.number, other.number}
