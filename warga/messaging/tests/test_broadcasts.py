"""Broadcasts: recipients, segments, cost, four-eyes approval, bulk queueing, opt-out at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.messaging.broadcasts import broadcast_preview, broadcast_queue, recipient_phones
from warga.messaging.models import Broadcast, BroadcastStatus, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.services import broadcast_approve, broadcast_cancel, broadcast_create, broadcast_reject

pytestmark = pytest.mark.django_db


def numbers(area, **segment) -> set[str]:
    return set(recipient_phones(area_code=area, segment=segment).values_list("number", flat=True))


def test_only_verified_consenting_living_residents_in_the_area(cast, people):
    assert numbers(cast.desa.code) == {"+6281200000001", "+6281200000002", "+6281200000003"}
    assert numbers(cast.kecamatan.code) == {"+6281200000001", "+6281200000002", "+6281200000003"}
    assert "+6281200000008" in numbers(cast.kabupaten.code)
    assert numbers(cast.other_kecamatan.code) == {"+6281200000008"}


def test_segments(cast, people):
    d = cast.desa.code
    assert numbers(d, sex="F") == {"+6281200000001"}
    assert numbers(d, min_age=40) == {"+6281200000002"}
    assert numbers(d, max_age=29) == {"+6281200000003"}
    assert numbers(d, min_age=20, max_age=40) == {"+6281200000001"}
    assert numbers(d, rw=1) == {"+6281200000001", "+6281200000002"}
    assert numbers(d, rw=1, rt=2) == {"+6281200000002"}


def test_ktp_status_segment_uses_the_cards_register(cast, people):
    from warga.cards.models import KtpCard

    KtpCard.objects.create(resident=people.siti, status="printed", status_at=timezone.now())
    d = cast.desa.code
    assert numbers(d, ktp_statuses=["not_recorded"]) == {"+6281200000002", "+6281200000003"}
    assert numbers(d, ktp_statuses=["printed", "handed_over"]) == {"+6281200000001"}


def test_preview_counts_segments_and_cost(cast, people, settings):
    settings.SMS_PRICE_PER_SEGMENT = "350"
    actor = cast.actor(cast.kec_officer)
    p = broadcast_preview(
        actor=actor, text="Yth. {nama} warga {desa}: posyandu besok.", area_code=cast.desa.code, segment={}
    )
    assert p.recipients == 3
    assert (p.segments, p.encoding) == (1, "gsm7")
    assert p.cost == Decimal("1050.00")
    assert p.sample.startswith("Yth. SITI AMINAH warga ") or "SANTOSO" in p.sample or "ASEP" in p.sample
    long = broadcast_preview(
        actor=actor, text="Yth. {nama}, " + "x" * 150, area_code=cast.desa.code, segment={}
    )
    assert long.segments == 2
    assert long.cost == Decimal("2100.00")


def test_create_refuses_bad_input(cast, people):
    actor = cast.actor(cast.kec_officer)
    ok = {
        "actor": actor,
        "name": "Posyandu",
        "text": "Posyandu besok",
        "area_code": cast.desa.code,
        "segment": {},
    }
    cases = [
        ({"segment": {"min_age": 90}}, InvalidInput, "broadcast.empty"),
        ({"text": ""}, InvalidInput, "sms.empty"),
        ({"text": "x" * 2000}, InvalidInput, "sms.too_long"),
        ({"text": "Halo {alamat}"}, InvalidInput, "broadcast.template"),
        ({"name": " "}, InvalidInput, "broadcast.name"),
        ({"segment": {"sex": "X"}}, InvalidInput, "broadcast.segment"),
        ({"segment": {"min_age": 50, "max_age": 20}}, InvalidInput, "broadcast.segment"),
        ({"segment": {"ktp_statuses": ["lost"]}}, InvalidInput, "broadcast.segment"),
        ({"segment": {"colour": "red"}}, InvalidInput, "broadcast.segment"),
        ({"area_code": cast.other_kecamatan.code}, NotFound, "broadcast.area"),
        ({"area_code": "99.99"}, NotFound, "broadcast.area"),
        ({"segment": {"rw": 1}, "area_code": cast.kecamatan.code}, InvalidInput, "broadcast.segment"),
        ({"scheduled_for": timezone.now() - timezone.timedelta(days=1)}, InvalidInput, "broadcast.schedule"),
    ]
    for change, error, code in cases:
        with pytest.raises(error) as exc:
            broadcast_create(**{**ok, **change})
        assert exc.value.code == code, change
    assert Broadcast.objects.count() == 0


def test_needs_the_capability(cast, people):
    with pytest.raises(NotAllowed):
        broadcast_create(
            actor=cast.actor(cast.desa_operator), name="x", text="x", area_code=cast.desa.code, segment={}
        )


def test_approval_by_another_supervisor_then_sent_once(cast, people, django_capture_on_commit_callbacks):
    broadcast = broadcast_create(
        actor=cast.actor(cast.kec_verifier),
        name="Posyandu",
        text="Yth. {nama}, posyandu RW {rw} besok.",
        area_code=cast.desa.code,
        segment={},
    )
    assert broadcast.status == BroadcastStatus.PENDING
    assert SmsMessage.objects.count() == 0
    with pytest.raises(NotAllowed) as exc:  # the composer cannot approve their own broadcast
        broadcast_approve(actor=cast.actor(cast.kec_verifier), broadcast_id=broadcast.pk)
    assert exc.value.code == "broadcast.four_eyes"
    with pytest.raises(NotAllowed):  # a counter officer cannot approve at all
        broadcast_approve(actor=cast.actor(cast.kec_officer), broadcast_id=broadcast.pk)
    with pytest.raises(NotFound):  # another kecamatan does not even see it
        broadcast_approve(actor=cast.actor(cast.outsider), broadcast_id=broadcast.pk)
    with django_capture_on_commit_callbacks(execute=True):  # queued and sent once it commits
        broadcast_approve(actor=cast.actor(cast.head), broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DONE
    sms = SmsMessage.objects.filter(broadcast=broadcast)
    assert sms.count() == 3
    assert set(sms.values_list("status", flat=True)) == {SmsStatus.DELIVERED}
    assert sms.get(to="+6281200000002").text == "Yth. BUDI SANTOSO, posyandu RW 1 besok."
    assert sms.get(to="+6281200000003").text == "Yth. ASEP SUNANDAR, posyandu RW 2 besok."
    assert set(sms.values_list("purpose", flat=True)) == {SmsPurpose.BROADCAST}
    # queueing again (a retried task, a second worker) adds nothing
    Broadcast.objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.QUEUING, queued_upto=0)
    broadcast_queue(broadcast_id=broadcast.pk)
    assert sms.count() == 3
    with pytest.raises(Conflict):
        broadcast_approve(actor=cast.actor(cast.head), broadcast_id=broadcast.pk)


def test_queue_in_chunks_shared_numbers_once(cast, people, django_capture_on_commit_callbacks):
    from .conftest import make_phone, make_resident

    for i in range(7):  # a family sharing one number counts once
        make_phone(make_resident(cast.desa, name=f"ANAK {i}", age=20), "+6281200000099")
    b = Broadcast.objects.create(
        name="t", template="Halo {nama}", area_id=cast.desa.code, status=BroadcastStatus.APPROVED
    )
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_queue(broadcast_id=b.pk, chunk=2)
    b.refresh_from_db()
    assert b.queued_count == SmsMessage.objects.filter(broadcast=b).count() == 4
    assert b.status == BroadcastStatus.DONE  # the dispatcher, woken after the commit, sent them all
    assert SmsMessage.objects.filter(broadcast=b, status=SmsStatus.DELIVERED).count() == 4


def test_reject_needs_a_reason_and_nothing_is_sent(cast, people):
    b = broadcast_create(
        actor=cast.actor(cast.kec_officer), name="x", text="x", area_code=cast.desa.code, segment={}
    )
    with pytest.raises(InvalidInput):
        broadcast_reject(actor=cast.actor(cast.kec_verifier), broadcast_id=b.pk, reason="  ")
    broadcast_reject(actor=cast.actor(cast.kec_verifier), broadcast_id=b.pk, reason="Bahasa kurang sopan")
    b.refresh_from_db()
    assert (b.status, b.decision_reason) == (BroadcastStatus.REJECTED, "Bahasa kurang sopan")
    assert SmsMessage.objects.count() == 0


def test_scheduled_broadcast_waits(cast, people):
    from warga.messaging.broadcasts import broadcasts_start_due

    later = timezone.now() + timezone.timedelta(hours=2)
    b = broadcast_create(
        actor=cast.actor(cast.kec_officer),
        name="x",
        text="x",
        area_code=cast.desa.code,
        segment={},
        scheduled_for=later,
    )
    broadcast_approve(actor=cast.actor(cast.kec_verifier), broadcast_id=b.pk)
    assert broadcasts_start_due() == 0
    assert SmsMessage.objects.count() == 0
    Broadcast.objects.filter(pk=b.pk).update(scheduled_for=timezone.now())
    assert broadcasts_start_due() == 1
    assert SmsMessage.objects.filter(broadcast=b).count() == 3


def test_opt_out_after_queueing_cancels_at_once(cast, people, settings, django_capture_on_commit_callbacks):
    from warga.messaging.services import number_opt_out

    settings.SMS_QUIET_HOURS = "00:00-23:59"  # held back: nothing leaves before the opt-out
    b = broadcast_create(
        actor=cast.actor(cast.kec_officer), name="x", text="x", area_code=cast.desa.code, segment={}
    )
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_approve(actor=cast.actor(cast.kec_verifier), broadcast_id=b.pk)
    assert SmsMessage.objects.filter(broadcast=b, status=SmsStatus.QUEUED).count() == 3
    number_opt_out(number="081200000001")
    assert SmsMessage.objects.get(broadcast=b, to="+6281200000001").status == SmsStatus.CANCELLED
    broadcast_cancel(actor=cast.actor(cast.kec_officer), broadcast_id=b.pk)
    assert SmsMessage.objects.filter(broadcast=b, status=SmsStatus.QUEUED).count() == 0


def test_a_broadcast_held_by_quiet_hours_says_so_and_when_it_starts(
    cast, people, client_for, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    broadcast = broadcast_create(
        actor=cast.actor(cast.kec_verifier),
        name="Posyandu",
        text="Yth. {nama}, posyandu RW {rw} besok.",
        area_code=cast.desa.code,
        segment={},
    )
    head = client_for(cast.head)
    pending = head.get(f"/sms/broadcasts/{broadcast.pk}/").content.decode()
    assert f"Setujui dan kirim ke {broadcast.recipients_estimate} nomor" in pending
    # quiet hours around the present moment, whatever time the test runs
    local = timezone.localtime()
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    settings.SMS_QUIET_HOURS = f"{start:%H:%M}-{end:%H:%M}"
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_approve(actor=cast.actor(cast.head), broadcast_id=broadcast.pk)
    html = head.get(f"/sms/broadcasts/{broadcast.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert SmsMessage.objects.filter(broadcast=broadcast, status=SmsStatus.QUEUED).exists()
    assert 'data-testid="held"' in html
    assert f"{start:%H:%M}–{end:%H:%M}" in html
    assert f"{end:%H:%M}" in html.split("dimulai")[1]
    settings.SMS_QUIET_HOURS = ""
    assert 'data-testid="held"' not in head.get(f"/sms/broadcasts/{broadcast.pk}/").content.decode()
