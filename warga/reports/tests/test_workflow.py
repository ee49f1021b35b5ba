"""Handling a case: each action allowed or refused per role, the clock, escalation, hand-back,
confidentiality, the reporter's own steps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.messaging.models import SmsMessage
from warga.org.models import Unit
from warga.reports.models import Case, CaseEvent, CaseStatus
from warga.reports.selectors import available_actions, cases_list
from warga.reports.services import case_file, case_reporter_act, case_transition, cases_escalate_overdue

pytestmark = pytest.mark.django_db
PHONE = "+6281200000077"
WIB = ZoneInfo("Asia/Jakarta")


def _outage(cast, **kwargs):
    return case_file(
        actor=None,
        text="Listrik padam sejak pagi di RT 01",
        channel="web",
        desa=cast.desa,
        phone="081200000077",
        name="Ani Reporter",
        **kwargs,
    )


def _act(user, case, action, **kwargs):
    from warga.core.scoping import Actor

    return case_transition(actor=Actor.for_user(user), case_id=case.pk, action=action, **kwargs)


def test_the_whole_loop_with_hand_back(cast, people):
    case = _outage(cast)
    assert SmsMessage.objects.filter(to=PHONE, text__contains=case.tracking_code).count() == 1
    # Only the complaint handler verifies; the unit cannot act before it is assigned.
    with pytest.raises(NotAllowed):
        _act(people.pln, case, "accept")
    with pytest.raises(NotAllowed):
        _act(cast.kec_officer, case, "accept")
    case = _act(people.handler, case, "accept")
    assert case.status == CaseStatus.ASSIGNED and case.assigned_unit.code == "pln"
    assert case.answer_due_on is not None and case.verified_at is not None
    assert SmsMessage.objects.filter(to=PHONE, text__contains="PLN").exists()
    # Another agency cannot answer for PLN.
    with pytest.raises(NotFound):
        _act(people.dinkes, case, "answer", note="bukan kami")
    # PLN hands it back: the handler reassigns it to another unit.
    with pytest.raises(InvalidInput):
        _act(people.pln, case, "hand_back")
    case = _act(people.pln, case, "hand_back", note="Jaringan milik desa, bukan PLN")
    assert case.status == CaseStatus.VERIFIED and case.assigned_unit is None
    with pytest.raises(NotFound):  # PLN no longer sees it
        _act(people.pln, case, "answer", note="x")
    desa_office = Unit.objects.get(kind="desa", area=cast.desa)
    case = _act(people.handler, case, "assign", unit_id=desa_office.pk)
    assert case.assigned_unit == desa_office
    case = _act(cast.desa_operator, case, "acknowledge")
    with pytest.raises(Conflict):
        _act(cast.desa_operator, case, "acknowledge")
    case = _act(cast.desa_operator, case, "answer", note="Sudah diperbaiki oleh teknisi desa.")
    assert case.status == CaseStatus.ANSWERED and case.answer.startswith("Sudah")
    with pytest.raises(NotAllowed):
        _act(cast.desa_operator, case, "close")
    case = _act(people.handler, case, "close")
    assert case.status == CaseStatus.CLOSED
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["file", "accept", "hand_back", "assign", "acknowledge", "answer", "close"]
    assert AuditLog.objects.filter(action="reports.case.hand_back", object_id=str(case.pk)).exists()
    # The reporter rates once and may reopen within 10 days, with the phone they gave.
    with pytest.raises(NotFound):
        case_reporter_act(tracking_code=case.tracking_code, phone="081299999999", action="rate", rating=5)
    case = case_reporter_act(
        tracking_code=case.tracking_code.lower(), phone="0812-0000-0077", action="rate", rating=4
    )
    assert case.rating == 4
    with pytest.raises(Conflict):
        case_reporter_act(tracking_code=case.tracking_code, phone=PHONE, action="rate", rating=5)
    with pytest.raises(InvalidInput):
        case_reporter_act(tracking_code=case.tracking_code, phone=PHONE, action="reopen")
    case = case_reporter_act(
        tracking_code=case.tracking_code, phone=PHONE, action="reopen", note="Padam lagi"
    )
    assert case.status == CaseStatus.REOPENED


def test_reopen_only_within_10_days(cast, people):
    case = _act(people.handler, _outage(cast), "accept")
    case = _act(people.pln, case, "answer", note="Sudah menyala")
    case = _act(people.handler, case, "close")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=11))
    with pytest.raises(Conflict) as exc:
        case_reporter_act(tracking_code=case.tracking_code, phone=PHONE, action="reopen", note="lagi")
    assert exc.value.code == "reports.reopen_late"


def test_merge_reject_and_ask_info(cast, people):
    first, second, third = _outage(cast), _outage(cast), _outage(cast)
    with pytest.raises(InvalidInput):
        _act(people.handler, second, "merge")
    with pytest.raises(Conflict):
        _act(people.handler, second, "merge", target_code=second.tracking_code)
    second = _act(people.handler, second, "merge", target_code=first.tracking_code)
    assert second.status == CaseStatus.MERGED and second.merged_into == first
    assert SmsMessage.objects.filter(to=PHONE, text__contains=first.tracking_code).count() >= 2
    with pytest.raises(Conflict):  # a merged case takes no more steps
        _act(people.handler, second, "reject", note="x")
    with pytest.raises(InvalidInput) as unknown:
        _act(people.handler, third, "merge", target_code="ZZZZZZZZZZ")
    assert unknown.value.code == "reports.target_unknown"
    third = _act(people.handler, third, "ask_info", note="Di RT berapa tepatnya?")
    assert third.status == CaseStatus.NEED_INFO
    assert third.due_on() is None and not third.is_overdue()  # the clock waits for the reporter
    assert SmsMessage.objects.filter(to=PHONE, text__contains="RT berapa").exists()
    third = case_reporter_act(
        tracking_code=third.tracking_code, phone=PHONE, action="add_info", note="RT 01 RW 02"
    )
    assert third.status == CaseStatus.NEW
    with pytest.raises(InvalidInput):
        _act(people.handler, third, "reject")
    third = _act(people.handler, third, "reject", note="Sama dengan laporan lain")
    assert third.status == CaseStatus.REJECTED


def test_ask_info_needs_a_phone(cast, people):
    case = case_file(actor=None, text="Jalan rusak", channel="web", desa=cast.desa, anonymous=True)
    assert [a.name for a in available_actions(case, _actor(people.handler))] == [
        "accept",
        "verify",
        "merge",
        "reject",
    ]
    with pytest.raises(Conflict):
        _act(people.handler, case, "ask_info", note="?")


def _actor(user):
    from warga.core.scoping import Actor

    return Actor.for_user(user)


def test_available_actions_per_role(cast, people):
    case = _outage(cast)
    assert available_actions(case, _actor(people.pln)) == []
    assert available_actions(case, _actor(cast.kec_officer)) == []
    case = _act(people.handler, case, "accept")
    assert [a.name for a in available_actions(case, _actor(people.pln))] == [
        "acknowledge",
        "answer",
        "hand_back",
    ]
    assert [a.name for a in available_actions(case, _actor(people.handler))] == ["reassign"]
    assert available_actions(case, _actor(people.dinkes)) == []
    assert available_actions(case, _actor(people.bupati)) == []


def test_stale_version_is_refused(cast, people):
    case = _outage(cast)
    with pytest.raises(Conflict):
        _act(people.handler, case, "accept", expected_version=case.version + 1)


def test_the_clock_skips_cuti_bersama(cast, people, monkeypatch):
    # Thursday 27 March 2025: then cuti bersama (28 March), Idul Fitri (31 March, 1 April),
    # cuti bersama (2, 3, 4 and 7 April): three working days end on Thursday 10 April.
    received = datetime(2025, 3, 27, 10, 0, tzinfo=WIB)
    monkeypatch.setattr(timezone, "now", lambda: received)
    case = _outage(cast)
    assert case.verify_due_on == date(2025, 4, 10)
    accepted = datetime(2025, 4, 1, 9, 0, tzinfo=WIB)  # assigned on a holiday
    monkeypatch.setattr(timezone, "now", lambda: accepted)
    case = _act(people.handler, case, "accept")
    assert case.answer_due_on == date(2025, 4, 14)  # 8, 9, 10, 11, 14 April


def test_escalation_first_to_the_unit_head_then_oversight(cast, people):
    case = _act(people.handler, _outage(cast), "accept")
    fresh = _outage(cast)
    monday = date(2025, 4, 14)
    Case.objects.filter(pk=case.pk).update(answer_due_on=date(2025, 4, 10))
    Case.objects.filter(pk=fresh.pk).update(verify_due_on=date(2025, 4, 20))
    assert cases_escalate_overdue(today=date(2025, 4, 2)) == 0  # cuti bersama: nothing happens
    assert cases_escalate_overdue(today=monday) == 1
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert SmsMessage.objects.filter(to="+6281277700001", text__contains=case.tracking_code).count() == 1
    assert cases_escalate_overdue(today=monday) == 0  # once per level
    Case.objects.filter(pk=case.pk).update(escalated_at=datetime(2025, 4, 14, 8, tzinfo=WIB))
    assert cases_escalate_overdue(today=date(2025, 4, 15)) == 0  # one working day later: not yet
    assert cases_escalate_overdue(today=date(2025, 4, 16)) == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert list(CaseEvent.objects.filter(case=case, action="escalate").values_list("note", flat=True))
    # The regional secretary's view lists it first.
    from warga.core.scoping import scope

    with scope(_actor(people.bupati)):
        overdue = list(cases_list(actor=_actor(people.bupati)).values_list("pk", flat=True))
    assert overdue[0] == case.pk


def test_confidential_identity_is_hidden_from_the_unit(cast, people, client_for):
    case = _outage(cast, confidential=True)
    case = _act(people.handler, case, "accept")
    for user, sees in [(people.handler, True), (people.pln, False), (cast.kec_officer, False)]:
        page = client_for(user).get(f"/reports/{case.pk}/").content.decode()
        assert ("Ani Reporter" in page) is sees, user
        assert ("081200000077" in page or "+6281200000077" in page) is sees, user
        detail = client_for(user).get(f"/api/v1/reports/{case.pk}").json()
        assert (detail["reporter"] is not None) is sees, user
        assert "Ani Reporter" not in str(client_for(user).get("/api/v1/reports/").json()) or sees


def test_the_unit_sees_only_its_cases(cast, people, client_for):
    mine = _act(people.handler, _outage(cast), "accept")
    other = case_file(actor=None, text="Demam tinggi", channel="web", desa=cast.desa)
    assert other.routed_unit.code == "dinkes"
    pln = client_for(people.pln)
    assert pln.get(f"/reports/{other.pk}/").status_code == 404
    assert pln.get(f"/reports/{mine.pk}/").status_code == 200
    assert pln.get("/reports/").status_code == 403
    inbox = pln.get("/reports/unit/").content.decode()
    assert mine.tracking_code in inbox and other.tracking_code not in inbox
    assert pln.get("/api/v1/reports/").json()["count"] == 1
    # An officer of another kecamatan sees neither.
    assert client_for(cast.outsider).get(f"/reports/{mine.pk}/").status_code == 404
    assert client_for(cast.outsider).get(f"/api/v1/reports/{mine.pk}").status_code == 404
