"""Bulk import: pages, the command, good files, bad files, both modes, re-imports, a killed import."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from warga.audit.models import AuditLog
from warga.imports import services
from warga.imports.export import HEADERS
from warga.imports.models import ImportBatch, ImportStatus, StagedRow
from warga.registry.models import Family, FamilyChange, FamilyMembership, Resident, ResidentChange

from .conftest import synthetic_rows, to_csv

pytestmark = pytest.mark.django_db

UPLOAD = "/registry/import/"
COL = {name: i for i, name in enumerate(HEADERS)}


def upload(client, content: bytes, *, name: str = "data.csv", mode: str = "valid-rows", capture=None):
    file = io.BytesIO(content)
    file.name = name
    if capture is None:
        return client.post(UPLOAD, {"file": file, "mode": mode})
    with capture(execute=True):
        return client.post(UPLOAD, {"file": file, "mode": mode})


def last_batch() -> ImportBatch:
    return ImportBatch.objects.order_by("-id").first()


def test_import_creates_families_residents_memberships_and_history(
    cast, client_for, rows, django_capture_on_commit_callbacks
):
    client = client_for(cast.kec_verifier)
    response = upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert response.status_code == 302 and response["Location"] == reverse("imports:batch", args=[batch.pk])
    assert batch.status == ImportStatus.PUBLISHED
    assert Resident.objects.count() == len(rows) == batch.residents_created
    kks = {r[COL["NO_KK"]] for r in rows}
    assert Family.objects.count() == len(kks) == batch.families_created
    assert FamilyMembership.objects.filter(ended_on__isnull=True).count() == len(rows)
    assert ResidentChange.objects.filter(action="import").count() == len(rows)
    assert FamilyChange.objects.filter(action="import").count() == len(kks)
    change = ResidentChange.objects.filter(action="import").first()
    assert change.changes["nik"] == [None, change.resident.nik]
    assert change.actor == cast.kec_verifier
    head = Resident.objects.get(nik=rows[0][COL["NIK"]])
    assert head.relationship == "kepala" and head.family.kk_number == rows[0][COL["NO_KK"]]
    assert head.name_key
    assert StagedRow.objects.count() == 0
    assert AuditLog.objects.filter(action="imports.batch.published", object_id=str(batch.pk)).exists()
    page = client.get(reverse("imports:batch", args=[batch.pk]))
    assert "Impor berhasil" in page.content.decode() or "Diimpor" in page.content.decode()
    assert f"{len(rows)} penduduk baru" in page.content.decode()


def test_same_file_twice_changes_nothing(cast, client_for, rows, django_capture_on_commit_callbacks):
    client = client_for(cast.kec_verifier)
    upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    versions = dict(Resident.objects.values_list("nik", "version"))
    history = ResidentChange.objects.count()
    upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    second = last_batch()
    assert second.status == ImportStatus.SKIPPED
    assert "sudah pernah diimpor" in second.message
    # The same rows in a file with other bytes (semicolons): the upsert finds nothing to change.
    upload(client, to_csv(rows, delimiter=";"), capture=django_capture_on_commit_callbacks)
    third = last_batch()
    assert third.status == ImportStatus.PUBLISHED
    assert (third.residents_created, third.residents_updated, third.residents_unchanged) == (0, 0, len(rows))
    assert dict(Resident.objects.values_list("nik", "version")) == versions
    assert ResidentChange.objects.count() == history


def test_reimport_with_a_correction_updates_only_that_resident(
    cast, client_for, rows, django_capture_on_commit_callbacks
):
    client = client_for(cast.kec_verifier)
    upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    changed = [list(r) for r in rows]
    changed[1][COL["NAMA_LGKP"]] = "Nama Diperbaiki"
    changed[1][COL["PEKERJAAN"]] = ""  # empty cells never erase what is registered
    upload(client, to_csv(changed), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert (batch.residents_created, batch.residents_updated) == (0, 1)
    resident = Resident.objects.get(nik=rows[1][COL["NIK"]])
    assert resident.full_name == "Nama Diperbaiki" and resident.version == 2
    assert resident.occupation == rows[1][COL["PEKERJAAN"]]
    change = ResidentChange.objects.filter(resident=resident, action="import").latest("id")
    assert change.changes["full_name"] == [rows[1][COL["NAMA_LGKP"]], "Nama Diperbaiki"]


def _broken(rows: list[list[str]]) -> list[list[str]]:
    broken = [list(r) for r in rows]
    broken[0][COL["NIK"]] = "9999" + broken[0][COL["NIK"]][4:]  # unknown kecamatan
    broken[2][COL["TGL_LHR"]] = "31-02-1990"  # no such date
    return broken


def test_all_or_nothing_refuses_the_whole_file(cast, client_for, rows, django_capture_on_commit_callbacks):
    client = client_for(cast.kec_verifier)
    upload(client, to_csv(_broken(rows)), mode="all-or-nothing", capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert batch.status == ImportStatus.REJECTED
    assert Resident.objects.count() == 0 and Family.objects.count() == 0
    messages = list(batch.issues.values_list("row_number", "column", "message"))
    assert (2, "NIK", "kode kecamatan 999901 tidak dikenal") in [(r, c, m) for r, c, m in messages] or any(
        r == 2 and c == "NIK" and "tidak dikenal" in m for r, c, m in messages
    )
    assert any(r == 4 and c == "TGL_LHR" for r, c, _m in messages)
    report = client.get(reverse("imports:issues", args=[batch.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == ["Baris", "Kolom", "Kode", "Keterangan"]
    assert any(line[0] == "2" and line[1] == "NIK" for line in lines[1:])


def test_valid_rows_mode_imports_the_rest_and_reports_family_problems(
    cast, client_for, rows, django_capture_on_commit_callbacks
):
    rows = [list(r) for r in rows]
    kk_of = {}
    for r in rows:
        kk_of.setdefault(r[COL["NO_KK"]], []).append(r)
    families = [members for members in kk_of.values() if len(members) >= 3]
    two_heads, with_child = families[0], families[1]
    two_heads[1][COL["STAT_HBKEL"]] = "KEPALA KELUARGA"
    child = next(m for m in with_child if m[COL["STAT_HBKEL"]] == "ANAK")
    child[COL["TGL_LHR"]] = "01-01-1901"
    child[COL["NIK"]] = (
        child[COL["NIK"]][:6]
        + ("41" if child[COL["JENIS_KLMIN"]] == "PEREMPUAN" else "01")
        + "0101"
        + child[COL["NIK"]][12:]
    )
    duplicate = list(rows[-1])
    rows.append(duplicate)
    client = client_for(cast.kec_verifier)
    upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert batch.status == ImportStatus.PUBLISHED
    codes = set(batch.issues.values_list("code", flat=True))
    assert {"family_structure", "child_older_than_parent", "nik_twice"} <= codes
    assert not Family.objects.filter(kk_number=two_heads[0][COL["NO_KK"]]).exists()
    assert not Resident.objects.filter(nik=child[COL["NIK"]]).exists()
    expected = len(rows) - len(two_heads) - 2  # the family with two heads, the child, the repeated row
    assert Resident.objects.count() == expected == batch.residents_created
    message = batch.issues.filter(code="family_structure").first().message
    assert "2 kepala keluarga" in message


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "kosong"),
        (b"%PDF-1.4 binary", "bukan tabel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"\x00\x01\x02\x03garbage\x00", "bukan berkas teks"),
        (b"nama,umur\nBudi,20\n", "Baris pertama harus berisi nama kolom"),
        (b"NIK,NAMA_LGKP,TGL_LHR\n1,Budi,01-01-1990\n", "Kolom wajib tidak ada: NO_KK"),
        (b"NIK,NO_KK,NAMA_LGKP,TGL_LHR,JENIS_KLMIN,STAT_HBKEL,KODE_DESA\n", "tidak ada baris data"),
    ],
)
def test_bad_files_are_refused_before_anything_is_stored(cast, client_for, content, expected):
    response = upload(client_for(cast.kec_verifier), content)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert ImportBatch.objects.count() == 0 and Resident.objects.count() == 0


def test_zip_that_is_not_a_workbook_is_refused(cast, client_for):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = upload(client_for(cast.kec_verifier), buffer.getvalue(), name="data.xlsx")
    assert "bukan buku kerja Excel" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_too_many_rows_refused_with_a_clear_message(cast, client_for, rows, settings):
    settings.IMPORT_MAX_ROWS = 10
    response = upload(client_for(cast.kec_verifier), to_csv(rows))
    content = response.content.decode()
    assert "paling banyak 10" in content
    assert ImportBatch.objects.count() == 0 and Resident.objects.count() == 0


def test_cp1252_and_bom_files_are_read(cast, client_for, rows, django_capture_on_commit_callbacks):
    rows = [list(r) for r in rows[:6]]
    rows[0][COL["NAMA_LGKP"]] = "Ma’ruf Amin"
    text = to_csv(rows).decode("utf-8")
    client = client_for(cast.kec_verifier)
    upload(client, text.encode("cp1252"), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert batch.encoding == "cp1252" and batch.status == ImportStatus.PUBLISHED
    assert Resident.objects.filter(full_name="Ma’ruf Amin").exists()
    upload(client, text.encode("utf-8-sig"), capture=django_capture_on_commit_callbacks)
    assert last_batch().encoding == "utf-8-sig"
    assert last_batch().residents_unchanged == len(rows)


def test_xlsx_file_in_simple_layout(cast, client_for, rows, django_capture_on_commit_callbacks):
    simple = [
        "nik",
        "kk_number",
        "full_name",
        "birth_place",
        "birth_date",
        "sex",
        "religion",
        "marital_status",
        "occupation",
        "education",
        "blood_type",
        "father_name",
        "mother_name",
        "relationship",
        "address",
        "rt",
        "rw",
        "desa_code",
        "desa_name",
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(simple)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(
        client_for(cast.kec_verifier),
        buffer.getvalue(),
        name="x.bin",
        capture=django_capture_on_commit_callbacks,
    )
    batch = last_batch()
    assert (batch.file_format, batch.layout, batch.status) == ("xlsx", "simple", ImportStatus.PUBLISHED)
    assert Resident.objects.count() == len(rows)


def test_rows_outside_the_officers_area_are_refused(cast, client_for, django_capture_on_commit_callbacks):
    other = synthetic_rows(cast.other_kecamatan.code, 10, seed=4)
    upload(client_for(cast.kec_verifier), to_csv(other), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert batch.status == ImportStatus.REJECTED
    assert set(batch.issues.values_list("code", flat=True)) == {"unknown_desa"}
    assert Resident.objects.count() == 0


def test_killed_import_leaves_no_partial_batch(
    cast, client_for, rows, monkeypatch, django_capture_on_commit_callbacks
):
    def crash(stage, batch):
        if stage == "residents":
            raise RuntimeError("worker killed")

    monkeypatch.setattr("warga.imports.services.publishing.publish_hook", crash)
    upload(client_for(cast.kec_verifier), to_csv(rows), capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert batch.status == ImportStatus.FAILED
    assert "tidak ada yang diimpor" in batch.message
    assert Resident.objects.count() == 0 and Family.objects.count() == 0
    assert ResidentChange.objects.count() == 0 and FamilyChange.objects.count() == 0
    assert StagedRow.objects.count() == 0


def test_stale_batches_are_failed_and_emptied(cast):
    from datetime import timedelta

    from django.utils import timezone

    batch = ImportBatch.objects.create(
        file="imports/x.csv",
        file_name="x.csv",
        file_sha256="0" * 64,
        file_format="csv",
        layout="siak",
        mode="valid-rows",
        area=cast.kecamatan,
        created_by=cast.kec_verifier,
        status=ImportStatus.VALIDATING,
        heartbeat_at=timezone.now() - timedelta(hours=2),
    )
    assert services.imports_purge_stale() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED


def test_a_batch_is_claimed_once(cast, rows):
    actor = cast.actor(cast.kec_verifier)
    batch = services.import_create(
        actor=actor, source=io.BytesIO(to_csv(rows)), file_name="a.csv", mode="valid-rows"
    )  # on_commit not run: still queued
    assert services.import_run(batch_id=batch.pk).status == ImportStatus.PUBLISHED
    assert services.import_run(batch_id=batch.pk) is None


def test_command_line_import(cast, rows, tmp_path, capsys):
    path = tmp_path / "kec.csv"
    path.write_bytes(to_csv(rows))
    call_command("import_residents", str(path), "--user", cast.dukcapil.username, "--mode", "valid-rows")
    assert Resident.objects.count() == len(rows)
    assert "Diimpor" in capsys.readouterr().out or Resident.objects.count() == len(rows)


def test_progress_partial_for_htmx(cast, client_for, rows, django_capture_on_commit_callbacks):
    client = client_for(cast.kec_verifier)
    upload(client, to_csv(rows), capture=django_capture_on_commit_callbacks)
    response = client.get(reverse("imports:batch", args=[last_batch().pk]), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "progress-bar" in content and "<html" not in content and "100%" in content


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    "who, upload_page, batch_page",
    [
        ("anonymous", 302, 302),
        ("outsider", 200, 404),
        ("kec_officer", 403, 403),
        ("kec_verifier", 200, 200),
        ("dukcapil", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_permission_grid_pages(
    cast, client_for, rows, who, upload_page, batch_page, django_capture_on_commit_callbacks
):
    upload(client_for(cast.kec_verifier), to_csv(rows), capture=django_capture_on_commit_callbacks)
    batch = last_batch()  # made for the kecamatan: kabupaten accounts see it, another kecamatan does not
    user = None if who == "anonymous" else getattr(cast, who)
    client = client_for(user)
    assert client.get(UPLOAD).status_code == upload_page
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == batch_page
    assert client.get(reverse("imports:issues", args=[batch.pk])).status_code == batch_page
    assert client.get(reverse("imports:template", args=["csv"])).status_code == upload_page


def test_templates_download(cast, client_for):
    client = client_for(cast.dukcapil)
    text = client.get(reverse("imports:template", args=["csv"])).content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("NIK,NO_KK,NAMA_LGKP")
    xlsx = client.get(reverse("imports:template", args=["xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet["A1"].value == "NIK" and sheet["A2"].number_format == "@"
    assert client.get(reverse("imports:template", args=["pdf"])).status_code == 404


def test_export_csv_round_trips_and_is_audited(cast, client_for, rows, django_capture_on_commit_callbacks):
    upload(client_for(cast.kec_verifier), to_csv(rows), capture=django_capture_on_commit_callbacks)
    client = client_for(cast.kec_verifier)
    response = client.post(
        reverse("imports:export"), {"area": cast.kecamatan.code, "life_status": "alive", "file_format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    exported = b"".join(response.streaming_content)
    lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert lines[0] == HEADERS and len(lines) == len(rows) + 1
    assert AuditLog.objects.filter(action="registry.resident.export", summary__rows=len(rows)).exists()
    upload(client, exported, capture=django_capture_on_commit_callbacks)
    batch = last_batch()
    assert (batch.status, batch.residents_created, batch.residents_updated) == (ImportStatus.PUBLISHED, 0, 0)
    xlsx = client.post(reverse("imports:export"), {"area": cast.kecamatan.code, "file_format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == len(rows) + 1 and sheet["A2"].data_type == "s"


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("outsider", 200),
        ("kec_officer", 403),
        ("kec_verifier", 200),
        ("dukcapil", 200),
        ("admin", 403),
    ],
)
def test_export_permission_grid(cast, client_for, rows, who, status, django_capture_on_commit_callbacks):
    upload(client_for(cast.kec_verifier), to_csv(rows), capture=django_capture_on_commit_callbacks)
    client = client_for(None if who == "anonymous" else getattr(cast, who))
    assert client.get(reverse("imports:export")).status_code == status
    response = client.post(reverse("imports:export"), {"area": cast.kecamatan.code, "file_format": "csv"})
    if who in ("kec_verifier", "dukcapil"):
        assert response["Content-Type"].startswith("text/csv")
    elif who == "outsider":  # Purwakarta is not among the outsider's areas: the form refuses it
        assert response["Content-Type"].startswith("text/html") and b"pilihan yang valid" in response.content
        assert not AuditLog.objects.filter(action="registry.resident.export").exists()
    else:
        assert response.status_code == status


def test_export_bad_input(cast, client_for):
    client = client_for(cast.dukcapil)
    response = client.post(
        reverse("imports:export"),
        {"area": cast.kecamatan.code, "min_age": 60, "max_age": 20, "file_format": "csv"},
    )
    assert response.status_code == 200 and "Umur terendah lebih besar" in response.content.decode()


def test_the_fast_row_check_agrees_with_the_full_checks(cast, rows, tmp_path):
    """`_fast` may only accept what `_check_slow` accepts, with the same values; a change to a
    check that the fast path does not follow makes this fail."""
    import random

    from warga.imports import reader
    from warga.imports.validation import STAGE_FIELDS, RowChecker

    path = tmp_path / "data.csv"
    path.write_bytes(to_csv(rows))
    info = reader.sniff(path, max_rows=1000)
    checker = RowChecker(columns=info.columns, layout=info.layout, area_code=cast.kecamatan.code)
    rng = random.Random(5)
    noise = [
        "",
        " ",
        "x",
        "0000",
        "31-02-1990",
        "LAKI-LAKI",
        "PEREMPUAN",
        "ISLAM",
        "Budi",
        "01-01-2090",
        "1" * 16,
    ]
    cases = [list(r) for r in rows] + [list(r) for r in _broken(rows)]
    for _ in range(600):
        row = list(rng.choice(rows))
        column = rng.randrange(len(row))
        row[column] = rng.choice([*noise, row[column].lower(), row[column] + "1", row[column][:-1]])
        cases.append(row)
    accepted = 0
    for number, cells in enumerate(cases, start=2):
        fast = checker._fast(number, list(cells))
        slow, issues = checker._check_slow(number, list(cells))
        if fast is None:
            continue
        accepted += 1
        assert slow is not None and not issues, (cells, issues)
        assert fast == tuple(slow[f] for f in STAGE_FIELDS), cells
    assert accepted >= len(rows)  # the valid rows do take the fast path
