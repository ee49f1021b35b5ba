"""Reported deaths and births: a task for the office in charge once accepted, registered only
through the register's own life-event form, then linked to the life event both ways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.scoping import Actor, unscoped
from warga.org.models import Unit, UnitKind
from warga.registry import services as registry
from warga.registry.models import LifeEvent, LifeStatus, Resident
from warga.registry.tests.conftest import make_household
from warga.reports.models import CaseEvent, CaseTask, CaseTaskKind, CaseTaskStatus
from warga.reports.services import case_file, case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(cast, people):
    return make_household(cast.actor(cast.dukcapil), cast.desa)


def _death(cast, **kwargs):
    return case_file(
        actor=None,
        text="Pak Budi Santoso meninggal dunia tadi pagi",
        channel="web",
        category="kematian",
        desa=cast.desa,
        phone="081200000090",
        name="Siti",
        **kwargs,
    )


def _act(user, case, action, **kwargs):
    return case_transition(actor=Actor.for_user(user), case_id=case.pk, action=action, **kwargs)


def _desa_unit(cast):
    return Unit.objects.get(kind=UnitKind.DESA_OFFICE, area=cast.desa)


def _tasks(case):
    with unscoped("test"):
        return list(CaseTask.objects.filter(case=case))


def test_acceptance_makes_one_task_and_the_register_is_untouched(cast, people, household):
    case = _death(cast)
    assert _tasks(case) == []  # nothing before the handler accepts it
    case = _act(people.handler, case, "verify")
    [task] = _tasks(case)
    assert task.kind == CaseTaskKind.REGISTER_DEATH and task.status == CaseTaskStatus.OPEN
    assert task.unit == _desa_unit(cast) and task.region_id == cast.desa.code
    assert task.reference.startswith("LAPOR-")
    _act(people.handler, case, "assign", unit_id=_desa_unit(cast).pk)
    assert len(_tasks(case)) == 1  # once, whatever steps follow
    assert CaseEvent.objects.filter(case=case, action="task").count() == 1
    assert AuditLog.objects.filter(action="reports.case_task.create").count() == 1
    # The register does not change because of a report.
    assert Resident.objects.get(pk=household.head.pk).life_status == LifeStatus.ALIVE
    assert not LifeEvent.objects.exists()


def test_other_categories_and_rejections_make_no_task(cast, people):
    case = case_file(actor=None, text="Jalan berlubang", channel="web", desa=cast.desa)
    _act(people.handler, case, "verify")
    assert _tasks(case) == []
    rejected = _death(cast)
    _act(people.handler, rejected, "reject", note="laporan palsu")
    assert _tasks(rejected) == []


def test_birth_task_without_a_desa_office_goes_to_the_disdukcapil(cast, people):
    _desa_unit(cast).__class__.objects.filter(kind=UnitKind.DESA_OFFICE, area=cast.desa).update(
        is_active=False
    )
    case = case_file(
        actor=None, text="Bayi lahir di rumah", channel="web", category="kelahiran", desa=cast.desa
    )
    case = _act(people.handler, case, "verify")
    [task] = _tasks(case)
    assert task.kind == CaseTaskKind.REGISTER_BIRTH and task.unit.kind == UnitKind.DISDUKCAPIL


def test_the_desa_operator_sees_the_task_and_the_counter_registers_it(cast, people, household, client_for):
    case = _act(people.handler, _death(cast), "verify")
    [task] = _tasks(case)
    operator = client_for(cast.desa_operator)
    listing = operator.get("/reports/tasks/")
    assert listing.status_code == 200 and task.reference in listing.content.decode()
    page = operator.get(f"/reports/tasks/{task.pk}/").content.decode()
    assert "kecamatan" in page.lower() and 'name="number"' not in page  # registers nothing itself
    # Outside the area: not found.
    assert client_for(cast.outsider).get(f"/reports/tasks/{task.pk}/").status_code in (403, 404)
    counter = client_for(cast.kec_officer)
    bad = counter.post(f"/reports/tasks/{task.pk}/", {"number": "12"})
    assert bad.status_code == 200 and "registry" not in bad.get("Location", "")
    unknown = counter.post(f"/reports/tasks/{task.pk}/", {"number": "3214019999999999"})
    assert unknown.status_code == 200 and "Location" not in unknown
    found = counter.post(f"/reports/tasks/{task.pk}/", {"number": household.head.nik})
    assert found.status_code == 302 and found["Location"] == f"/registry/residents/{household.head.pk}/death/"
    assert household.head.nik not in found["Location"]
    form = counter.get(found["Location"]).content.decode()
    assert task.reference in form and "Siti" in form  # prefilled: reference and who reported
    registered = counter.post(
        found["Location"],
        {
            "died_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "place": "Rumah",
            "reporter": "Siti",
            "documents": "",
            "event_ref": task.reference,
        },
    )
    assert registered.status_code == 302
    task.refresh_from_db()
    event = LifeEvent.objects.get()
    assert (
        task.status == CaseTaskStatus.DONE and task.life_event == event and task.done_by == cast.kec_officer
    )
    assert event.event_ref == task.reference and list(event.case_tasks.all()) == [task]  # both ways
    assert CaseEvent.objects.filter(case=case, action="life_event").count() == 1
    assert AuditLog.objects.filter(action="reports.case_task.done", object_id=str(task.pk)).exists()
    # The prefill is taken once.
    assert task.reference not in counter.get(found["Location"]).content.decode()


def test_a_life_event_links_only_the_task_it_may_close(cast, people, household):
    case = _act(people.handler, _death(cast), "verify")
    [task] = _tasks(case)
    # A birth event carrying the death task's reference does not close it.
    registry.birth_register(
        actor=cast.actor(cast.dukcapil),
        family=household.family,
        full_name="Bayi Baru",
        sex="M",
        birth_date=timezone.localdate() - timedelta(days=2),
        birth_place="Purwakarta",
        mother=household.wife,
        father=household.head,
        reporter="Siti",
        event_ref=task.reference,
    )
    task.refresh_from_db()
    assert task.status == CaseTaskStatus.OPEN and task.life_event is None
    # An event of another desa (by that desa's registrar) does not close it.
    far = make_household(
        cast.actor(cast.dukcapil), cast.other_desa, serial=51, names=("Dedi", "Euis", "Rizky")
    )
    registry.death_register(
        actor=cast.actor(cast.outsider),
        resident=far.head,
        died_on=date(2024, 1, 1),
        place="",
        reporter="x",
        event_ref=task.reference,
    )
    task.refresh_from_db()
    assert task.status == CaseTaskStatus.OPEN  # another desa's event
    # The right one closes it.
    registry.death_register(
        actor=cast.actor(cast.dukcapil),
        resident=household.head,
        died_on=date(2024, 6, 1),
        place="Rumah",
        reporter="Siti",
        event_ref=task.reference.lower(),
    )
    task.refresh_from_db()
    assert task.status == CaseTaskStatus.DONE and task.life_event.type == "death"


def test_a_task_can_be_closed_without_a_registration(cast, people, client_for):
    case = _act(people.handler, _death(cast), "verify")
    [task] = _tasks(case)
    client = client_for(cast.desa_operator)
    assert client.post(f"/reports/tasks/{task.pk}/cancel/", {"reason": ""}).status_code == 302
    task.refresh_from_db()
    assert task.status == CaseTaskStatus.OPEN
    client.post(f"/reports/tasks/{task.pk}/cancel/", {"reason": "Sudah dicatat bulan lalu"})
    task.refresh_from_db()
    assert task.status == CaseTaskStatus.CANCELLED
    assert CaseEvent.objects.filter(case=case, action="task_cancel").exists()
    # Others without the capability are refused.
    assert client_for(people.pln).get("/reports/tasks/").status_code == 403
