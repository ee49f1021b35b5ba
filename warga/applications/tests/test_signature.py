"""The applicant's signature on the paper form: who records it where, the page and the API,
what is refused, the selector of files waiting for it and the migration for existing files."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client

from warga.applications.models import Application, ApplicationEvent, Status
from warga.applications.selectors import applications_awaiting_signature, applications_queue
from warga.applications.services import (
    application_lodge_online,
    application_signature_record,
    application_submit,
    document_attach,
)
from warga.audit.models import AuditLog
from warga.core.errors import Conflict, NotAllowed, NotFound
from warga.core.scoping import ANONYMOUS

from .conftest import birth_data, png_bytes

pytestmark = pytest.mark.django_db

GRID = ("anonymous", "outsider", "kec_officer", "dukcapil", "admin")


def submit_online(household, **data: object) -> Application:
    """The public form: a draft with its scans, lodged. Nobody witnessed a signature."""
    app = application_submit(
        actor=ANONYMOUS,
        service_code="akta-lahir",
        applicant_nik=household.head.nik,
        data=birth_data(household, **data),
        channel="online",
        phone="081234567890",
        draft=True,
    )
    for code in ("skl", "kk"):
        document_attach(
            actor=ANONYMOUS,
            application_id=app.pk,
            requirement=code,
            content=png_bytes(),
            public_code=app.tracking_code,
        )
    return application_lodge_online(application_id=app.pk)


def test_counter_and_outreach_applications_are_signed_online_ones_are_not(cast, flow, household):
    counter = flow.submit()
    assert counter.signed_at is not None
    assert counter.signature_place == "counter" and counter.signature_witness == cast.kec_officer
    assert not counter.needs_signature

    draft = flow.submit(draft=True, child_name="Dewi Lestari")
    assert draft.signed_at is not None  # taken at the counter: signed in front of the officer

    field = application_submit(
        actor=cast.actor(cast.outreach),
        service_code="ktp-baru",
        applicant_nik=household.child.nik,
        data={},
        channel="outreach",
    )
    assert field.signed_at is not None
    assert field.signature_place == "outreach" and field.signature_witness == cast.outreach

    online = submit_online(household, child_name="Rina Marlina")
    assert online.status == Status.SUBMITTED
    assert online.signed_at is None and online.signature_witness is None and online.signature_place == ""
    assert online.needs_signature


def test_signature_page_grid_and_record(cast, client_for, flow, household):
    app = submit_online(household)
    detail = f"/applications/{app.pk}/"
    url = f"/applications/{app.pk}/signature/"

    page = client_for(cast.kec_officer).get(detail).content.decode()
    assert 'id="signature"' in page and "Belum ditandatangani" in page
    assert f'action="{url}"' in page and "Tanda tangan diterima" in page
    # The Disdukcapil sees the state but has no button; the officer of the office has.
    page = client_for(cast.dukcapil).get(detail).content.decode()
    assert "Belum ditandatangani" in page and f'action="{url}"' not in page

    assert client_for(cast.kec_officer).get(url).status_code == 405
    expected = {"anonymous": 302, "outsider": 404, "dukcapil": 403, "admin": 403}
    for name, status in expected.items():
        user = getattr(cast, name) if name != "anonymous" else None
        response = client_for(user).post(url)
        assert response.status_code == status, name
        if status == 302:
            assert "/login/" in response["Location"]
    app.refresh_from_db()
    assert app.signed_at is None

    # CSRF is enforced on the form.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.kec_officer)
    assert strict.post(url).status_code == 403
    app.refresh_from_db()
    assert app.signed_at is None

    response = client_for(cast.kec_officer).post(url)
    assert response.status_code == 302 and response["Location"] == detail
    app.refresh_from_db()
    assert app.signed_at is not None
    assert app.signature_place == "counter" and app.signature_witness == cast.kec_officer
    assert ApplicationEvent.objects.filter(application=app, action="sign").count() == 1
    assert AuditLog.objects.filter(action="applications.application.sign", object_id=str(app.pk)).count() == 1
    page = client_for(cast.kec_officer).get(detail).content.decode()
    assert "Belum ditandatangani" not in page and f'action="{url}"' not in page
    assert "Tanda tangan pemohon diterima" in page  # the history line

    # A second click (an old tab) changes nothing and says why.
    signed_at = app.signed_at
    response = client_for(cast.kec_verifier).post(url, follow=True)
    assert "sudah menandatangani" in response.content.decode()
    app.refresh_from_db()
    assert app.signed_at == signed_at and app.signature_witness == cast.kec_officer
    assert ApplicationEvent.objects.filter(application=app, action="sign").count() == 1


def test_signature_api_grid_conflicts_and_bad_input(cast, client_for, flow, household):
    app = submit_online(household)
    url = f"/api/v1/applications/{app.pk}/signature"
    body = {"where": "counter"}
    got = {}
    for name in ("anonymous", "outsider", "dukcapil", "admin"):
        user = getattr(cast, name) if name != "anonymous" else None
        got[name] = client_for(user).post(url, body, content_type="application/json").status_code
    assert got == {"anonymous": 401, "outsider": 404, "dukcapil": 403, "admin": 403}
    assert (
        client_for(cast.kec_officer).post(url, {"where": "home"}, content_type="application/json").status_code
        == 422
    )
    # An outreach officer may not claim a counter signature.
    outreach = client_for(cast.outreach)
    assert outreach.post(url, body, content_type="application/json").status_code == 403
    app.refresh_from_db()
    assert app.signed_at is None

    detail = client_for(cast.kec_officer).get(f"/api/v1/applications/{app.pk}").json()
    assert detail["needs_signature"] is True and detail["signed_at"] is None

    response = client_for(cast.kec_officer).post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["needs_signature"] is False and response.json()["signed_at"]
    detail = client_for(cast.kec_officer).get(f"/api/v1/applications/{app.pk}").json()
    assert detail["signature_place"] == "counter" and detail["signature_witness"] == "kec_officer"

    again = client_for(cast.kec_officer).post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "applications.already_signed"

    # In the field, the outreach officer records it (no office check: the team travels).
    other = submit_online(household, child_name="Rina Marlina")
    response = outreach.post(
        f"/api/v1/applications/{other.pk}/signature", {"where": "outreach"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    other.refresh_from_db()
    assert other.signature_place == "outreach" and other.signature_witness == cast.outreach


def test_finished_application_cannot_be_signed(cast, client_for, flow):
    app = flow.to("handed_over")
    Application.objects.filter(pk=app.pk).update(signed_at=None, signature_place="", signature_witness=None)
    response = client_for(cast.kec_officer).post(
        f"/api/v1/applications/{app.pk}/signature", {"where": "counter"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "applications.signature_closed"
    app.refresh_from_db()
    assert app.signed_at is None


def test_service_checks_office_scope_and_race(cast, flow, household, far_household):
    app = submit_online(household)
    with pytest.raises(NotFound):
        application_signature_record(actor=cast.actor(cast.outsider), application=app, where="counter")
    with pytest.raises(NotAllowed):
        application_signature_record(actor=cast.actor(cast.dukcapil), application=app, where="counter")
    # Two officers with the same stale copy: the first signs, the second gets a 409.
    stale = Application.objects.get(pk=app.pk)
    application_signature_record(actor=cast.actor(cast.kec_officer), application=app, where="counter")
    with pytest.raises(Conflict) as exc:
        application_signature_record(actor=cast.actor(cast.kec_verifier), application=stale, where="counter")
    assert exc.value.code == "applications.already_signed"


def test_awaiting_signature_selector_and_queue_filter(cast, client_for, flow, household, far_household):
    waiting = submit_online(household)
    returned = submit_online(household, child_name="Rina Marlina")
    Application.objects.filter(pk=returned.pk).update(status=Status.RETURNED_TO_APPLICANT)
    finished = submit_online(household, child_name="Dewi Lestari")
    Application.objects.filter(pk=finished.pk).update(status=Status.REJECTED)
    draft = submit_online(household, child_name="Sri Wahyuni")
    Application.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    sandbox = submit_online(household, child_name="Ani Suryani")
    Application.objects.filter(pk=sandbox.pk).update(is_sandbox=True)
    far = submit_online(far_household)
    flow.submit(child_name="Tono Sucipto")  # counter: signed

    officer = cast.actor(cast.kec_officer)
    assert set(applications_awaiting_signature(actor=officer)) == {waiting, returned}
    assert set(applications_awaiting_signature(actor=officer, include_sandbox=True)) == {
        waiting,
        returned,
        sandbox,
    }
    everyone = cast.actor(cast.dukcapil)
    assert set(applications_awaiting_signature(actor=everyone)) == {waiting, returned, far}
    assert set(applications_awaiting_signature(actor=everyone, desa_code=cast.other_desa.code)) == {far}
    # The queue's "all active files" (training ones included) narrowed to the unsigned.
    assert set(applications_queue(actor=officer, mine=False, unsigned=True)) == {waiting, sandbox}

    body = client_for(cast.kec_officer).get("/api/v1/applications?mine=false&unsigned=true").json()
    assert {item["id"] for item in body["items"]} == {waiting.pk, sandbox.pk}
    page = client_for(cast.kec_officer).get("/applications/?status=all&unsigned=on").content.decode()
    assert waiting.tracking_code in page and "belum ditandatangani" in page


def test_migration_marks_existing_counter_and_outreach_files_signed(cast, flow, household):
    counter = flow.submit()
    online = submit_online(household, child_name="Rina Marlina")
    Application.objects.filter(pk=counter.pk).update(
        signed_at=None, signature_place="", signature_witness=None
    )
    migration = importlib.import_module("warga.applications.migrations.0003_application_signature")
    migration.mark_witnessed_signed(django_apps, None)
    counter.refresh_from_db()
    online.refresh_from_db()
    assert counter.signed_at == counter.submitted_at
    assert counter.signature_place == "counter" and counter.signature_witness == cast.kec_officer
    assert online.signed_at is None and online.signature_place == ""
