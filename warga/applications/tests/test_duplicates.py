"""One open application of a service per person (unless the service allows several), enforced by
the database: the API answers 409 naming the open file, the counter page links to it, the public
form says one is under way, and ten identical submissions at once create exactly one."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from warga.applications.models import Application, Status
from warga.applications.services import application_submit
from warga.core.errors import Conflict
from warga.core.scoping import scope

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def ktp(flow, actor="kec_officer"):
    return application_submit(
        actor=flow.actor(actor),
        service_code="ktp-baru",
        applicant_nik=flow.household.head.nik,
        data={},
        channel="counter",
    )


def test_api_second_open_application_is_409_with_the_open_one(cast, client_for, flow):
    payload = {"service_code": "ktp-baru", "applicant_nik": flow.household.head.nik, "data": {}}
    officer = client_for(cast.kec_officer)
    first = officer.post("/api/v1/applications", payload, content_type="application/json")
    assert first.status_code == 201
    second = officer.post("/api/v1/applications", payload, content_type="application/json")
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "applications.already_open"
    assert first.json()["tracking_code"] in body["message"]
    (detail,) = body["details"]
    assert detail["application_id"] == first.json()["id"]
    assert detail["tracking_code"] == first.json()["tracking_code"]
    assert detail["url"] == f"/api/v1/applications/{first.json()['id']}"
    assert Application.objects.count() == 1
    # Once the file is finished, the person may apply again.
    Application.objects.update(status=Status.REJECTED)
    assert officer.post("/api/v1/applications", payload, content_type="application/json").status_code == 201


def test_services_that_allow_several_take_them(flow):
    """Twins: two birth applications by the same father at once."""
    assert flow.submit().pk != flow.submit(child_name="Putra Ayu Lestari").pk
    assert Application.objects.filter(service__code="akta-lahir").count() == 2


def test_the_flag_is_in_the_catalogue_and_editable(cast, client_for, flow):
    from warga.applications.models import Service

    assert set(Service.objects.filter(allow_several=True).values_list("code", flat=True)) == {
        "akta-lahir",
        "akta-mati",
        "kk-tambah",
        "kk-kurang",
    }
    ktp(flow)
    with pytest.raises(Conflict):
        ktp(flow)
    Service.objects.filter(code="ktp-baru").update(allow_several=True)
    ktp(flow)
    assert Application.objects.filter(service__code="ktp-baru").count() == 2


def test_the_database_refuses_a_second_open_application(flow):
    """Not only the check before the insert: a row written past it is refused by the index."""
    first = ktp(flow)
    twin = Application.objects.get(pk=first.pk)
    twin.pk = None
    twin.tracking_code = "XXXXXXXXXX"
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
    Application.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    twin.save(force_insert=True)  # a finished one no longer counts


def test_counter_page_shows_the_open_application(cast, client_for, flow):
    officer = client_for(cast.kec_officer)
    form = {"service": "ktp-baru", "a-applicant_nik": flow.household.head.nik, "a-phone": ""}
    assert officer.post("/applications/new/", form).status_code == 302
    open_one = Application.objects.get()
    page = officer.post("/applications/new/", form).content.decode()
    assert "sudah memiliki permohonan yang masih berjalan" in page
    assert open_one.tracking_code in page
    assert f'href="/applications/{open_one.pk}/"' in page
    assert Application.objects.count() == 1


def test_online_form_says_one_is_under_way_without_naming_it(client, flow):
    ktp(flow)
    existing = Application.objects.get()

    def form():
        return {
            "applicant_nik": flow.household.head.nik,
            "phone": "081234567890",
            "doc-kk": SimpleUploadedFile("kk.png", png_bytes()),
        }

    response = client.post("/applications/apply/ktp-baru/", form())
    assert response.status_code == 409
    page = response.content.decode()
    assert "Sudah ada permohonan yang masih berjalan" in page
    assert existing.tracking_code not in page
    assert Application.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_identical_submissions_at_once_create_one(cast, flow):
    actor = flow.actor("kec_officer")
    nik = flow.household.head.nik
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait(timeout=20)
            with scope(actor):  # a thread starts outside any scope, like a request of this officer
                application_submit(
                    actor=actor, service_code="ktp-baru", applicant_nik=nik, data={}, channel="counter"
                )
            result = "created"
        except Conflict as exc:
            result = exc.code
        except Exception as exc:
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["applications.already_open"] * 9 + ["created"], outcomes
    assert Application.objects.filter(service__code="ktp-baru", applicant_nik=nik).count() == 1
