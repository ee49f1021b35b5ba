"""National-system imports (idempotent, all or nothing) and recording targets at a date."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from warga.cards.models import KtpCard, KtpStatus, KtpTransition, StatusImport
from warga.cards.selectors import filter_residents_by_ktp_status, targets_per_desa, targets_per_kecamatan
from warga.cards.services import ktp_status_import
from warga.core.errors import InvalidInput
from warga.registry.models import Resident


def _csv(rows: list[tuple[str, str, str]]) -> bytes:
    return ("NIK;Status;Tanggal\n" + "".join(f"{a};{b};{c}\n" for a, b, c in rows)).encode()


def test_import_is_idempotent_and_logs_dated_transitions(cast, make_resident):
    a, b = make_resident(), make_resident()
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    content = _csv([(a.nik, "rekam", day), (a.nik, "PRR", day), (b.nik, "recorded", day)])
    actor = cast.actor(cast.dukcapil)
    first = ktp_status_import(actor=actor, filename="ekspor.csv", content=content)
    assert (first.state, first.changed, first.unchanged) == ("applied", 3, 0)
    assert KtpCard.objects.get(resident=a).status == KtpStatus.PRR
    assert KtpCard.objects.get(resident=b).status == KtpStatus.RECORDED
    log = KtpTransition.objects.filter(card__resident=a).order_by("id")
    assert [t.to_status for t in log] == ["recorded", "prr"]
    assert all(t.source == "import" and t.status_import == first for t in log)
    transitions = KtpTransition.objects.count()
    second = ktp_status_import(actor=actor, filename="ekspor.csv", content=content)
    assert (second.changed, second.unchanged) == (0, 3)
    assert KtpTransition.objects.count() == transitions


def test_import_xlsx_by_content_not_by_name(cast, make_resident):
    a = make_resident()
    book = Workbook()
    sheet = book.active
    sheet.append(["nik", "status", "date"])
    sheet.append([a.nik, "sudah rekam", date.today() - timedelta(days=1)])
    buf = io.BytesIO()
    book.save(buf)
    result = ktp_status_import(actor=cast.actor(cast.dukcapil), filename="data.csv", content=buf.getvalue())
    assert result.changed == 1 and KtpCard.objects.get(resident=a).status == KtpStatus.RECORDED


def test_import_with_unknown_nik_or_impossible_transition_changes_nothing(cast, make_resident):
    a, b = make_resident(), make_resident()
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    content = _csv(
        [
            (a.nik, "rekam", day),
            ("3214999999999999", "rekam", day),
            (b.nik, "cetak", day),  # printed before recorded
            ("12345", "rekam", day),
            (a.nik, "entah", day),
            (a.nik, "prr", "31-02-2024"),
        ]
    )
    with pytest.raises(InvalidInput) as exc:
        ktp_status_import(actor=cast.actor(cast.dukcapil), filename="x.csv", content=content)
    assert not KtpCard.objects.exists() and not KtpTransition.objects.exists()
    rejected = StatusImport.objects.get()
    assert rejected.state == "rejected"
    errors = {e["row"]: e["code"] for e in exc.value.details["errors"]}
    assert errors == {
        3: "unknown_nik",
        4: "impossible_transition",
        5: "bad_nik",
        6: "bad_status",
        7: "bad_date",
    }
    assert "3 rows" not in str(exc.value)


def test_import_page_shows_the_error_report(
    cast, client_for, make_resident, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resident = make_resident()
    day = timezone.localdate().isoformat()
    upload = SimpleUploadedFile("x.csv", _csv([(resident.nik, "cetak", day)]), content_type="text/csv")
    client = client_for(cast.dukcapil)
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        response = client.post(reverse("cards:import"), {"file": upload})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Menunggu" in html and 'hx-trigger="every 2s"' in html  # read in the background
    for callback in waiting:
        callback()
    html = client.get(response["Location"]).content.decode()
    assert "Ditolak" in html and "Baris 2" in html and "Tercetak" in html
    assert 'hx-trigger="every 2s"' not in html
    assert not KtpCard.objects.exists()


def test_targets_at_election_day_count_who_will_be_17(cast, make_resident):
    today = timezone.localdate()
    election = today + timedelta(days=60)
    make_resident(age=30)  # required, not recorded
    make_resident(age=30, status=KtpStatus.PRR)
    make_resident(
        birth_date=today.replace(year=today.year - 17) + timedelta(days=30)
    )  # turns 17 before election
    make_resident(age=15, married=True)  # married: required already
    make_resident(age=10)  # never required
    make_resident(age=40, desa=cast.other_desa)  # other kecamatan
    make_resident(age=30, status=KtpStatus.DUPLICATE)
    actor = cast.actor(cast.kec_verifier)
    now_rows = targets_per_desa(actor=actor, on=today)
    assert len(now_rows) == 1
    row = now_rows[0]
    assert (row.required, row.not_recorded, row.prr, row.failed) == (4, 2, 1, 1)
    then = targets_per_desa(actor=actor, on=election)[0]
    assert (then.required, then.not_recorded, then.new_voters) == (5, 3, 1)
    kab = targets_per_kecamatan(targets_per_desa(actor=cast.actor(cast.dukcapil), on=today))
    assert {r.code: r.not_recorded for r in kab} == {cast.kecamatan.code: 2, cast.other_kecamatan.code: 1}


def test_filter_residents_by_ktp_status_contract(cast, make_resident):
    today = timezone.localdate()
    adult = make_resident(age=30)
    kid = make_resident(age=16, birth_date=today.replace(year=today.year - 17) + timedelta(days=10))
    prr = make_resident(status=KtpStatus.PRR)
    qs = Resident.objects.all()
    assert set(filter_residents_by_ktp_status(qs, ["not_recorded"])) == {adult}
    assert set(filter_residents_by_ktp_status(qs, ["not_required"])) == {kid}
    assert set(filter_residents_by_ktp_status(qs, ["not_recorded"], on=today + timedelta(days=20))) == {
        adult,
        kid,
    }
    assert set(filter_residents_by_ktp_status(qs, ["prr", "not_required"])) == {prr, kid}
    with pytest.raises(ValueError):
        filter_residents_by_ktp_status(qs, ["bogus"])


def test_targets_export_is_scoped_and_audited(cast, client_for, make_resident):
    from warga.audit.models import AuditLog

    make_resident(age=30, name="Asep Sunandar")
    make_resident(age=30, desa=cast.other_desa, name="Orang Luar")
    client = client_for(cast.kec_verifier)
    response = client.post(reverse("cards:targets_export"), {"area": cast.kecamatan.code, "format": "csv"})
    body = response.content.decode()
    assert response.status_code == 200 and "Asep Sunandar" in body and "Orang Luar" not in body
    assert AuditLog.objects.filter(action="cards.targets.export").count() == 1
    response = client.post(
        reverse("cards:targets_export"), {"area": cast.other_kecamatan.code, "format": "xlsx"}
    )
    assert response.status_code == 404
    xlsx = client_for(cast.dukcapil).post(
        reverse("cards:targets_export"), {"area": cast.kabupaten.code, "format": "xlsx"}
    )
    assert xlsx.content[:2] == b"PK"
    page = client.get(
        reverse("cards:targets"), {"on": (timezone.localdate() + timedelta(days=90)).isoformat()}
    )
    assert "Asep" not in page.content.decode()  # aggregates only on the page
    assert "Wajib KTP-el yang belum rekam" in page.content.decode()


def test_import_of_a_new_recording_after_hand_over_is_a_reprint(cast, make_resident):
    resident = make_resident(status=KtpStatus.HANDED_OVER)
    KtpCard.objects.filter(resident=resident).update(card_serial="OLD-1")
    day = timezone.localdate().isoformat()
    result = ktp_status_import(
        actor=cast.actor(cast.dukcapil),
        filename="r.csv",
        content=_csv([(resident.nik, "rekam", day), (resident.nik, "prr", day)]),
    )
    assert result.changed == 2
    card = KtpCard.objects.get(resident=resident)
    assert (card.status, card.is_reprint, card.card_serial, card.version) == (KtpStatus.PRR, True, None, 3)
    assert list(card.transitions.values_list("to_status", flat=True)) == ["handed_over", "recorded", "prr"]
