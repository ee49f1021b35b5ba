"""The public list and map, the handler's publication, the SP4N-LAPOR! export and filing at a
counter."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from warga.audit.models import AuditLog
from warga.core.csp import policy, tile_source
from warga.core.scoping import Actor, unscoped
from warga.reports.models import Case, CaseChannel, CasePhoto
from warga.reports.services import case_file, case_transition

pytestmark = pytest.mark.django_db


def _file(cast, text="Jalan berlubang di depan SD", **kwargs):
    defaults = {"phone": "081200000055", "name": "Rina Pelapor", "desa": cast.desa}
    return case_file(actor=None, text=text, channel="web", **{**defaults, **kwargs})


def _act(user, case, action, **kwargs):
    return case_transition(actor=Actor.for_user(user), case_id=case.pk, action=action, **kwargs)


# --- The public list ------------------------------------------------------------------------------


def test_only_moderated_published_cases_without_identity(cast, people, client):
    road = _act(people.handler, _file(cast, latitude="-6.55", longitude="107.44"), "verify")
    waiting = _file(cast, text="Lampu jalan mati di gang 3")  # not moderated yet
    secret = _act(people.handler, _file(cast, text="Air keruh sejak kemarin", confidential=True), "verify")
    complaint = _act(
        people.handler,
        _file(cast, text="Petugas meminta uang", kind="pengaduan", category="petugas"),
        "verify",
    )
    death = _act(people.handler, _file(cast, text="Nenek Ijah meninggal", category="kematian"), "verify")
    anonymous = _act(people.handler, _file(cast, text="Jembatan retak", anonymous=True), "verify")
    road.refresh_from_db()
    assert road.public and road.public_text == road.text
    assert not secret.public and not complaint.public and not death.public
    body = client.get("/lapor/daftar/").content.decode()
    assert "Jalan berlubang di depan SD" in body and "Jembatan retak" in body
    for hidden in ("Lampu jalan mati", "Air keruh", "Petugas meminta", "Nenek Ijah"):
        assert hidden not in body, hidden
    assert "Rina" not in body and "081200000055" not in body and "+6281200000055" not in body
    for case in (road, waiting, secret, anonymous):
        assert case.tracking_code not in body  # the code is the reporter's proof
    # Without a tile server: the list only, no map, no Leaflet.
    assert "cases-map" not in body and "leaflet" not in body


def test_the_handler_moderates_the_public_text(cast, people, client, client_for):
    case = _act(people.handler, _file(cast, text="Jalan rusak depan rumah Pak Ujang no. 12"), "verify")
    handler = client_for(people.handler)
    response = handler.post(
        f"/reports/{case.pk}/publication/", {"public": "on", "public_text": "Jalan rusak di RT 01"}
    )
    assert response.status_code == 302
    body = client.get("/lapor/daftar/").content.decode()
    assert "Jalan rusak di RT 01" in body and "Ujang" not in body
    handler.post(f"/reports/{case.pk}/publication/", {"public_text": "Jalan rusak di RT 01"})  # unticked
    assert "Jalan rusak di RT 01" not in client.get("/lapor/daftar/").content.decode()
    assert AuditLog.objects.filter(action="reports.case.publication", object_id=str(case.pk)).count() == 2
    # Only the complaint handler; a confidential case cannot be published.
    assert (
        client_for(people.pln).post(f"/reports/{case.pk}/publication/", {"public_text": "x"}).status_code
        == 403
    )
    secret = _act(people.handler, _file(cast, confidential=True), "verify")
    handler.post(f"/reports/{secret.pk}/publication/", {"public": "on", "public_text": "Jalan"})
    secret.refresh_from_db()
    assert not secret.public
    # An empty summary is refused.
    handler.post(f"/reports/{case.pk}/publication/", {"public": "on", "public_text": "  "})
    case.refresh_from_db()
    assert case.public_text == "Jalan rusak di RT 01"


def test_filters_pagination_and_time_to_answer(cast, people, client):
    from warga.org.models import Unit

    pln = Unit.objects.get(code="pln")
    here = _act(people.handler, _file(cast, text="Jalan amblas di desa ini"), "accept", unit_id=pln.pk)
    there = _act(
        people.handler, _file(cast, text="Jalan amblas di desa lain", desa=cast.other_desa), "verify"
    )
    _act(people.pln, here, "answer", note="Sudah ditambal")
    assert "Dijawab dalam" in client.get("/lapor/daftar/").content.decode()
    body = client.get(f"/lapor/daftar/?desa={cast.desa.code}").content.decode()
    assert "desa ini" in body and "desa lain" not in body
    body = client.get(
        f"/lapor/daftar/?desa={cast.other_desa.code}&category=jalan&status=verified"
    ).content.decode()
    assert "desa lain" in body and "desa ini" not in body
    assert client.get("/lapor/daftar/?category=nonsense").status_code == 200  # a bad filter is ignored
    assert client.get("/lapor/daftar/?page=999").status_code == 200
    for n in range(21):
        _act(people.handler, _file(cast, text=f"Jalan rusak nomor {n}"), "verify")
    first = client.get("/lapor/daftar/")
    assert first.context["page"].paginator.num_pages == 2 and len(first.context["rows"]) == 20
    assert there.public


def test_the_map_uses_the_configured_tiles_only(cast, people, client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.go.id/{z}/{x}/{y}.png"
    _act(people.handler, _file(cast, latitude="-6.55", longitude="107.44"), "verify")
    response = client.get("/lapor/daftar/")
    body = response.content.decode()
    assert 'id="cases-map"' in body and "vendor/leaflet/leaflet.js" in body and "-6.55" in body
    assert "https://*.tiles.example.go.id" in response["Content-Security-Policy"]
    assert tile_source("javascript:alert(1)") == "" and tile_source("https://a.b/{z}") == "https://a.b"
    assert tile_source("https://x.example'; script-src *") == ""
    settings.MAP_TILE_URL = ""
    assert "tiles.example" not in policy("n")


# --- Export ----------------------------------------------------------------------------------------


def test_export_has_no_identity_and_is_audited(cast, people, client_for):
    confidential = _act(
        people.handler, _file(cast, text='=HYPERLINK("http://x")', confidential=True), "accept"
    )
    _file(cast, text="Air mati", category="air")
    handler = client_for(people.handler)
    response = handler.get("/reports/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Kode" and len(rows) == 3
    assert "Rina" not in text and "081200000055" not in text and "6281200000055" not in text
    assert confidential.tracking_code in text
    assert AuditLog.objects.filter(action="reports.case.export", summary__format="csv").exists()
    # Filters of the inbox.
    only = b"".join(handler.get("/reports/export/?status=assigned").streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only)))) == 2
    xlsx = handler.get("/reports/export/?format=xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert len(values) == 3 and not any("Rina" in str(v) for row in values for v in row)
    assert all(c.data_type == "s" for row in book.active.iter_rows() for c in row if c.value is not None)
    # Capability-gated: the unit, the overseer, the area offices are refused.
    for user in (people.pln, people.bupati, cast.kec_officer):
        assert client_for(user).get("/reports/export/").status_code == 403
    assert handler.get("/reports/export/?desa=not-a-code").status_code == 302  # back to the inbox


def test_formula_like_text_is_written_as_text():
    from warga.reports.services.export import cell_text

    assert cell_text("=1+1") == "'=1+1" and cell_text("@SUM") == "'@SUM" and cell_text("-2") == "'-2"
    assert cell_text("Trafo diganti") == "Trafo diganti"


# --- Filing at a counter -------------------------------------------------------------------------


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "JPEG")
    return SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")


def test_counter_files_a_case_with_photos(cast, people, client_for):
    client = client_for(cast.kec_officer)
    assert client.get("/reports/file/").status_code == 200
    form = {
        "kind": "laporan",
        "category": "",
        "desa": cast.desa.code,
        "text": "Tiang listrik roboh di RT 04",
        "name": "Pak Dodi",
        "phone": "081200000066",
    }
    response = client.post("/reports/file/", {**form, "photos": [_jpeg(), _jpeg()]})
    assert response.status_code == 302
    with unscoped("test"):
        case = Case.objects.get(text="Tiang listrik roboh di RT 04")
        assert CasePhoto.objects.filter(case=case).count() == 2
    assert case.channel == CaseChannel.COUNTER and case.created_by == cast.kec_officer
    assert case.category == "listrik_padam" and case.routed_unit.code == "pln"
    # Another kecamatan's desa, too many photos, an empty text, a bad phone: refused on the form.
    assert client.post("/reports/file/", {**form, "desa": cast.other_desa.code}).status_code == 422
    assert client.post("/reports/file/", {**form, "photos": [_jpeg() for _ in range(4)]}).status_code == 422
    assert client.post("/reports/file/", {**form, "text": " "}).status_code == 422
    assert client.post("/reports/file/", {**form, "phone": "12"}).status_code == 422
    # A unit officer may not file.
    assert client_for(people.pln).get("/reports/file/").status_code == 403
