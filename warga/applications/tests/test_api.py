"""The API: permission grid per operation, bad input, public tracking and verification."""

from __future__ import annotations

import pytest

from warga.applications.models import Application, Attachment, Status
from warga.applications.selectors import document_token
from warga.audit.models import AuditLog

from .conftest import birth_data, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

GRID = ("anonymous", "outsider", "kec_officer", "dukcapil", "admin")


def clients(cast, client_for):
    return {name: client_for(getattr(cast, name) if name != "anonymous" else None) for name in GRID}


def codes(cast, client_for, method, url, **kwargs):
    result = {}
    for name, client in clients(cast, client_for).items():
        response = (
            getattr(client, method)(
                url, content_type=kwargs.pop("content_type", "application/json"), **kwargs
            )
            if method != "get"
            else client.get(url)
        )
        result[name] = response.status_code
    return result


def test_catalogue_is_public_and_free(client, catalogue):
    body = client.get("/api/v1/applications/services").json()
    services = {s["code"]: s for s in body["items"]}
    assert {
        "ktp-baru",
        "ktp-hilang",
        "ktp-rusak",
        "ktp-ubah",
        "kk-baru",
        "kk-tambah",
        "kk-kurang",
        "kk-ubah",
        "kk-pisah",
        "akta-lahir",
        "akta-mati",
        "pindah",
        "datang",
    } <= set(services)
    birth = services["akta-lahir"]
    assert birth["fee"] == 0
    assert {"skl": True, "kk": True, "nikah": False}.items() <= {
        r["code"]: r["mandatory"] for r in birth["requirements"]
    }.items()
    assert "mother_nik" in [f["name"] for f in birth["form_fields"]]


def test_submit_grid(cast, client_for, flow):
    payload = {
        "service_code": "akta-lahir",
        "applicant_nik": flow.household.head.nik,
        "data": birth_data(flow.household),
    }
    result = {}
    for name, client in clients(cast, client_for).items():
        response = client.post("/api/v1/applications", payload, content_type="application/json")
        result[name] = response.status_code
    assert result == {"anonymous": 401, "outsider": 201, "kec_officer": 201, "dukcapil": 403, "admin": 403}
    outsider_app = Application.objects.get(office_id=cast.outsider.unit_id)
    assert (
        outsider_app.kecamatan_id == cast.other_kecamatan.code
    )  # counter files go to the officer's own office


def test_queue_and_detail_grid(cast, client_for, flow):
    app = flow.submit()
    listing = {}
    detail = {}
    for name, client in clients(cast, client_for).items():
        r = client.get("/api/v1/applications?mine=false")
        listing[name] = (r.status_code, r.json().get("count") if r.status_code == 200 else None)
        detail[name] = client.get(f"/api/v1/applications/{app.pk}").status_code
    assert listing == {
        "anonymous": (401, None),
        "outsider": (200, 0),
        "kec_officer": (200, 1),
        "dukcapil": (200, 1),
        "admin": (403, None),
    }
    assert detail == {"anonymous": 401, "outsider": 404, "kec_officer": 200, "dukcapil": 200, "admin": 403}
    assert AuditLog.objects.filter(action="applications.application.view", object_id=str(app.pk)).count() == 2


def test_transition_grid_verify(cast, client_for, flow):
    app = flow.submit()
    flow.attach_all(app)
    result = {}
    for name, client in clients(cast, client_for).items():
        r = client.post(
            f"/api/v1/applications/{app.pk}/transitions",
            {"action": "verify"},
            content_type="application/json",
        )
        result[name] = r.status_code
    assert result == {"anonymous": 401, "outsider": 404, "kec_officer": 403, "dukcapil": 403, "admin": 403}
    r = client_for(cast.kec_verifier).post(
        f"/api/v1/applications/{app.pk}/transitions",
        {"action": "verify", "expected_version": app.version},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "verified"


def test_transition_conflicts_are_409(cast, client_for, flow):
    app = flow.to("approved")
    r = client_for(cast.dukcapil).post(
        f"/api/v1/applications/{app.pk}/transitions", {"action": "approve"}, content_type="application/json"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "applications.transition_impossible"
    assert "sudah disetujui" in r.json()["message"]
    r = client_for(cast.dukcapil).post(
        f"/api/v1/applications/{app.pk}/transitions", {"action": "fly"}, content_type="application/json"
    )
    assert r.status_code == 422


def _draft(officer, flow, **extra) -> int:
    """A birth application's draft for the flow's household, by the kecamatan officer."""
    r = officer.post(
        "/api/v1/applications",
        {
            "service_code": "akta-lahir",
            "applicant_nik": flow.household.head.nik,
            "data": birth_data(flow.household),
            "draft": True,
            **extra,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return int(r.json()["id"])


def test_full_flow_through_api(cast, client_for, flow):
    officer = client_for(cast.kec_officer)
    app_id = _draft(officer, flow, phone="0812 3456 7890")
    assert Application.objects.get(pk=app_id).status == "draft"
    r = officer.post(
        f"/api/v1/applications/{app_id}/transitions", {"action": "lodge"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "applications.documents_missing"
    for code, content, ctype in (("skl", pdf_bytes(2), "application/pdf"), ("kk", png_bytes(), "image/png")):
        r = officer.post(f"/api/v1/applications/{app_id}/documents/{code}", content, content_type=ctype)
        assert r.status_code == 201, r.content
    att = Attachment.objects.get(application_id=app_id, requirement="skl")
    assert att.pages == 2 and att.content_type == "application/pdf"
    steps = [
        (cast.kec_officer, "lodge"),
        (cast.kec_verifier, "verify"),
        (cast.kec_officer, "send"),
        (cast.dukcapil, "claim"),
        (cast.dukcapil, "approve"),
        (cast.dukcapil, "issue"),
        (cast.dukcapil, "dispatch"),
        (cast.kec_officer, "receive"),
    ]
    for user, action in steps:
        r = client_for(user).post(
            f"/api/v1/applications/{app_id}/transitions", {"action": action}, content_type="application/json"
        )
        assert r.status_code == 200, (action, r.content)
    r = officer.post(
        f"/api/v1/applications/{app_id}/transitions",
        {"action": "hand_over", "handed_to": "Budi Santoso"},
        content_type="application/json",
    )
    assert r.json()["status"] == "handed_over"
    detail = client_for(cast.dukcapil).get(f"/api/v1/applications/{app_id}").json()
    assert [e["action"] for e in detail["events"]][-1] == "hand_over"
    assert all(item["attached"] for item in detail["checklist"] if item["mandatory"])
    # Scans are served to roles handling the file, audit-logged, never to outsiders.
    url = detail["attachments"][0]["url"]
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.admin).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    response = client_for(cast.dukcapil).get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action="applications.attachment.view").count() == 1
    # Receipt and the printed document are PDFs.
    receipt = officer.get(f"/api/v1/applications/{app_id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    printed = officer.get(f"/api/v1/applications/{app_id}/document.pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert client_for(cast.outsider).get(f"/api/v1/applications/{app_id}/document.pdf").status_code == 404


def test_track_api_public_masked_and_rate_limited(client, flow, settings):
    app = flow.to("verified")
    body = client.get(f"/api/v1/track/{app.tracking_code.lower()}").json()
    assert body["code"] == app.tracking_code and body["name"] == "B*** S******"
    assert [s["label"] for s in body["steps"]] == ["Permohonan diterima", "Diverifikasi kecamatan"]
    text = str(body)
    assert flow.household.head.nik not in text and "Budi" not in text and "0812" not in text
    r = client.get("/api/v1/track/AAAAAAAAAA")
    assert r.status_code == 404 and r.json()["code"] == "applications.track_unknown"
    settings.APPLICATIONS_RATE_LIMITS = {"track": (3, 600)}
    statuses = [client.get("/api/v1/track/CCCCCCCCCC").status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert (
        client.get(f"/api/v1/track/{app.tracking_code}").status_code == 429
    )  # a guesser learns nothing more


def test_verify_api(client, flow):
    app = flow.to("issued")
    good = client.get(
        f"/api/v1/verify/{app.document_number}?token={document_token(app.document_number)}"
    ).json()
    assert good["genuine"] is True and good["document_type"] and good["name"] == "P**** A** L******"
    bad = client.get(f"/api/v1/verify/{app.document_number}?token=forged").json()
    assert bad == {"genuine": False, "document_type": "", "issued_on": None, "name": "", "training": False}


def test_batches_grid(cast, client_for, flow):
    app = flow.to("verified")
    result = {
        name: c.post("/api/v1/applications/batches/send").status_code
        for name, c in clients(cast, client_for).items()
    }
    assert result == {"anonymous": 401, "outsider": 200, "kec_officer": 200, "dukcapil": 403, "admin": 403}
    app.refresh_from_db()
    assert app.status == Status.SENT  # the outsider's call sent nothing of this office
    assert Application.objects.get(pk=app.pk).batch.office_id == cast.kec_officer.unit_id


def test_rollout_and_paper_and_stats_grid(cast, client_for, flow):
    office_id = cast.kec_officer.unit_id
    result = {}
    for name, c in clients(cast, client_for).items():
        result[name] = c.put(
            f"/api/v1/applications/offices/{office_id}", {"mode": "manual"}, content_type="application/json"
        ).status_code
    assert result == {"anonymous": 401, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200}
    r = client_for(cast.admin).put(
        f"/api/v1/applications/offices/{office_id}", {"mode": "sideways"}, content_type="application/json"
    )
    assert r.status_code == 422
    paper = {}
    for name, c in clients(cast, client_for).items():
        r = c.post(
            "/api/v1/applications/paper-batches",
            {"files_count": 12, "sent_on": "2026-01-05", "office_id": office_id},
            content_type="application/json",
        )
        paper[name] = r.status_code
    assert paper == {"anonymous": 401, "outsider": 404, "kec_officer": 201, "dukcapil": 201, "admin": 403}
    r = client_for(cast.kec_officer).post(
        "/api/v1/applications/paper-batches",
        {"files_count": 0, "sent_on": "2026-01-05"},
        content_type="application/json",
    )
    assert r.status_code == 422
    stats = {
        name: c.get("/api/v1/applications/stats").status_code for name, c in clients(cast, client_for).items()
    }
    assert stats == {"anonymous": 401, "outsider": 200, "kec_officer": 403, "dukcapil": 200, "admin": 403}


def test_service_edit_grid_and_bad_schema(cast, client_for, catalogue):
    payload = {"changes": {"target_days_disdukcapil": 2}}
    result = {
        name: c.patch(
            "/api/v1/applications/services/akta-lahir", payload, content_type="application/json"
        ).status_code
        for name, c in clients(cast, client_for).items()
    }
    assert result == {"anonymous": 401, "outsider": 403, "kec_officer": 403, "dukcapil": 403, "admin": 200}
    r = client_for(cast.admin).patch(
        "/api/v1/applications/services/akta-lahir",
        {"changes": {"form_schema": [{"name": "X Y", "type": "blob"}]}},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = client_for(cast.admin).patch(
        "/api/v1/applications/services/akta-lahir",
        {"changes": {"target_days_total": 1}},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_every_operation_declares_4xx():
    from warga.applications.api import router

    count = 0
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            declared = {
                code for code in operation.response_models if isinstance(code, int) and 400 <= code < 500
            }
            assert 422 in declared, path
            if operation.auth_callbacks:
                assert {401, 403} <= declared, path
            count += 1
    assert count >= 20


def _draft_with_scans(officer, flow) -> int:
    """A birth application's draft with its two scans attached, by the kecamatan officer."""
    app_id = _draft(officer, flow)
    for code, content, ctype in (("skl", pdf_bytes(1), "application/pdf"), ("kk", png_bytes(), "image/png")):
        response = officer.post(
            f"/api/v1/applications/{app_id}/documents/{code}", content, content_type=ctype
        )
        assert response.status_code == 201, response.content
    return app_id


def test_each_step_answers_the_file_as_stored(cast, client_for, flow):
    """A step builds its answer from the row it read and the values it wrote, without reading
    the file again: after every step the answer is what a fresh read of the file shows."""
    app_id = _draft_with_scans(client_for(cast.kec_officer), flow)
    steps = [
        (cast.kec_officer, {"action": "lodge"}),
        (cast.kec_verifier, {"action": "verify"}),
        (cast.kec_officer, {"action": "send"}),
        (cast.dukcapil, {"action": "claim"}),
        (cast.dukcapil, {"action": "release"}),
        (cast.dukcapil, {"action": "claim"}),
        (cast.dukcapil, {"action": "approve"}),
        (cast.dukcapil, {"action": "issue"}),
        (cast.dukcapil, {"action": "dispatch"}),
        (cast.kec_officer, {"action": "receive"}),
        (cast.kec_officer, {"action": "hand_over", "handed_to": "Budi Santoso"}),
    ]
    version = Application.objects.get(pk=app_id).version
    for user, body in steps:
        client = client_for(user)
        answer = client.post(
            f"/api/v1/applications/{app_id}/transitions", body, content_type="application/json"
        )
        assert answer.status_code == 200, (body, answer.content)
        stored = client.get(f"/api/v1/applications/{app_id}").json()
        shown = answer.json()
        assert {k: v for k, v in shown.items() if k in stored} == {
            k: stored[k] for k in shown if k in stored
        }, body
        row = Application.objects.get(pk=app_id)
        assert row.version == version + 1 and shown.get("version", row.version) == row.version, body
        version = row.version
