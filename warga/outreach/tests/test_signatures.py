"""Applications waiting for the applicant's signature: the target list, the assignment, the
`signature` field record, and card hand-over at the office serving the hand-over target."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application, ApplicationEvent, Status
from warga.applications.services import application_signature_record, application_submit
from warga.audit.models import AuditLog
from warga.core.scoping import ANONYMOUS
from warga.outreach.models import EventStatus, OutreachEvent, SyncRecord, Target, TargetKind
from warga.outreach.services import event_targets_build
from warga.registry.models import LifeStatus

pytestmark = pytest.mark.django_db

SIGNATURE = TargetKind.APPLICATION_SIGNATURE


@pytest.fixture
def apply_online(db):
    """apply_online(resident) → a submitted online application, not signed yet."""
    ensure_default_services()

    def make(resident, service: str = "ktp-baru") -> Application:
        return application_submit(
            actor=ANONYMOUS, service_code=service, applicant_nik=resident.nik, data={}, channel="online"
        )

    return make


def signature_targets(event) -> set[int]:
    return set(Target.objects.filter(event=event, kind=SIGNATURE).values_list("resident_id", flat=True))


def test_targets_are_the_unsigned_pending_applicants_of_the_desa(cast, event, make_resident, apply_online):
    waiting = make_resident(name="Ade Menunggu")
    apply_online(waiting)
    returned = make_resident(name="Asep Dikembalikan")
    Application.objects.filter(pk=apply_online(returned).pk).update(status=Status.RETURNED_TO_APPLICANT)
    signed = make_resident(name="Budi Tandatangan")
    application_submit(  # taken by an outreach officer: signed in front of them
        actor=cast.actor(cast.outreach),
        service_code="ktp-baru",
        applicant_nik=signed.nik,
        data={},
        channel="outreach",
    )
    finished = make_resident(name="Cecep Selesai")
    Application.objects.filter(pk=apply_online(finished).pk).update(status=Status.REJECTED)
    training = make_resident(name="Dodi Latihan")
    Application.objects.filter(pk=apply_online(training).pk).update(is_sandbox=True)
    dead = make_resident(name="Euis Almarhum")
    apply_online(dead)
    dead.life_status = LifeStatus.DEAD
    dead.save(update_fields=["life_status"])
    elsewhere = make_resident(name="Fajar Jauh", desa=cast.other_desa)
    apply_online(elsewhere)
    make_resident(name="Gina Tanpa Permohonan")

    counts = event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    assert signature_targets(event) == {waiting.pk, returned.pk}
    assert counts[SIGNATURE] == 2

    # Rebuild: a served target is kept even when nobody needs it any more; an unserved one is dropped.
    Target.objects.filter(event=event, kind=SIGNATURE, resident=returned).update(served_at=timezone.now())
    for resident in (waiting, returned):
        app = Application.objects.get(applicant=resident)
        Application.objects.filter(pk=app.pk).update(signed_at=timezone.now())
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    assert signature_targets(event) == {returned.pk}

    # The event page lists the new kind (filterable) with the file's tracking code.
    newcomer = make_resident(name="Hana Baru")
    code = apply_online(newcomer).tracking_code
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    page = cast_client(cast).get(reverse("outreach:event", args=[event.pk]), {"kind": SIGNATURE})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hana Baru" in html and code in html and "Permohonan menunggu tanda tangan pemohon" in html
    assert "Ade Menunggu" not in html  # dropped when the file was signed before anyone went
    # Results count the new kind as targeted and served.
    rows = cast_client(cast).get("/api/v1/outreach/results/teams").json()
    assert rows[0]["targeted"] == Target.objects.filter(event=event).count()
    assert rows[0]["served"] == 1


def cast_client(cast):
    from django.test import Client

    client = Client()
    client.force_login(cast.dukcapil)
    return client


def test_no_signature_targets_without_the_applications_service(cast, team, make_resident, apply_online):
    apply_online(make_resident())
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=2),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["ktp_recording"],
        created_by=cast.dukcapil,
    )
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    assert signature_targets(event) == set()


def test_dusun_limits_the_signature_targets(cast, event, make_resident, apply_online):
    inside, outside = make_resident(), make_resident()
    outside.address = "Dusun Sukamaju"
    outside.save(update_fields=["address"])
    apply_online(inside)
    apply_online(outside)
    OutreachEvent.objects.filter(pk=event.pk).update(dusun="Cibeureum")
    event.refresh_from_db()
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    assert signature_targets(event) == {inside.pk}


def test_assignment_carries_the_forms_to_sign(cast, event, phone, make_resident, apply_online):
    applicant = make_resident(name="Ade Menunggu")
    first = apply_online(applicant)
    second = apply_online(applicant, service="ktp-hilang")
    bystander = make_resident(name="Budi Lewat")
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    data = phone.download(event)
    bit = 1 << data["target_kinds"].index(SIGNATURE)
    rows = {r[0]: r[data["fields"].index("targets")] for r in data["residents"]}
    assert rows[applicant.pk] & bit and not rows[bystander.pk] & bit
    assert data["signatures"] == {
        str(applicant.pk): [
            [first.tracking_code, first.service.display_name],
            [second.tracking_code, second.service.display_name],
        ]
    }


def test_signature_record_signs_serves_and_replays(cast, event, phone, make_resident, apply_online):
    applicant = make_resident()
    app = apply_online(applicant)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    record = phone.record("signature", {"application": app.tracking_code, "resident": applicant.pk})
    answer = phone.sync([record]).json()["results"][0]
    assert answer["status"] == "accepted", answer
    assert answer["object"]["label"] == app.tracking_code
    app.refresh_from_db()
    assert app.signed_at is not None
    assert app.signature_place == "outreach" and app.signature_witness == cast.outreach
    target = Target.objects.get(event=event, resident=applicant, kind=SIGNATURE)
    assert target.served_at is not None and target.served_by == cast.outreach
    assert ApplicationEvent.objects.filter(application=app, action="sign").count() == 1
    assert AuditLog.objects.filter(
        action="applications.application.sign", device_id=str(phone.device.public_id)
    ).exists()

    signed_at = app.signed_at
    replay = phone.sync([record]).json()["results"][0]
    assert replay["status"] == "already_received" and replay["replayed"] is True
    assert SyncRecord.objects.filter(client_id=record["id"]).count() == 1
    app.refresh_from_db()
    assert app.signed_at == signed_at
    assert ApplicationEvent.objects.filter(application=app, action="sign").count() == 1

    # A new record for the same form (another phone, or captured twice) is closed, not a second signature.
    again = phone.record("signature", {"application": app.tracking_code, "resident": applicant.pk})
    answer = phone.sync([again]).json()["results"][0]
    assert answer["status"] == "closed" and answer["code"] == "already_signed"
    assert answer["resendable"] is False
    assert ApplicationEvent.objects.filter(application=app, action="sign").count() == 1


def test_signature_record_for_someone_elses_application_is_rejected(
    cast, event, phone, make_resident, apply_online
):
    applicant, neighbour = make_resident(), make_resident()
    app = apply_online(applicant)
    far = make_resident(desa=cast.other_desa)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    records = [
        phone.record("signature", {"application": app.tracking_code, "resident": neighbour.pk}),
        phone.record("signature", {"application": "ACDEFGHJKM", "resident": applicant.pk}),
        phone.record("signature", {"application": app.tracking_code, "resident": far.pk}),
        phone.record("signature", {"application": app.tracking_code}),
    ]
    answers = phone.sync(records).json()["results"]
    assert [(a["status"], a["code"]) for a in answers] == [
        ("rejected", "application_mismatch"),
        ("rejected", "application_mismatch"),
        ("rejected", "not_in_assignment"),
        ("rejected", "bad_record"),
    ]
    assert answers[0]["message"] == answers[1]["message"]  # nothing revealed about other files
    app.refresh_from_db()
    assert app.signed_at is None
    assert Target.objects.get(event=event, resident=applicant, kind=SIGNATURE).served_at is None


def test_signature_record_needs_the_service_and_a_pending_file(
    cast, event, phone, make_resident, apply_online
):
    applicant = make_resident()
    pending, finished = apply_online(applicant), apply_online(applicant, service="ktp-hilang")
    Application.objects.filter(pk=finished.pk).update(status=Status.REJECTED)
    phone.download(event)
    answer = phone.sync(
        [phone.record("signature", {"application": finished.tracking_code, "resident": applicant.pk})]
    ).json()["results"][0]
    assert answer["status"] == "conflict" and answer["code"] == "application_not_pending"
    OutreachEvent.objects.filter(pk=event.pk).update(services=["ktp_recording"])
    answer = phone.sync(
        [phone.record("signature", {"application": pending.tracking_code, "resident": applicant.pk})]
    ).json()["results"][0]
    assert answer["status"] == "rejected" and answer["code"] == "service_not_offered"
    pending.refresh_from_db()
    assert pending.signed_at is None


def test_signature_recorded_at_the_counter_meanwhile_is_closed(
    cast, event, phone, make_resident, apply_online
):
    applicant = make_resident()
    app = apply_online(applicant)
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    application_signature_record(actor=cast.actor(cast.kec_officer), application=app, where="counter")
    answer = phone.sync(
        [phone.record("signature", {"application": app.tracking_code, "resident": applicant.pk})]
    ).json()["results"][0]
    assert answer["status"] == "closed" and answer["code"] == "already_signed"
    assert "sudah ditandatangani" in answer["message"] and "Kec_Officer" in answer["message"]
    assert answer["resendable"] is False
    assert Target.objects.get(event=event, resident=applicant, kind=SIGNATURE).served_at is None


def test_card_hand_over_at_the_office_serves_the_hand_over_target(cast, event, team, make_resident):
    from warga.cards.models import KtpCard, KtpStatus
    from warga.cards.services import card_hand_over
    from warga.org.models import Unit, UnitKind

    office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    holder, other = make_resident(), make_resident()
    now = timezone.now()
    for resident in (holder, other):
        KtpCard.objects.create(
            resident=resident,
            status=KtpStatus.PRINTED,
            status_at=now,
            recorded_at=now - timedelta(days=30),
            printed_at=now,
            pickup_office=office,
            ready_at=now,
        )
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    done = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=3),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["card_handover"],
        created_by=cast.dukcapil,
    )
    event_targets_build(actor=cast.actor(cast.dukcapil), event=done)
    OutreachEvent.objects.filter(pk=done.pk).update(status=EventStatus.DONE)

    card_hand_over(
        actor=cast.actor(cast.kec_officer),
        card=holder.ktp_card,
        recipient_name=holder.full_name,
        proof_kind="id",
        proof_note="KTP lama ditunjukkan",
    )
    served = Target.objects.get(event=event, resident=holder, kind=TargetKind.CARD_HANDOVER)
    assert served.served_at is not None and served.served_by == cast.kec_officer
    assert Target.objects.get(event=event, resident=other, kind=TargetKind.CARD_HANDOVER).served_at is None
    # A finished event's results are left as they were.
    assert Target.objects.get(event=done, resident=holder, kind=TargetKind.CARD_HANDOVER).served_at is None
