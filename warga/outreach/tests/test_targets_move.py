"""Moving targets to another outreach day: the ticks on the event page, the preview (the day's
capacity, the refusals), the signed confirmation, all or nothing, the single move's checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.errors import Conflict, NotFound
from warga.core.scoping import Actor
from warga.outreach.models import OutreachEvent, Target, TargetKind, Team
from warga.outreach.moves import target_move
from warga.regions.models import Region

pytestmark = pytest.mark.django_db


def _day(cast, team, days=3, desa=None, services=("ktp_recording",)):
    return OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=days),
        desa=desa or cast.desa,
        meeting_point="Masjid",
        services=list(services),
        created_by=cast.dukcapil,
    )


def _targets(event, people, kind=TargetKind.KTP_RECORDING):
    return [Target.objects.create(event=event, resident=p, kind=kind) for p in people]


def _url(event):
    return reverse("outreach:targets_move", args=[event.pk])


def test_event_page_ticks_targets_and_moves_them_after_the_preview(
    cast, client_for, event, team, make_resident
):
    targets = _targets(event, [make_resident(), make_resident()])
    later = _day(cast, Team.objects.create(name="Tim Mobil 2", area=cast.kabupaten, capacity_per_day=5))
    client = client_for(cast.kec_officer)
    page = client.get(reverse("outreach:event", args=[event.pk])).content.decode()
    assert 'data-testid="move-targets"' in page and f'name="target" value="{targets[0].pk}"' in page
    chosen = client.post(_url(event), {"target": [t.pk for t in targets]})
    assert chosen.status_code == 200 and chosen.context["plan"] is None
    assert later.team.name in chosen.content.decode()
    data = {"target": [t.pk for t in targets], "to": later.pk}
    preview = client.post(_url(event), data)
    plan = preview.context["plan"]
    assert preview.status_code == 200 and plan.ok
    assert (plan.capacity, plan.people_before, plan.people_after) == (5, 0, 2)
    assert Target.objects.filter(event=later).count() == 0
    done = client.post(_url(event), {**data, "step": "confirm", "token": preview.context["token"]})
    assert done.status_code == 302 and done["Location"] == reverse("outreach:event", args=[event.pk])
    assert set(Target.objects.filter(event=later).values_list("pk", flat=True)) == {t.pk for t in targets}
    assert AuditLog.objects.filter(action="outreach.target.move").count() == 2
    bulk = AuditLog.objects.get(action="outreach.targets.move")
    assert bulk.summary == {"targets": 2, "to": later.pk} and bulk.object_id == str(event.pk)


def test_refusals_are_listed_and_nothing_moves(cast, client_for, event, team, make_resident):
    waiting, served = _targets(event, [make_resident(), make_resident()])
    Target.objects.filter(pk=served.pk).update(served_at=timezone.now())
    elsewhere = make_resident(
        desa=Region.objects.filter(parent=cast.kecamatan).exclude(code=cast.desa.code).first()
    )
    far = _targets(event, [elsewhere])[0]  # a resident of another desa (a target added by hand)
    small = Team.objects.create(name="Tim Kecil", area=cast.kabupaten, capacity_per_day=1)
    later = _day(cast, small)
    client = client_for(cast.kec_officer)
    data = {"target": [waiting.pk, served.pk, far.pk], "to": later.pk}
    preview = client.post(_url(event), data)
    plan = preview.context["plan"]
    assert preview.status_code == 200 and not plan.ok and not preview.context["token"]
    page = preview.content.decode()
    assert 'data-testid="refused"' in page and len(plan.refusals) == 2
    assert served.resident.full_name in page and elsewhere.full_name in page
    # The day is full after the first: a second waiting target is refused for capacity.
    other = _targets(event, [make_resident()])[0]
    full = client.post(_url(event), {"target": [waiting.pk, other.pk], "to": later.pk}).context["plan"]
    assert [bool(x.refusal) for x in full.lines].count(True) == 1 and full.people_after == 1
    assert client.post(_url(event), {**data, "step": "confirm", "token": "x"}).status_code == 409
    assert set(Target.objects.filter(event=event).values_list("pk", flat=True)) >= {
        waiting.pk,
        served.pk,
        far.pk,
    }
    assert not Target.objects.filter(event=later).exists()
    assert not AuditLog.objects.filter(action__startswith="outreach.target").exists()


def test_a_day_without_the_service_refuses_the_target(cast, event, team, make_resident):
    target = _targets(event, [make_resident()])[0]
    handover_only = _day(
        cast, Team.objects.create(name="Tim 3", area=cast.kabupaten), services=("card_handover",)
    )
    with pytest.raises(Conflict):
        target_move(actor=Actor.for_user(cast.kec_officer), target_id=target.pk, to_event_id=handover_only.pk)
    target.refresh_from_db()
    assert target.event_id == event.pk


def test_a_change_after_the_preview_answers_409_with_the_new_preview(
    cast, client_for, event, team, make_resident
):
    first, second = _targets(event, [make_resident(), make_resident()])
    later = _day(cast, Team.objects.create(name="Tim 4", area=cast.kabupaten))
    client = client_for(cast.kec_officer)
    data = {"target": [first.pk, second.pk], "to": later.pk}
    preview = client.post(_url(event), data)
    assert preview.context["plan"].ok
    Target.objects.filter(pk=second.pk).update(served_at=timezone.now())  # served in the field meanwhile
    stale = client.post(_url(event), {**data, "step": "confirm", "token": preview.context["token"]})
    assert stale.status_code == 409 and 'data-testid="stale"' in stale.content.decode()
    assert not stale.context["plan"].ok and second.resident.full_name in stale.context["plan"].refusals[0]
    assert not Target.objects.filter(event=later).exists()


def test_another_kecamatan_does_not_find_the_event_or_the_day(cast, client_for, event, team, make_resident):
    target = _targets(event, [make_resident()])[0]
    later = _day(cast, Team.objects.create(name="Tim 5", area=cast.kabupaten))
    assert (
        client_for(cast.outsider).post(_url(event), {"target": [target.pk], "to": later.pk}).status_code
        == 404
    )
    # Their own day in their kecamatan: this area's targets are not found from it.
    theirs = _day(cast, Team.objects.create(name="Tim Luar", area=cast.kabupaten), desa=cast.other_desa)
    page = client_for(cast.outsider).post(_url(theirs), {"target": [target.pk], "to": theirs.pk})
    assert page.status_code == 200 and page.context["plan"].unknown == 1
    # And this area's officer does not find the other kecamatan's day as a destination.
    assert (
        client_for(cast.kec_officer).post(_url(event), {"target": [target.pk], "to": theirs.pk}).status_code
        == 404
    )
    with pytest.raises(NotFound):
        target_move(actor=Actor.for_user(cast.outsider), target_id=target.pk, to_event_id=theirs.pk)
    target.refresh_from_db()
    assert target.event_id == event.pk


def test_a_role_without_planning_is_refused(cast, client_for, event, team, make_resident):
    target = _targets(event, [make_resident()])[0]
    later = _day(cast, Team.objects.create(name="Tim 6", area=cast.kabupaten))
    client = client_for(cast.desa_operator)  # sees outreach, does not plan it
    assert client.post(_url(event), {"target": [target.pk], "to": later.pk}).status_code == 403
    page = client.get(reverse("outreach:event", args=[event.pk])).content.decode()
    assert 'form="target-move"' not in page
    assert client_for(cast.kec_officer).get(_url(event)).status_code == 405
    target.refresh_from_db()
    assert target.event_id == event.pk
