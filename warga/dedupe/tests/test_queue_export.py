"""The duplicate candidates list's export and print view: the verifier's area, the status chosen,
no NIK, audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows
from warga.dedupe.models import CandidateStatus, DuplicateCandidate
from warga.dedupe.services import duplicates_scan
from warga.registry.synthetic import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(cast):
    populate(
        area_codes=[cast.kecamatan.code], people=500, seed=11, duplicate_rate=0.04, today=date(2026, 1, 15)
    )
    duplicates_scan()
    assert DuplicateCandidate.objects.count() >= 3


def _queue() -> str:
    return reverse("dedupe:queue")


def test_csv_and_xlsx_are_the_queue_without_nik(cast, client_for, planted):
    client = client_for(cast.dukcapil)
    rows = csv_rows(client.get(_queue(), {"format": "csv"}))
    assert rows[0][:3] == ["Skor (%)", "Data pertama", "Data kedua"]
    open_pairs = DuplicateCandidate.objects.filter(status=CandidateStatus.OPEN)
    assert len(rows) - 1 == open_pairs.count()
    best = open_pairs.order_by("-score", "id").select_related("resident_a", "resident_b").first()
    assert rows[1][1] == best.resident_a.full_name and rows[1][2] == best.resident_b.full_name
    body = "\n".join(",".join(r) for r in rows)
    assert best.resident_a.nik not in body and best.resident_b.nik not in body
    book = xlsx_rows(client.get(_queue(), {"format": "xlsx", "status": CandidateStatus.REJECTED}))
    assert book[0][0] == "Skor (%)" and len(book) == 1  # nothing rejected yet
    audits = export_audits("dedupe.candidates.export")
    assert audits[0] == {"format": "csv", "rows": len(rows) - 1, "filters": {"status": "open"}}
    assert audits[1] == {"format": "xlsx", "rows": 0, "filters": {"status": "rejected"}}


def test_print_view_shows_the_status(cast, client_for, planted):
    answer = client_for(cast.head).get(_queue(), {"format": "print"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Dugaan data ganda" in page
    assert "Tampilkan: " in page
    first = DuplicateCandidate.objects.order_by("-score", "id").first()
    assert first.resident_a.full_name in page
    assert export_audits("dedupe.candidates.export")[-1]["format"] == "print"


def test_a_verifier_of_another_area_gets_only_their_pairs(cast, client_for, planted):
    other = staff_create(
        actor=None,
        username="verif_other",
        password="test-password-123",
        full_name="Verif Lain",
        roles=["disdukcapil_verifier"],
        unit_id=None,
        area_code=cast.other_kecamatan.code,
    )
    rows = csv_rows(client_for(User.objects.get(pk=other.pk)).get(_queue(), {"format": "csv"}))
    assert len(rows) == 1  # the header: every planted pair is in the other kecamatan
    assert export_audits("dedupe.candidates.export") == [
        {"format": "csv", "rows": 0, "filters": {"status": "open"}}
    ]


@pytest.mark.parametrize("who", ["outsider", "kec_officer", "admin"])
def test_export_needs_the_dedupe_capability(cast, client_for, who):
    for fmt in ("csv", "xlsx", "print"):
        assert client_for(getattr(cast, who)).get(_queue(), {"format": fmt}).status_code == 403
    assert not export_audits("dedupe.candidates.export")


def test_the_page_has_the_buttons(cast, client_for):
    page = client_for(cast.dukcapil).get(_queue()).content.decode()
    assert "format=csv" in page and "format=print" in page
