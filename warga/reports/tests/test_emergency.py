"""The 112 desk through the pages: recording a call, sending bodies, logging their times, prank and
duplicate calls, the live list, the statistics, who may do what; SMS DARURAT still reaches the
desk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, InvalidInput
from warga.core.permissions import Role
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.reports.emergency_selectors import emergency_stats, percentile
from warga.reports.models import Case, CaseEvent, CaseStatus, EmergencyCall, EmergencyDispatch
from warga.reports.services.emergency import (
    emergency_call_record,
    emergency_close,
    emergency_dispatch,
    emergency_mark_duplicate,
    emergency_mark_prank,
    emergency_time_log,
)

from .conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def taker(rules):
    return _user("operator112", Role.CALL_TAKER, "call112", rules.kabupaten)


def _units(*codes):
    return [Unit.objects.get(code=c).pk for c in codes]


def _call(cast, taker, **extra):
    data = {
        "kind": "kebakaran",
        "phone": "081233344455",
        "desa": cast.desa.code,
        "address": "Jl. Merdeka 12, RT 02/RW 03, dekat masjid",
        "text": "Rumah terbakar, api besar <b>tolong</b>",
        "units": _units("damkar", "rsud"),
        "ref": "112-test-1",
    }
    data.update(extra)
    return data


def test_the_desk_records_a_call_and_sends_the_bodies(rules, taker, client_for):
    client = client_for(taker)
    page = client.get("/reports/112/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'accesskey="1"' in body and "hx-trigger" in body and 'name="opened"' in body
    opened = page.context["form"].initial["opened"]
    response = client.post("/reports/112/", {**_call(rules, taker), "opened": opened})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/112/{case.pk}/"
    assert (case.kind, case.channel, case.category) == ("darurat", "call112", "bencana")
    assert case.assigned_unit.code == "call112" and case.status == CaseStatus.ASSIGNED
    assert case.reporter_phone == "+6281233344455"
    call = EmergencyCall.objects.get(case=case)
    assert call.kind == "kebakaran" and call.taken_by == taker and call.received_at <= case.received_at
    assert sorted(d.unit.code for d in EmergencyDispatch.objects.filter(case=case)) == ["damkar", "rsud"]
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 2
    actions = set(AuditLog.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"reports.case.file", "reports.emergency.call", "reports.emergency.dispatch"} <= actions
    # Markup is shown as text.
    detail = client.get(f"/reports/112/{case.pk}/").content.decode()
    assert "&lt;b&gt;tolong&lt;/b&gt;" in detail and "<b>tolong</b>" not in detail
    # A double submit (same reference) records nothing twice.
    client.post("/reports/112/", _call(rules, taker))
    assert Case.objects.count() == 1 and EmergencyDispatch.objects.count() == 2
    # Nothing personal in the URL.
    assert case.reporter_phone not in response["Location"]


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": ""},
        {"kind": "gosip"},
        {"address": ""},
        {"text": ""},
        {"text": "x" * 1001},
        {"phone": "12"},
        {"latitude": "48.85", "longitude": "2.35"},  # Paris: not in Indonesia
        {"units": [999999]},
    ],
)
def test_the_desk_refuses_bad_input(rules, taker, client_for, extra):
    response = client_for(taker).post("/reports/112/", _call(rules, taker, **extra))
    assert response.status_code == 200  # the form again, with the message
    assert Case.objects.count() == 0


def test_nul_bytes_are_refused(rules, taker, client_for):
    response = client_for(taker).post("/reports/112/", _call(rules, taker, text="Api\x00"))
    assert response.status_code == 400 and Case.objects.count() == 0


def _record(cast, taker, **kwargs):
    defaults = {
        "kind": "medis",
        "text": "Warga pingsan di pasar",
        "address": "Pasar Desa",
        "caller_phone": "081200000001",
        "desa": cast.desa,
        "unit_ids": _units("rsud"),
    }
    defaults.update(kwargs)
    return emergency_call_record(actor=Actor.for_user(taker), **defaults)


def test_the_time_log_per_body_in_order_with_who(rules, taker, client_for):
    case = _record(rules, taker)
    dispatch = EmergencyDispatch.objects.get(case=case)
    client = client_for(taker)
    url = f"/reports/112/{case.pk}/dispatch/{dispatch.pk}/time/"
    assert client.post(url, {"stage": "acknowledged"}).status_code == 302
    assert client.post(url, {"stage": "on_scene"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.acknowledged_by == taker and dispatch.on_scene_by == taker
    assert dispatch.dispatched_at <= dispatch.acknowledged_at <= dispatch.on_scene_at
    # The same step twice, a time in the future, a time before the dispatch: refused.
    actor = Actor.for_user(taker)
    with pytest.raises(Conflict):
        emergency_time_log(actor=actor, dispatch_id=dispatch.pk, stage="on_scene")
    with pytest.raises(InvalidInput):
        emergency_time_log(
            actor=actor, dispatch_id=dispatch.pk, stage="closed", at=timezone.now() + timedelta(hours=1)
        )
    with pytest.raises(InvalidInput):
        emergency_time_log(
            actor=actor,
            dispatch_id=dispatch.pk,
            stage="closed",
            at=dispatch.dispatched_at - timedelta(minutes=5),
        )
    # Closing the emergency waits for every body to finish.
    with pytest.raises(Conflict):
        emergency_close(actor=actor, case_id=case.pk)
    assert client.post(url, {"stage": "closed"}).status_code == 302
    # Another emergency's dispatch cannot be logged under this one.
    other = _record(rules, taker, text="Kecelakaan motor", kind="kecelakaan")
    other_dispatch = EmergencyDispatch.objects.get(case=other)
    wrong = client.post(
        f"/reports/112/{case.pk}/dispatch/{other_dispatch.pk}/time/", {"stage": "acknowledged"}
    )
    assert wrong.status_code == 404
    response = client.post(f"/reports/112/{case.pk}/mark/", {"action": "emergency_close", "note": "Selesai"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.answer == "Selesai"
    assert CaseEvent.objects.filter(case=case, action="emergency_close").exists()


def test_more_bodies_and_not_twice(rules, taker, client_for):
    case = _record(rules, taker)
    client = client_for(taker)
    client.post(f"/reports/112/{case.pk}/dispatch/", {"units": _units("rsud", "polres")})
    assert sorted(d.unit.code for d in EmergencyDispatch.objects.filter(case=case)) == ["polres", "rsud"]


def test_prank_and_duplicate(rules, taker, client_for):
    first = _record(rules, taker)
    again = _record(rules, taker, caller_phone="081200000002")
    prank = _record(rules, taker, caller_phone="081200000003", unit_ids=[])
    client = client_for(taker)
    r = client.post(
        f"/reports/112/{again.pk}/mark/", {"action": "mark_duplicate", "original": first.tracking_code}
    )
    assert r.status_code == 302
    again.refresh_from_db()
    assert again.status == CaseStatus.MERGED and again.merged_into == first
    assert EmergencyCall.objects.get(case=again).duplicate_of == first
    client.post(f"/reports/112/{prank.pk}/mark/", {"action": "mark_prank", "note": "iseng"})
    prank.refresh_from_db()
    assert prank.status == CaseStatus.REJECTED and EmergencyCall.objects.get(case=prank).prank
    # A duplicate of a non-emergency (not even visible to the desk), or of an unknown code: the
    # same refusal.
    laporan = Case.objects.create(
        tracking_code="ACDEFGHJKM",
        kind="laporan",
        channel="web",
        text="x",
        region=rules.desa,
        desa=rules.desa,
    )
    fresh = _record(rules, taker, caller_phone="081200000004")
    with pytest.raises(InvalidInput):
        emergency_mark_duplicate(
            actor=Actor.for_user(taker), case_id=fresh.pk, original_code=laporan.tracking_code
        )
    with pytest.raises(InvalidInput):
        emergency_mark_duplicate(actor=Actor.for_user(taker), case_id=fresh.pk, original_code="XXXXXXXXXX")
    # Finished: no more dispatches.
    with pytest.raises(Conflict):
        emergency_dispatch(actor=Actor.for_user(taker), case_id=prank.pk, unit_ids=_units("polres"))
    # The open list shows the first and the fresh one only.
    page = client.get("/reports/112/open/", HTTP_HX_REQUEST="true").content.decode()
    assert first.tracking_code in page and fresh.tracking_code in page
    assert prank.tracking_code not in page and again.tracking_code not in page


def test_statistics_per_kind(rules, taker, client_for):
    actor = Actor.for_user(taker)
    now = timezone.now()
    for minutes_to_dispatch, minutes_to_scene in [(1, 10), (2, 20), (3, 30), (10, 40)]:
        case = _record(rules, taker, unit_ids=[])
        EmergencyCall.objects.filter(case=case).update(received_at=now - timedelta(minutes=60))
        emergency_dispatch(actor=actor, case_id=case.pk, unit_ids=_units("rsud"))
        EmergencyDispatch.objects.filter(case=case).update(
            dispatched_at=now - timedelta(minutes=60 - minutes_to_dispatch),
            on_scene_at=now - timedelta(minutes=60 - minutes_to_dispatch - minutes_to_scene),
        )
    prank = _record(rules, taker, unit_ids=[])
    emergency_mark_prank(actor=actor, case_id=prank.pk)
    stats = {s.kind: s for s in emergency_stats(actor=actor)}
    medis = stats["medis"]
    assert (medis.calls, medis.pranks) == (5, 1)
    assert medis.to_dispatch_median == pytest.approx(2) and medis.to_dispatch_p90 == pytest.approx(10)
    assert medis.to_scene_median == pytest.approx(20) and medis.to_scene_p90 == pytest.approx(40)
    assert stats["kebakaran"].calls == 0 and stats["kebakaran"].to_dispatch_median is None
    page = client_for(taker).get("/reports/112/stats/")
    assert page.status_code == 200 and 'data-kind="medis"' in page.content.decode()
    # A period too long or reversed is refused with a message, not an error.
    today = timezone.localdate()
    bad = client_for(taker).get("/reports/112/stats/", {"start": today, "end": today - timedelta(days=1)})
    assert bad.status_code == 200 and not bad.context["stats"]
    assert percentile([], 50) is None and percentile([5.0], 90) == 5.0


def test_permissions_per_role(rules, taker, people, client_for, cast):
    case = _record(rules, taker)
    handler, pln, bupati = people.handler, people.pln, people.bupati
    # The complaint handler and the regional head follow; they do not take calls.
    for user in (handler, bupati):
        client = client_for(user)
        assert client.get("/reports/112/").status_code == 403
        assert client.get("/reports/112/open/").status_code == 200
        assert client.get(f"/reports/112/{case.pk}/").status_code == 200
        assert client.get("/reports/112/stats/").status_code == 200
        assert client.post(f"/reports/112/{case.pk}/mark/", {"action": "mark_prank"}).status_code == 403
    # An agency officer and a kecamatan counter: nothing of the desk.
    for user in (pln, cast.kec_officer):
        client = client_for(user)
        for url in ("/reports/112/", "/reports/112/open/", f"/reports/112/{case.pk}/", "/reports/112/stats/"):
            assert client.get(url).status_code == 403
    assert client_for(None).get("/reports/112/")["Location"].startswith("/login/")
    # The overseer sees no caller's number; the desk does.
    assert case.reporter_phone not in client_for(bupati).get(f"/reports/112/{case.pk}/").content.decode()
    assert case.reporter_phone in client_for(taker).get(f"/reports/112/{case.pk}/").content.decode()
    # The call-taker files only emergencies: the other cases of the area stay hidden.
    assert client_for(taker).get("/reports/").status_code == 403


def test_sms_darurat_reaches_the_desk(rules, taker, client_for):
    from warga.messaging.models import SmsMessage, SmsPurpose
    from warga.messaging.services import sms_incoming_receive

    with TestCase.captureOnCommitCallbacks(execute=True):
        sms_incoming_receive(sender="+6281233300009", text="DARURAT banjir di RT 03", gateway="development")
    case = Case.objects.get()
    assert case.kind == "darurat" and case.assigned_unit.code == "call112"
    reply = SmsMessage.objects.get(to="+6281233300009", purpose=SmsPurpose.REPLY).text
    assert "112" in reply and case.tracking_code in reply
    page = client_for(taker).get("/reports/112/").content.decode()
    assert case.tracking_code in page
    # The desk can send a body to it too.
    emergency_dispatch(actor=Actor.for_user(taker), case_id=case.pk, unit_ids=_units("bpbd"))
    assert EmergencyDispatch.objects.filter(case=case, unit__code="bpbd").exists()
