"""Assigning many cases from the inbox: the ticked rows, the preview of each case (the action it
takes or why not), the signed confirmation, all or nothing, another area's cases not found."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warga.audit.models import AuditLog
from warga.core.permissions import Role
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.reports.models import Case, CaseEvent, CaseStatus
from warga.reports.services import case_file, case_transition

from .conftest import _user

pytestmark = pytest.mark.django_db
URL = reverse("reports:bulk_assign")


def _case(cast, text="Jalan rusak berlubang di RT 02", desa=None):
    return case_file(actor=None, text=text, channel="web", desa=desa or cast.desa, phone="081200000088")


def _act(user, case, action, **kwargs):
    return case_transition(actor=Actor.for_user(user), case_id=case.pk, action=action, **kwargs)


def _desa_office(cast):
    return Unit.objects.get(kind="desa", area=cast.desa)


def test_inbox_ticks_cases_and_assigns_them_after_the_preview(cast, people, client_for):
    new, verified, assigned = _case(cast), _case(cast), _case(cast)
    _act(people.handler, verified, "verify")
    _act(people.handler, assigned, "accept", unit_id=Unit.objects.get(code="pln").pk)
    client = client_for(people.handler)
    inbox = client.get(reverse("reports:list")).content.decode()
    assert 'data-testid="bulk-assign"' in inbox and f'name="case" value="{new.pk}"' in inbox
    office = _desa_office(cast)
    data = {"case": [new.pk, verified.pk, assigned.pk], "unit": office.pk}
    preview = client.post(URL, data)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.ok and [x.action.name for x in plan.lines] == ["accept", "assign", "reassign"]
    assert office.name in preview.content.decode()
    assert not CaseEvent.objects.filter(action__in=["accept", "assign", "reassign"], unit=office).exists()
    done = client.post(URL, {**data, "step": "confirm", "token": preview.context["token"]})
    assert done.status_code == 302 and done["Location"] == reverse("reports:list")
    for case in (new, verified, assigned):
        case.refresh_from_db()
        assert (case.status, case.assigned_unit_id) == (CaseStatus.ASSIGNED, office.pk)
        assert AuditLog.objects.filter(object_type="reports.case", object_id=str(case.pk)).exists()
    assert CaseEvent.objects.filter(unit=office).count() == 3
    bulk = AuditLog.objects.get(action="reports.case.bulk_assign")
    assert bulk.summary == {
        "cases": 3,
        "unit": office.pk,
        "actions": {"accept": 1, "assign": 1, "reassign": 1},
    }


def test_a_case_whose_state_does_not_allow_it_stops_them_all(cast, people, client_for):
    good, closed = _case(cast), _case(cast)
    _act(people.handler, closed, "reject", note="Laporan ganda")
    client = client_for(people.handler)
    data = {"case": [good.pk, closed.pk], "unit": _desa_office(cast).pk}
    preview = client.post(URL, data)
    assert preview.status_code == 200 and not preview.context["token"]
    page = preview.content.decode()
    assert 'data-testid="refused"' in page and closed.tracking_code in page
    assert "Confirm assignment" not in page and "Konfirmasi penugasan" not in page
    # A confirmation without a valid preview changes nothing.
    assert client.post(URL, {**data, "step": "confirm", "token": "x"}).status_code == 409
    good.refresh_from_db()
    closed.refresh_from_db()
    assert (good.status, closed.status) == (CaseStatus.NEW, CaseStatus.REJECTED)
    assert not AuditLog.objects.filter(action="reports.case.bulk_assign").exists()


def test_a_case_changed_after_the_preview_answers_409_with_the_new_preview(cast, people, client_for):
    first, second = _case(cast), _case(cast)
    client = client_for(people.handler)
    data = {"case": [first.pk, second.pk], "unit": _desa_office(cast).pk}
    preview = client.post(URL, data)
    assert preview.context["plan"].ok
    _act(people.handler, second, "reject", note="Bukan urusan pemerintah")  # someone else, meanwhile
    stale = client.post(URL, {**data, "step": "confirm", "token": preview.context["token"]})
    assert stale.status_code == 409
    assert 'data-testid="stale"' in stale.content.decode()
    assert not stale.context["plan"].ok and second.tracking_code in stale.context["plan"].refusals[0]
    first.refresh_from_db()
    assert first.status == CaseStatus.NEW and first.assigned_unit_id is None


def test_another_area_handler_does_not_find_the_cases(cast, people, client_for):
    case = _case(cast)
    other = _user("handler_other", Role.COMPLAINT_HANDLER, "diskominfo", cast.other_kecamatan)
    client = client_for(other)
    data = {"case": [case.pk], "unit": _desa_office(cast).pk}
    preview = client.post(URL, data)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.unknown == 1 and not plan.lines and not preview.context["token"]
    assert case.tracking_code not in preview.content.decode()
    # Even with a token of the handler who sees it, nothing changes.
    token = client_for(people.handler).post(URL, data).context["token"]
    assert client.post(URL, {**data, "step": "confirm", "token": token}).status_code == 409
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_roles_without_the_capability_are_refused(cast, people, client_for):
    case = _case(cast)
    data = {"case": [case.pk], "unit": _desa_office(cast).pk}
    for user in (cast.kec_officer, people.pln, people.bupati):
        assert client_for(user).post(URL, data).status_code == 403
    # The inbox of an office that only follows cases shows no ticks.
    inbox = client_for(cast.kec_officer).get(reverse("reports:list")).content.decode()
    assert 'data-testid="bulk-assign"' not in inbox and 'form="case-bulk"' not in inbox
    assert client_for(people.handler).get(URL).status_code == 405
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_no_unit_or_no_case_is_a_clear_message(cast, people, client_for):
    case = _case(cast)
    client = client_for(people.handler)
    page = client.post(URL, {"case": [case.pk]})
    assert page.status_code == 200 and page.context["plan"] is None
    assert "unit" in page.content.decode().lower()
    assert client.post(URL, {"unit": _desa_office(cast).pk}).context["plan"] is None
