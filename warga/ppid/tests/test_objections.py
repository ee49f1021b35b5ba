"""Objections (art. 35–36) and disputes at the Komisi Informasi (art. 37)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from warga.core.scoping import Actor
from warga.ppid.models import Objection, ObjectionStatus
from warga.ppid.services import Decision, RequestInput, request_file, request_transition

from .conftest import NIK

pytestmark = pytest.mark.django_db


def _at(monkeypatch, day: date) -> None:
    moment = timezone.make_aware(datetime.combine(day, time(9, 0)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _refused(people):
    filed = request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            name="Siti",
            nik=NIK,
            address="Jl. 5",
            phone="081200007001",
            email="Siti@Example.org",
            information="Data",
            purpose="Riset",
            unit_id=people.kec_unit.pk,
        ),
    )
    return request_transition(
        actor=Actor.for_user(people.kec),
        request_id=filed.pk,
        action="decide",
        decision=Decision(outcome="refused", exemption_ground="h", consequence_test="UK/1"),
    )


def _object(client, number, contact="081200007001", ground="refused"):
    return client.post(
        "/ppid/keberatan/",
        {"number": number, "contact": contact, "ground": ground, "reason": "Saya keberatan."},
    )


def test_the_requester_objects_and_the_atasan_answers(people, client, client_for):
    refused = _refused(people)
    assert _object(client, refused.number, contact="081299999999").status_code == 404
    response = _object(client, refused.number, contact="siti@example.org")
    assert response.status_code == 200 and refused.number in response.content.decode()
    objection = Objection.objects.get()
    assert objection.status == ObjectionStatus.FILED and objection.due_on > objection.filed_on
    assert _object(client, refused.number).status_code == 409  # one waiting objection at a time
    url = f"/ppid/objections/{objection.pk}/"
    assert client_for(people.kec).get(url).status_code == 403
    assert client_for(people.utama).get(url).status_code == 200
    assert client_for(people.utama).post(url + "decide/", {"upheld": "1", "answer": "x"}).status_code == 403
    atasan = client_for(people.atasan)
    assert refused.number in atasan.get("/ppid/objections/").content.decode()
    response = atasan.post(url + "decide/", {"upheld": "0", "answer": "Pengecualian sudah diuji."})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.decided_by == people.atasan
    assert (
        atasan.post(url + "decide/", {"upheld": "1", "answer": "lagi"}).status_code == 200
    )  # answered already


def test_an_objection_after_30_working_days_is_refused_with_the_date(people, client, monkeypatch):
    _at(monkeypatch, date(2025, 3, 3))
    refused = _refused(people)
    assert refused.decided_on == date(2025, 3, 3)
    _at(monkeypatch, date(2025, 5, 30))
    response = _object(client, refused.number)
    assert response.status_code == 422
    message = str(response.context["form"].errors)
    assert "2025-04-30" in message or "30" in message
    assert not Objection.objects.exists()


def test_no_answer_objection_waits_for_the_due_date(people, client, monkeypatch):
    _at(monkeypatch, date(2025, 3, 3))
    filed = request_file(
        actor=None,
        channel="web",
        data=RequestInput(name="A", nik=NIK, address="x", phone="081200007001", information="i", purpose="p"),
    )
    assert _object(client, filed.number, ground="not_answered").status_code == 409
    _at(monkeypatch, date(2025, 3, 20))  # the notice was due on 17 March
    assert _object(client, filed.number, ground="not_answered").status_code == 200


def test_dispute_is_recorded_within_14_working_days(people, client_for, monkeypatch):
    _at(monkeypatch, date(2025, 6, 2))
    refused = _refused(people)
    from warga.ppid.services import dispute_record, objection_decide, objection_file

    objection = objection_file(number=refused.number, contact="081200007001", ground="refused", reason="x")
    atasan = Actor.for_user(people.atasan)
    objection_decide(actor=atasan, objection_id=objection.pk, upheld=False, answer="tetap")
    url = f"/ppid/objections/{objection.pk}/dispute/"
    _at(monkeypatch, date(2025, 7, 25))
    client = client_for(people.atasan)  # signed in at the mocked time (sessions expire by it)
    late = client.post(url, {"filed_on": "2025-07-01", "outcome": "pending"})
    assert late.status_code == 200 and "filed_on" in late.context["dispute"].errors
    ok = client.post(url, {"filed_on": "2025-06-16", "reference": "KI/12/2025", "outcome": "pending"})
    assert ok.status_code == 302 and ok["Location"] == f"/ppid/objections/{objection.pk}/"
    done = client.post(
        url,
        {
            "filed_on": "2025-06-16",
            "reference": "KI/12/2025",
            "outcome": "mediated",
            "decided_on": "2025-06-19",
        },
    )
    assert done.status_code == 302
    objection.refresh_from_db()
    assert (objection.dispute_outcome, objection.dispute_reference) == ("mediated", "KI/12/2025")
    from warga.core.errors import NotAllowed

    with pytest.raises(NotAllowed):  # the PPID utama follows objections; the atasan decides
        dispute_record(
            actor=Actor.for_user(people.utama),
            objection_id=objection.pk,
            filed_on=date(2025, 6, 16),
            reference="",
        )
