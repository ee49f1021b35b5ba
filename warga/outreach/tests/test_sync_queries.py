"""A sync batch is applied set-based: its statements do not grow with its size, and what it
stores and answers is what the record-by-record path stores and answers."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.cards.models import KtpCard, KtpTransition, RecordingEvent
from warga.outreach.models import SyncRecord, Target, TargetKind
from warga.outreach.services import event_targets_build

pytestmark = pytest.mark.django_db


def _recordings(phone, residents, **extra):
    return [
        phone.record("ktp_recording", {"resident": r.pk, "equipment": "KIT-01"}, **extra) for r in residents
    ]


def _sync(phone, records):
    with CaptureQueriesContext(connection) as ctx:
        response = phone.sync(records)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["results"]


def test_the_statements_of_a_batch_do_not_grow_with_its_size(cast, event, phone, make_resident):
    residents = [make_resident(age=20 + i % 40) for i in range(60)]
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    small, small_results = _sync(phone, _recordings(phone, residents[:10]))
    large_records = _recordings(phone, residents[10:60])
    large, large_results = _sync(phone, large_records)
    assert {r["status"] for r in small_results + large_results} == {"accepted"}
    assert abs(large - small) <= 2, (small, large)
    assert large <= 30, large
    assert RecordingEvent.objects.count() == KtpCard.objects.count() == KtpTransition.objects.count() == 60
    assert Target.objects.filter(kind=TargetKind.KTP_RECORDING, served_at__isnull=False).count() == 60
    assert (
        AuditLog.objects.filter(
            action="cards.recording.create", device_id=str(phone.device.public_id)
        ).count()
        == 60
    )
    # A replay of the large batch is one ledger read, not a query per record either.
    replay, replay_results = _sync(phone, large_records)
    assert {r["status"] for r in replay_results} == {"already_received"}
    assert replay <= small, (replay, small)


def _stored(record_id):
    row = SyncRecord.objects.get(client_id=record_id)
    event = RecordingEvent.objects.get(pk=row.object_id)
    card = KtpCard.objects.get(resident=event.resident)
    transition = KtpTransition.objects.get(card=card)
    audit = AuditLog.objects.get(action="cards.recording.create", object_id=str(event.pk))
    return {
        "answer": {k: v for k, v in row.answer.items() if k not in ("id", "object")},
        "label": row.answer["object"]["label"] == event.resident.full_name,
        "row": (row.status, row.code, row.kind, row.object_type, row.clock_flagged, row.officer_id),
        "event": (event.place_kind, event.outreach_event_id, event.device_set, event.officer_id),
        "card": (card.status, card.recorded_at == event.recorded_at, card.version),
        "transition": (transition.from_status, transition.to_status, transition.source, transition.note),
        "audit": (audit.actor_id, audit.channel, audit.device_id, audit.summary),
    }


def test_a_batch_stores_and_answers_what_one_record_at_a_time_does(cast, event, phone, make_resident):
    """Two records synced alone and two synced together leave the same rows and answers; a wrong
    phone clock is flagged and audited the same way."""
    residents = [make_resident(age=30) for _ in range(4)]
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    ahead = (timezone.now() + timedelta(hours=2)).isoformat()
    alone = [phone.record("ktp_recording", {"resident": r.pk}, captured_at=ahead) for r in residents[:2]]
    for rec in alone:
        assert phone.sync([rec]).json()["results"][0]["status"] == "accepted"
    together = [phone.record("ktp_recording", {"resident": r.pk}, captured_at=ahead) for r in residents[2:]]
    assert [r["status"] for r in phone.sync(together).json()["results"]] == ["accepted", "accepted"]
    one, batched = _stored(alone[0]["id"]), _stored(together[0]["id"])
    assert one == batched
    assert batched["row"][4] is True  # clock flagged
    assert AuditLog.objects.filter(action="outreach.sync.record").count() == 4
    assert Target.objects.filter(resident__in=residents, served_at__isnull=False, on_list=True).count() == 4


def test_a_mixed_batch_keeps_every_answer_of_the_one_by_one_path(cast, event, phone, make_resident):
    """Plain recordings go together; the rest (a resident named twice, one who moved, one too
    young, one recorded at the office, a replayed id, a resident not on the list) answer as
    always, in the batch's order."""
    from warga.cards.services import ktp_recording_record
    from warga.org.models import Unit, UnitKind

    plain = [make_resident(age=30) for _ in range(3)]
    twice, moved, child, at_office = make_resident(), make_resident(), make_resident(age=8), make_resident()
    phone.download(event)
    late = make_resident()  # not on the downloaded list
    moved.desa = cast.other_desa
    moved.save()
    office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    ktp_recording_record(
        actor=cast.actor(cast.kec_officer),
        resident=at_office,
        recorded_at=timezone.now() - timedelta(hours=1),
        place_unit=office,
        device_set="KEC-1",
    )
    earlier = phone.record("ktp_recording", {"resident": plain[2].pk})
    assert phone.sync([earlier]).json()["results"][0]["status"] == "accepted"
    records = [
        phone.record("ktp_recording", {"resident": twice.pk}),
        phone.record("ktp_recording", {"resident": plain[0].pk}),
        phone.record("ktp_recording", {"resident": moved.pk}),
        phone.record("ktp_recording", {"resident": twice.pk}),
        phone.record("ktp_recording", {"resident": child.pk}),
        earlier,
        phone.record("ktp_recording", {"resident": at_office.pk}),
        phone.record("ktp_recording", {"resident": plain[1].pk}),
        phone.record("ktp_recording", {"resident": late.pk}),
    ]
    results = phone.sync(records).json()["results"]
    assert [r["id"] for r in results] == [r["id"] for r in records]
    assert [(r["status"], r["code"]) for r in results] == [
        ("accepted", ""),
        ("accepted", ""),
        ("accepted", ""),
        ("closed", "already_recorded"),
        ("rejected", "cards.too_young"),
        ("already_received", ""),
        ("closed", "already_recorded"),
        ("accepted", ""),
        ("rejected", "not_in_assignment"),
    ]
    assert results[2]["message"]  # the moved resident's note
    assert RecordingEvent.objects.filter(resident=moved).count() == 1
    assert RecordingEvent.objects.filter(resident=twice).count() == 1
    # The replay of the whole batch duplicates nothing.
    again = phone.sync(records).json()["results"]
    assert [r["status"] for r in again] == [
        "already_received",
        "already_received",
        "already_received",
        "closed",
        "rejected",
        "already_received",
        "closed",
        "already_received",
        "rejected",
    ]
    assert RecordingEvent.objects.count() == 6


def test_a_concurrent_write_sends_the_batch_one_by_one(cast, event, phone, make_resident):
    """A write of another transaction that collides with the batch's INSERTs (a card or target
    inserted meanwhile) rolls the set-based part back whole; every record is then applied one by
    one and nothing is stored twice."""
    residents = [make_resident(age=30) for _ in range(3)]
    phone.download(event)
    with mock.patch(
        "warga.outreach.records.targets_mark_served_many", side_effect=IntegrityError("collision")
    ):
        results = phone.sync(_recordings(phone, residents)).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3
    assert RecordingEvent.objects.count() == KtpCard.objects.count() == SyncRecord.objects.count() == 3
    assert AuditLog.objects.filter(action="cards.recording.create").count() == 3
