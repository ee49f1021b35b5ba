"""The workflow through the services: transitions, history, conflicts, register effects, SMS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.applications.models import Application, ApplicationEvent, OfficeMode, OfficeRollout, Status
from warga.applications.selectors import (
    application_status_for_sms,
    document_token,
    document_verify,
    track_lookup,
)
from warga.applications.services import (
    application_submit,
    application_transition,
    application_update,
    applications_notify_overdue,
    batch_dispatch_issued,
    batch_receive,
    batch_send_verified,
)
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.messaging.models import SmsMessage
from warga.registry.models import LifeStatus, Resident
from warga.registry.services import death_register

from .conftest import birth_data

pytestmark = pytest.mark.django_db


def outbox(phone_suffix: str = "81234567890") -> list[str]:
    return list(
        SmsMessage.objects.filter(to__endswith=phone_suffix).order_by("id").values_list("text", flat=True)
    )


def test_full_flow_records_every_step_and_notifies(flow):
    app = flow.to("handed_over")
    actions = list(app.events.values_list("action", flat=True))
    assert actions == [
        "submit",
        "verify",
        "send",
        "claim",
        "approve",
        "issue",
        "dispatch",
        "receive",
        "hand_over",
    ]
    for event in app.events.all():
        assert event.at is not None
        assert event.from_status != event.to_status or event.action == "receive"
    assert app.events.get(action="approve").actor == flow.cast.dukcapil
    texts = outbox()
    assert len(texts) == 3
    assert "diterima" in texts[0] and app.tracking_code in texts[0]
    assert "disetujui" in texts[1]
    assert "siap diambil" in texts[2]
    # The baby is in the family card, and the register wrote its own history.
    child = Resident.objects.get(pk=app.effect_result["resident_id"])
    assert child.family_id == flow.household.family.pk
    assert child.mother_id == flow.household.wife.pk
    app = flow.step(app, "close", "kec_officer")
    assert app.status == Status.CLOSED


def test_return_to_applicant_and_resubmit_keeps_history(flow):
    app = flow.submit()
    flow.attach_all(app)
    with pytest.raises(InvalidInput) as exc:
        flow.step(app, "return_to_applicant", "kec_verifier")
    assert exc.value.code == "applications.reason_required"
    app = flow.step(app, "return_to_applicant", "kec_verifier", reason="Surat keterangan lahir tidak terbaca")
    assert app.status == Status.RETURNED_TO_APPLICANT and app.stage_due_on is None
    assert "tidak terbaca" in outbox()[-1]
    app = flow.step(app, "resubmit", "kec_officer")
    app = flow.step(app, "verify", "kec_verifier")
    assert list(app.events.values_list("action", flat=True)) == [
        "submit",
        "return_to_applicant",
        "resubmit",
        "verify",
    ]
    assert app.events.get(action="return_to_applicant").reason == "Surat keterangan lahir tidak terbaca"


def test_disdukcapil_returns_to_kecamatan_then_reverified(flow):
    app = flow.to("in_review")
    app = flow.step(app, "return_to_kecamatan", "dukcapil", reason="Nama ayah berbeda dengan buku nikah")
    assert app.status == Status.RETURNED_TO_KECAMATAN and app.assigned_to is None
    app = flow.step(app, "verify", "kec_verifier")
    app = flow.step(app, "send", "kec_officer")
    assert app.status == Status.SENT


def test_reject_needs_reason_and_tells_applicant(flow):
    app = flow.to("in_review")
    with pytest.raises(InvalidInput):
        flow.step(app, "reject", "dukcapil")
    app = flow.step(app, "reject", "dukcapil", reason="Kelahiran sudah tercatat di daerah lain")
    assert app.status == Status.REJECTED
    assert "ditolak" in outbox()[-1]
    assert Resident.objects.filter(full_name="Putri Ayu Lestari").count() == 0


def test_approving_twice_is_a_conflict_and_changes_nothing(flow):
    app = flow.to("approved")
    members = flow.household.family.members.count()
    with pytest.raises(Conflict) as exc:
        flow.step(app, "approve", "dukcapil")
    assert "already approved" in str(exc.value) or "sudah disetujui" in str(exc.value)
    assert flow.household.family.members.count() == members
    assert ApplicationEvent.objects.filter(application=app, action="approve").count() == 1


def test_impossible_transition_is_409_with_status(flow):
    app = flow.submit()
    flow.attach_all(app)
    with pytest.raises(Conflict) as exc:
        flow.step(app, "claim", "dukcapil")
    assert exc.value.status == 409 and exc.value.details == {"status": "submitted"}


def test_wrong_role_and_wrong_office(flow, cast):
    app = flow.submit()
    flow.attach_all(app)
    with pytest.raises(NotAllowed):  # counter officer may not verify
        flow.step(app, "verify", "kec_officer")
    with pytest.raises(NotFound):  # another kecamatan does not even see it
        flow.step(app, "verify", "outsider")
    with pytest.raises(NotAllowed):  # Disdukcapil cannot do the kecamatan's step
        flow.step(app, "verify", "dukcapil")
    with pytest.raises(NotAllowed):
        flow.step(app, "verify", "admin")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.events.count() == 1


def test_only_the_claiming_verifier_decides(flow, cast):
    from warga.accounts.services import staff_create
    from warga.core.permissions import Role

    app = flow.to("in_review")
    other = staff_create(
        actor=None,
        username="dukcapil2",
        password="x-password-123",
        full_name="Dua",
        roles=[Role.DISDUKCAPIL_VERIFIER],
        unit_id=cast.dukcapil.unit_id,
        area_code=cast.kabupaten.code,
    )
    with pytest.raises(Conflict) as exc:
        application_transition(actor=cast.actor(other), application_id=app.pk, action="approve")
    assert exc.value.code == "applications.assigned_elsewhere"
    with pytest.raises(Conflict):
        application_transition(actor=cast.actor(other), application_id=app.pk, action="claim")
    # The head may release a file a verifier left claimed.
    app = application_transition(actor=cast.actor(cast.head), application_id=app.pk, action="release")
    assert app.status == Status.SENT and app.assigned_to is None


def test_stale_version_is_refused(flow):
    app = flow.submit()
    flow.attach_all(app)
    old_version = app.version
    application_update(
        actor=flow.actor("kec_officer"),
        application_id=app.pk,
        data={"birth_place": "Bandung"},
        expected_version=old_version,
    )
    with pytest.raises(Conflict) as exc:
        application_update(
            actor=flow.actor("kec_officer"),
            application_id=app.pk,
            data={"birth_place": "Subang"},
            expected_version=old_version,
        )
    assert exc.value.code == "applications.stale"
    with pytest.raises(Conflict):
        flow.step(app, "verify", "kec_verifier", expected_version=old_version)
    app.refresh_from_db()
    assert app.data["birth_place"] == "Bandung" and app.status == Status.SUBMITTED


def test_register_changed_child_already_added_stops_approval(flow, registrar):
    app = flow.to("in_review")
    from warga.registry.services import birth_register

    birth_register(
        actor=registrar,
        family=flow.household.family,
        full_name="Putri Ayu Lestari",
        sex="F",
        birth_date=timezone.localdate() - timedelta(days=10),
        birth_place="Purwakarta",
        mother=flow.household.wife,
        father=flow.household.head,
        reporter="Budi",
    )
    members = flow.household.family.members.count()
    with pytest.raises(Conflict) as exc:
        flow.step(app, "approve", "dukcapil")
    assert "already in the family card" in str(exc.value) or "sudah ada" in str(exc.value)
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and flow.household.family.members.count() == members


def test_register_changed_mother_died_stops_approval(flow, registrar):
    app = flow.to("in_review")
    death_register(
        actor=registrar,
        resident=flow.household.wife,
        died_on=timezone.localdate(),
        place="RSUD",
        reporter="Budi",
    )
    with pytest.raises(Conflict) as exc:
        flow.step(app, "approve", "dukcapil")
    assert exc.value.code == "applications.register_changed"
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and not app.effect_result


def test_applicant_died_since_submission_stops_approval(flow, registrar):
    app = flow.to("in_review")
    death_register(
        actor=registrar,
        resident=flow.household.head,
        died_on=timezone.localdate(),
        place="Rumah",
        reporter="Siti",
    )
    with pytest.raises(Conflict):
        flow.step(app, "approve", "dukcapil")


def test_death_certificate_marks_resident_dead(flow, cast, household):
    app = application_submit(
        actor=cast.actor(cast.kec_officer),
        service_code="akta-mati",
        applicant_nik=household.head.nik,
        data={
            "deceased_nik": household.child.nik,
            "died_on": timezone.localdate().isoformat(),
            "death_place": "RSUD Bayu Asih",
        },
        channel="counter",
    )
    for code in ("skm", "kk"):
        from warga.applications.services import document_attach

        from .conftest import png_bytes

        document_attach(
            actor=cast.actor(cast.kec_officer), application_id=app.pk, requirement=code, content=png_bytes()
        )
    for action, who in [
        ("verify", "kec_verifier"),
        ("send", "kec_officer"),
        ("claim", "dukcapil"),
        ("approve", "dukcapil"),
    ]:
        app = flow.step(app, action, who)
    household.child.refresh_from_db()
    assert household.child.life_status == LifeStatus.DEAD and household.child.family_id is None


def test_sandbox_never_touches_register_and_stays_out_of_stats(flow, cast):
    OfficeRollout.objects.create(unit_id=cast.kec_officer.unit_id, mode=OfficeMode.TRAINING)
    members = flow.household.family.members.count()
    app = flow.to("issued")
    assert app.is_sandbox and app.effect_result["simulated"] is True
    assert app.document_number.startswith("LATIHAN-")
    assert flow.household.family.members.count() == members
    assert outbox() == []  # practice files never text real people
    assert document_verify(app.document_number, document_token(app.document_number)).genuine is False
    from warga.applications.selectors import statistics_for

    stats = statistics_for(
        actor=cast.actor(cast.head), start=timezone.localdate() - timedelta(days=1), end=timezone.localdate()
    )
    assert stats["rows"] == []


def test_manual_office_refuses_applications(flow, cast):
    OfficeRollout.objects.create(unit_id=cast.kec_officer.unit_id, mode=OfficeMode.MANUAL)
    with pytest.raises(InvalidInput) as exc:
        flow.submit()
    assert exc.value.code == "applications.office_manual"
    assert Application.objects.count() == 0


def test_bulk_send_dispatch_receive(flow, cast):
    apps = []
    for name in ("Anak Satu", "Anak Dua"):
        app = flow.submit(child_name=name)
        flow.attach_all(app)
        apps.append(flow.step(app, "verify", "kec_verifier"))
    batch = batch_send_verified(actor=flow.actor("kec_officer"))
    assert batch.size == 2
    assert set(Application.objects.filter(batch=batch).values_list("status", flat=True)) == {Status.SENT}
    assert batch_send_verified(actor=flow.actor("kec_officer")) is None
    for app in apps:
        flow.step(app, "claim", "dukcapil")
        flow.step(app, "approve", "dukcapil")
        flow.step(app, "issue", "dukcapil")
    with pytest.raises(NotAllowed):
        batch_dispatch_issued(actor=flow.actor("kec_officer"))
    (back,) = batch_dispatch_issued(actor=flow.actor("dukcapil"))
    assert back.size == 2 and back.office_id == cast.kec_officer.unit_id
    with pytest.raises(NotFound):
        batch_receive(actor=flow.actor("outsider"), batch_id=back.pk)
    batch_receive(actor=flow.actor("kec_officer"), batch_id=back.pk)
    assert all(a.is_ready_for_collection for a in Application.objects.filter(pk__in=[a.pk for a in apps]))
    with pytest.raises(Conflict):
        batch_receive(actor=flow.actor("kec_officer"), batch_id=back.pk)


def test_hand_over_needs_receipt_and_name(flow):
    app = flow.to("sent_to_kecamatan")
    with pytest.raises(Conflict):
        flow.step(app, "hand_over", "kec_officer", handed_to="Budi")
    app = flow.step(app, "receive", "kec_officer")
    with pytest.raises(InvalidInput):
        flow.step(app, "hand_over", "kec_officer")
    app = flow.step(app, "hand_over", "kec_officer", handed_to="Budi Santoso", proof="KTP-el ditunjukkan")
    assert app.handed_to == "Budi Santoso" and app.handed_over_at is not None


def test_deadlines_use_working_days(flow):
    from warga.core.workdays import WorkCalendar

    app = flow.submit()
    today = timezone.localdate()
    calendar = WorkCalendar()
    assert app.stage_due_on == calendar.add(today, app.service.target_days_kecamatan)
    assert app.due_on == calendar.add(today, app.service.target_days_total)
    assert app.stage_due_on.weekday() < 5


def test_overdue_notice_once_per_day(flow, cast):
    from warga.accounts.models import User

    User.objects.filter(pk=cast.head.pk).update(phone="081299990000")
    OfficeRollout.objects.create(
        unit_id=cast.kec_officer.unit_id, mode=OfficeMode.ONLINE, head=cast.kec_verifier
    )
    User.objects.filter(pk=cast.kec_verifier.pk).update(phone="081277770000")
    late = flow.submit()
    sent = flow.to("sent")
    past = timezone.localdate() - timedelta(days=5)
    Application.objects.filter(pk__in=[late.pk, sent.pk]).update(stage_due_on=past)
    assert applications_notify_overdue() == 2
    assert applications_notify_overdue() == 0
    assert SmsMessage.objects.filter(to__endswith="81277770000", text__contains="1 berkas").count() == 1
    assert SmsMessage.objects.filter(to__endswith="81299990000").count() == 1


def test_overdue_notice_skips_cuti_bersama_and_holidays(flow, cast):
    from datetime import date

    from warga.accounts.models import User

    OfficeRollout.objects.create(
        unit_id=cast.kec_officer.unit_id, mode=OfficeMode.ONLINE, head=cast.kec_verifier
    )
    User.objects.filter(pk=cast.kec_verifier.pk).update(phone="081299990000")
    late = flow.submit()
    Application.objects.filter(pk=late.pk).update(stage_due_on=date(2025, 3, 20))
    # Wednesday 2 April 2025: cuti bersama Idul Fitri; Monday 31 March 2025: Idul Fitri itself.
    assert applications_notify_overdue(today=date(2025, 4, 2)) == 0
    assert applications_notify_overdue(today=date(2025, 3, 31)) == 0
    assert not SmsMessage.objects.filter(to__endswith="81299990000").exists()
    # The first working day after the holidays the head is told.
    assert applications_notify_overdue(today=date(2025, 4, 8)) == 1
    assert SmsMessage.objects.filter(to__endswith="81299990000").count() == 1


def test_tracking_view_and_sms_status_show_no_personal_data(flow):
    app = flow.to("approved")
    view = track_lookup(app.tracking_code)
    assert view.masked_name == "B*** S******"
    assert [s.label for s in view.steps][:2] == [
        "Application received",
        "Verified at the kecamatan",
    ] or view.steps
    line = application_status_for_sms(tracking_code=app.tracking_code.lower())
    assert app.tracking_code in line and "Budi" not in line and flow.household.head.nik not in line
    assert application_status_for_sms(tracking_code="ZZZZZZZZZZ") is None


def test_document_verification_is_signed(flow):
    app = flow.to("issued")
    token = document_token(app.document_number)
    good = document_verify(app.document_number, token)
    assert good.genuine and good.masked_name == "P**** A** L******" and good.issued_on == timezone.localdate()
    assert not document_verify(app.document_number, token[:-1] + ("A" if token[-1] != "A" else "B")).genuine
    assert not document_verify(app.document_number + "1", token).genuine


def test_bad_input_at_submission_changes_nothing(flow, cast, registrar):
    """Unknown or dead applicant, mother outside the family, a name with digits: clear message, no file."""
    officer = cast.actor(cast.kec_officer)
    household = flow.household

    def submit(nik, **data):
        return application_submit(
            actor=officer,
            service_code="akta-lahir",
            applicant_nik=nik,
            data=birth_data(household, **data),
            channel="counter",
        )

    with pytest.raises(InvalidInput) as exc:
        submit("3214011705800999")
    assert exc.value.code == "applications.nik_unknown"
    with pytest.raises(InvalidInput) as exc:
        submit(household.head.nik, mother_nik=household.child.nik)
    assert exc.value.code in ("applications.mother_sex", "applications.child_older")
    from .conftest import make_household

    other = make_household(
        registrar, cast.desa, serial=70, names=("Joko Susilo", "Rina Marlina", "Dwi Putra")
    )
    with pytest.raises(InvalidInput) as exc:
        submit(household.head.nik, mother_nik=other.wife.nik)
    assert exc.value.code == "applications.not_in_family" and "bukan anggota Kartu Keluarga" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        submit(household.head.nik, child_name="Anak 2")
    assert exc.value.code == "applications.data_invalid"
    with pytest.raises(InvalidInput) as exc:
        submit(household.head.nik, applicant_kk="3214010101010001")
    assert exc.value.code == "applications.kk_mismatch"
    death_register(
        actor=registrar, resident=household.head, died_on=timezone.localdate(), place="Rumah", reporter="Siti"
    )
    with pytest.raises(InvalidInput) as exc:
        submit(household.head.nik)
    assert exc.value.code == "applications.applicant_dead"
    assert Application.objects.count() == 0 and SmsMessage.objects.count() == 0


def test_outreach_channel_routes_to_applicants_kecamatan(cast, household, catalogue):
    from .conftest import png_bytes

    outreach = cast.actor(cast.outreach)
    app = application_submit(
        actor=outreach,
        service_code="akta-lahir",
        applicant_nik=household.head.nik,
        data=birth_data(household),
        channel="outreach",
        client_ref="field-1",
    )
    assert app.channel == "outreach" and app.office.area_id == cast.kecamatan.code
    again = application_submit(
        actor=outreach,
        service_code="akta-lahir",
        applicant_nik=household.head.nik,
        data=birth_data(household),
        channel="outreach",
        client_ref="field-1",
    )
    assert again.pk == app.pk  # a field-app retry never makes a second file
    from warga.applications.services import document_attach

    document_attach(actor=outreach, application_id=app.pk, requirement="skl", content=png_bytes())
    with pytest.raises(NotAllowed):
        application_submit(
            actor=cast.actor(cast.kec_officer),
            service_code="akta-lahir",
            applicant_nik=household.head.nik,
            data=birth_data(household),
            channel="outreach",
        )
