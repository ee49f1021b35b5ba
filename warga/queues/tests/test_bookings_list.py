"""An office's bookings page: the office's own staff and the queue managers list a day's bookings
by service, status and code, page through them, print them and export exactly what the filters
show as CSV or XLSX (one audit row each); the phone number is masked and no NIK is shown; another
office's officer finds nothing and bad filters answer a clear 400, never a 500."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.queues.models import Booking, BookingStatus, QueueService

from .conftest import NIK, next_working_day

pytestmark = pytest.mark.django_db


def _url(setup, query: str = "") -> str:
    return f"/antrean/kantor/{setup.office.pk}/pemesanan/" + (f"?{query}" if query else "")


def _book(
    service: QueueService,
    day,
    hour: int,
    n: int,
    *,
    status: str = BookingStatus.BOOKED,
    code: str | None = None,
    tracking_code: str = "",
) -> Booking:
    start = timezone.make_aware(datetime.combine(day, time(hour, 0)))
    return Booking.objects.create(
        code=code or f"T{n:05d}",
        service=service,
        day=day,
        slot_start=start,
        slot_end=start + timedelta(minutes=30),
        nik=f"3214014107950{n:03d}",
        holder=f"3214014107950{n:03d}",
        phone=f"+62812345{n:05d}",
        tracking_code=tracking_code,
        channel="web",
        status=status,
    )


@pytest.fixture
def day_of_bookings(setup, open_today):
    """Today: two booked, one checked in (KTP), one cancelled (CETAK); the next working day: one."""
    tomorrow = next_working_day(open_today)
    return {
        "booked": _book(setup.ktp, open_today, 9, 1, code="HADIRA", tracking_code="=1+2"),
        "booked2": _book(setup.ktp, open_today, 10, 2, code="HADIRC"),
        "checked_in": _book(setup.ktp, open_today, 8, 3, status=BookingStatus.CHECKED_IN, code="MASUKA"),
        "cancelled": _book(setup.cetak, open_today, 11, 4, status=BookingStatus.CANCELLED, code="BATALA"),
        "tomorrow": _book(setup.ktp, tomorrow, 9, 5, code="BESOKA"),
        "tomorrow_day": tomorrow,
    }


def _codes(page: str, bookings: dict) -> set[str]:
    return {b.code for b in bookings.values() if isinstance(b, Booking) and f"booking-{b.code}" in page}


def test_the_office_staff_list_today_by_default_and_filter(setup, cast, client_for, day_of_bookings):
    b = day_of_bookings
    officer = client_for(cast.kec_officer)
    response = officer.get(_url(setup))
    page = response.content.decode()
    assert response.status_code == 200
    assert _codes(page, b) == {"HADIRA", "HADIRC", "MASUKA", "BATALA"}
    assert "4 pemesanan" in page and "Pemesanan" in page
    # In time order, with the status in words; the number masked, no NIK anywhere.
    assert page.index("MASUKA") < page.index("HADIRA") < page.index("HADIRC") < page.index("BATALA")
    assert "sudah lapor hadir" in page and "dibatalkan" in page
    assert "+62812****0001" in page and "+6281234500001" not in page
    assert b["booked"].nik not in page and NIK not in page
    cancelled = officer.get(_url(setup, "status=cancelled")).content.decode()
    assert _codes(cancelled, b) == {"BATALA"}
    by_service = officer.get(_url(setup, f"service={setup.cetak.pk}")).content.decode()
    assert _codes(by_service, b) == {"BATALA"}
    later = officer.get(_url(setup, f"day={b['tomorrow_day'].isoformat()}")).content.decode()
    assert _codes(later, b) == {"BESOKA"}
    every_day = officer.get(_url(setup, "day=")).content.decode()
    assert _codes(every_day, b) == {"HADIRA", "HADIRC", "MASUKA", "BATALA", "BESOKA"}
    # The code: typed in lower case, with a space, or only part of it.
    assert _codes(officer.get(_url(setup, "code=hadi+ra")).content.decode(), b) == {"HADIRA"}
    assert _codes(officer.get(_url(setup, "code=HADI")).content.decode(), b) == {"HADIRA", "HADIRC"}
    assert _codes(officer.get(_url(setup, "code=suk")).content.decode(), b) == {"MASUKA"}
    # The office page links the list.
    office = officer.get(f"/antrean/kantor/{setup.office.pk}/").content.decode()
    assert 'data-testid="all-bookings"' in office and _url(setup) in office
    # In English too.
    officer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = officer.get(_url(setup)).content.decode()
    assert "4 bookings" in english and "Booked through" in english and "checked in" in english


def test_empty_state_and_pages(setup, cast, client_for, open_today):
    officer = client_for(cast.kec_officer)
    empty = officer.get(_url(setup)).content.decode()
    assert 'data-testid="no-bookings"' in empty and "Tidak ada pemesanan yang cocok" in empty
    assert "0 pemesanan" in empty
    for n in range(60):
        _book(setup.ktp, open_today, 8 + n % 8, 100 + n)
    first = officer.get(_url(setup)).content.decode()
    assert first.count('data-testid="booking-T') == 50 and "60 pemesanan" in first
    assert "Halaman 1 dari 2" in first
    second = officer.get(_url(setup, "page=2")).content.decode()
    assert second.count('data-testid="booking-T') == 10
    # A page past the end is the last page; a page that is no number, the first.
    huge = officer.get(_url(setup, "page=99999999999999999999999"))
    assert huge.status_code == 200 and huge.content.decode().count('data-testid="booking-T') == 10
    assert officer.get(_url(setup, "page=abc")).content.decode().count('data-testid="booking-T') == 50


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_is_what_the_filters_show_with_one_audit_row(setup, cast, client_for, day_of_bookings):
    officer = client_for(cast.kec_officer)
    response = officer.get(_url(setup, f"status=booked&service={setup.ktp.pk}&code=hadi&format=csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [
        "Hari",
        "Waktu",
        "Layanan",
        "Kode pemesanan",
        "Status",
        "Nomor HP",
        "Kode lacak permohonan",
        "Ada di database kependudukan",
        "Dipesan lewat",
    ]
    assert [r[3] for r in rows[1:]] == ["HADIRA", "HADIRC"]
    first = rows[1]
    assert first[0] == timezone.localdate().isoformat() and first[1] == "09.00–09.30"
    assert first[2] == "A · Perekaman KTP-el"
    assert first[5] == "'+62812****0001"  # masked; a leading + is written as text, like a formula
    assert first[6] == "'=1+2"  # a formula is written as text
    assert first[7] == "Tidak"
    body = "\n".join(",".join(r) for r in rows)
    assert "+6281234500001" not in body and day_of_bookings["booked"].nik not in body
    audit = AuditLog.objects.get(action="queues.bookings.export")
    assert audit.actor_id == cast.kec_officer.pk and audit.object_type == "queues.booking"
    assert audit.summary["format"] == "csv" and audit.summary["rows"] == 2
    filters = audit.summary["filters"]
    assert filters["office"] == str(setup.office.pk)
    assert filters["day"] == timezone.localdate().isoformat()
    assert filters["status"] == "booked" and filters["service"] == str(setup.ktp.pk)
    assert filters["code"] is True  # the searched code by name only


def test_the_xlsx_export_matches_the_filters(setup, cast, client_for, day_of_bookings):
    officer = client_for(cast.kec_verifier)
    day = day_of_bookings["tomorrow_day"].isoformat()
    response = officer.get(_url(setup, "day=&format=xlsx"))
    assert response.status_code == 200 and ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "Kode pemesanan"
    assert [r[3] for r in rows[1:]] == ["MASUKA", "HADIRA", "HADIRC", "BATALA", "BESOKA"]
    assert {r[4] for r in rows[1:]} >= {"dipesan", "dibatalkan"}
    assert rows[-1][0].date().isoformat() == day
    formula = next(c for c in sheet.iter_rows(min_row=2) if c[3].value == "HADIRA")[6]
    assert formula.value == "=1+2" and formula.data_type == "s"  # text, never run as a formula
    audit = AuditLog.objects.get(action="queues.bookings.export")
    assert audit.summary["rows"] == 5 and audit.summary["format"] == "xlsx"
    filters = audit.summary["filters"]
    assert "day" not in filters and filters["office"] == str(setup.office.pk)  # every day
    printed = officer.get(_url(setup, "status=cancelled&format=print")).content.decode()
    assert "BATALA" in printed and "HADIRA" not in printed


def test_who_may_see_the_bookings(setup, cast, client_for, day_of_bookings):
    assert client_for(cast.head).get(_url(setup)).status_code == 200  # manages every office
    assert client_for(cast.kec_verifier).get(_url(setup)).status_code == 200
    # Another kecamatan's officer: the office is outside their area.
    outsider = client_for(cast.outsider)
    assert outsider.get(_url(setup)).status_code == 404
    assert outsider.get(_url(setup, "format=csv")).status_code == 404
    # The Disdukcapil's counter staff see the office but not its bookings.
    dukcapil = client_for(cast.dukcapil)
    assert dukcapil.get(_url(setup)).status_code == 404
    assert dukcapil.get(_url(setup, "format=xlsx")).status_code == 404
    office = dukcapil.get(f"/antrean/kantor/{setup.office.pk}/").content.decode()
    assert 'data-testid="bookings-link"' not in office
    assert client_for(cast.desa_operator).get(_url(setup)).status_code == 403
    anonymous = client_for(None).get(_url(setup, "format=csv"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert not AuditLog.objects.filter(action="queues.bookings.export").exists()


@pytest.mark.parametrize(
    "query",
    [
        "day=2026-13-45",
        "day=99999-01-01",
        "day=kemarin",
        "service=abc",
        "service=99999999999999999999",
        "status=lost",
        "code=" + "A" * 40,
    ],
)
def test_bad_filters_are_a_clear_400(setup, cast, client_for, day_of_bookings, query):
    officer = client_for(cast.kec_officer)
    response = officer.get(_url(setup, query))
    page = response.content.decode()
    assert response.status_code == 400
    assert "invalid-feedback" in page and "Periksa saringan" in page
    assert _codes(page, day_of_bookings) == set()
    export = officer.get(_url(setup, query + "&format=csv"))
    assert export.status_code == 400 and "Periksa saringan ekspor" in export.content.decode()
    assert not AuditLog.objects.filter(action="queues.bookings.export").exists()


def test_nul_bytes_are_refused_before_the_page(setup, cast, client_for, open_today):
    officer = client_for(cast.kec_officer)
    for query in ("code=AB%00CD", "code=AB%00CD&format=csv", "day=2026%00-01-01"):
        assert officer.get(_url(setup, query)).status_code == 400
    assert not AuditLog.objects.filter(action="queues.bookings.export").exists()
