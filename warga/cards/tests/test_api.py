"""The cards API: same services as the pages, errors as {code, message, details}."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from warga.cards.models import KtpCard, KtpStatus, StockEntry
from warga.cards.services import ktp_recording_record

JSON = "application/json"


def test_recording_status_and_import_through_the_api(
    cast, client_for, make_resident, kec_office, django_capture_on_commit_callbacks
):
    resident = make_resident()
    officer = client_for(cast.kec_officer)
    payload = {
        "resident_id": resident.pk,
        "recorded_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "place_unit_id": kec_office.pk,
        "device_set": "KEC-02",
        "client_ref": "tab-1:9",
    }
    response = officer.post("/api/v1/cards/recordings", payload, content_type=JSON)
    assert response.status_code == 201 and response.json()["place_kind"] == "kecamatan"
    again = officer.post("/api/v1/cards/recordings", payload, content_type=JSON)
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]

    status = officer.get(f"/api/v1/cards/residents/{resident.pk}/status").json()
    assert status["status"] == "recorded" and status["transitions"][0]["place_unit"] == kec_office.name

    dukcapil = client_for(cast.dukcapil)
    bad = dukcapil.post(
        f"/api/v1/cards/residents/{resident.pk}/status",
        {"status": "printed", "occurred_at": timezone.now().isoformat()},
        content_type=JSON,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "cards.status"

    csv = f"nik,status,date\n{resident.nik},PRR,{timezone.localdate().isoformat()}\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = dukcapil.post("/api/v1/cards/imports", {"file": SimpleUploadedFile("e.csv", csv)})
    assert response.status_code == 202 and response.json()["state"] == "pending"
    applied = dukcapil.get(f"/api/v1/cards/imports/{response.json()['id']}").json()
    assert applied["state"] == "applied" and applied["changed"] == 1
    assert KtpCard.objects.get(resident=resident).status == KtpStatus.PRR
    with django_capture_on_commit_callbacks(execute=True):
        rejected = dukcapil.post(
            "/api/v1/cards/imports",
            {"file": SimpleUploadedFile("e.csv", b"nik,status,date\n1,PRR,2024-01-01\n")},
        )
    body = dukcapil.get(f"/api/v1/cards/imports/{rejected.json()['id']}").json()
    assert body["state"] == "rejected" and body["errors"][0]["row"] == 2
    assert client_for(cast.outsider).get(f"/api/v1/cards/imports/{rejected.json()['id']}").status_code in (
        403,
        404,
    )


def test_stock_and_printing_through_the_api(cast, client_for, make_resident, dukcapil_office, kec_office):
    make_resident(status=KtpStatus.PRR)
    make_resident(status=KtpStatus.PRR)
    head, printer = client_for(cast.head), client_for(cast.printer)
    today = timezone.localdate().isoformat()
    r = head.post(
        "/api/v1/cards/stock/requests",
        {"office_id": dukcapil_office.pk, "reference": "470/1", "quantity_asked": 10, "asked_on": today},
        content_type=JSON,
    )
    assert r.status_code == 201
    a = head.post(
        "/api/v1/cards/stock/allocations",
        {
            "office_id": dukcapil_office.pk,
            "quantity": 2,
            "received_on": today,
            "serial_from": "A1",
            "serial_to": "A2",
            "request_id": r.json()["id"],
        },
        content_type=JSON,
    )
    assert a.status_code == 201
    requests = head.get("/api/v1/cards/stock/requests").json()["items"]
    assert requests[0]["received"] == 2 and requests[0]["outstanding"] == 8
    too_many = head.post(
        "/api/v1/cards/stock/transfers",
        {
            "from_office_id": dukcapil_office.pk,
            "to_office_id": kec_office.pk,
            "quantity": 3,
            "transferred_on": today,
        },
        content_type=JSON,
    )
    assert too_many.status_code == 409 and too_many.json()["code"] == "cards.stock_insufficient"
    negative = head.post(
        "/api/v1/cards/stock/counts",
        {"office_id": dukcapil_office.pk, "counted": -5, "counted_on": today},
        content_type=JSON,
    )
    assert negative.status_code == 422 and StockEntry.objects.count() == 1

    preview = printer.get(f"/api/v1/cards/queue?office_id={dukcapil_office.pk}").json()
    assert preview["balance"] == 2 and preview["selected"] == 2 and preview["top"][0]["reasons"]
    batch = printer.post(
        "/api/v1/cards/batches", {"office_id": dukcapil_office.pk, "size": 2}, content_type=JSON
    )
    assert batch.status_code == 201 and batch.json()["places"] == 2
    items = printer.get(f"/api/v1/cards/batches/{batch.json()['id']}/items").json()["items"]
    ok = printer.post(
        f"/api/v1/cards/batches/items/{items[0]['id']}/result",
        {"result": "printed", "card_serial": "A1"},
        content_type=JSON,
    )
    assert ok.status_code == 200 and ok.json()["result"] == "printed"
    dup = printer.post(
        f"/api/v1/cards/batches/items/{items[1]['id']}/result",
        {"result": "printed", "card_serial": "A1"},
        content_type=JSON,
    )
    assert dup.status_code == 409 and dup.json()["code"] == "cards.serial_used"
    public = client_for(None).get("/api/v1/cards/stock/public").json()
    assert {"office": dukcapil_office.name, "balance": 1} in [
        {"office": p["office"], "balance": p["balance"]} for p in public
    ]


def test_targets_api_rejects_bad_area_and_date(cast, client_for, make_resident):
    client = client_for(cast.dukcapil)
    assert client.get("/api/v1/cards/targets?area=xx").status_code == 404
    assert client.get("/api/v1/cards/targets?on=0001-01-01").status_code == 422
    make_resident(age=30)
    rows = client.get(f"/api/v1/cards/targets?area={cast.kecamatan.code}").json()["items"]
    assert rows[0]["not_recorded"] == 1


def test_suket_verify_shows_minimal_information(cast, client_for, make_resident, kec_office):
    from warga.cards.documents import suket_token
    from warga.cards.services import suket_issue

    resident = make_resident(name="Budi Santoso")
    ktp_recording_record(
        actor=cast.actor(cast.kec_officer),
        resident=resident,
        recorded_at=timezone.now(),
        place_unit=kec_office,
        device_set="K",
    )
    suket = suket_issue(actor=cast.actor(cast.kec_officer), resident=resident, office=kec_office)
    token = suket_token(suket)
    body = client_for(None).get(f"/api/v1/cards/sukets/verify/{token}").json()
    assert body["name"] == "B*** S***" and body["status"] == "valid" and "nik" not in body
    page = client_for(None).get(f"/cards/suket/verify/{token}/").content.decode()
    assert "Asli dan masih berlaku" in page and resident.nik not in page and "Budi" not in page
    forged = client_for(None).get(f"/cards/suket/verify/{token[:-2]}xx/")
    assert forged.status_code == 404 and "mungkin palsu" in forged.content.decode()
