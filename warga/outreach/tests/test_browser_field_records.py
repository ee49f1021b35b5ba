"""The field app in a real browser: a revoked phone hands its records to review before wiping, a
resident who moved is recorded once, a recording already made at the office is closed, and the
chosen equipment set survives reopening the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from warga.cards.models import RecordingEvent
from warga.cards.services import ktp_recording_record
from warga.org.models import Unit, UnitKind
from warga.outreach.models import EquipmentSet, MovedResidentNotice, OutreachEvent, QuarantinedRecord
from warga.registry.models import Resident

from .test_browser import PIN, choose, saved, start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def field_event(cast, team) -> OutreachEvent:
    return OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["ktp_recording"],
        created_by=cast.dukcapil,
    )


def unlock(page: Page) -> None:
    page.fill("#pin", PIN)
    page.get_by_role("button", name="Buka").click()


@contextmanager
def office_page(browser, live_server, user) -> Iterator[Page]:
    """A second browser (an office computer) logged in as `user`."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="id-ID", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    try:
        yield page
    finally:
        context.close()


def test_revoked_phone_hands_queued_records_to_review(
    cast, field_event, make_resident, page, login, browser, live_server
):
    residents = [make_resident(age=25), make_resident(age=26)]
    start(page, login, cast.outreach, field_event)

    page.context.set_offline(True)
    page.get_by_test_id("mode-ktp_recording").click()
    for n, resident in enumerate(residents, start=1):
        choose(page, resident)
        page.get_by_role("button", name="Simpan perekaman").click()
        saved(page, n)

    # The head of Disdukcapil revokes the phone: the page asks first and shows the last contact.
    with office_page(browser, live_server, cast.head) as office:
        office.goto("/outreach/devices/")
        office.get_by_role("link", name="Cabut…").click()
        expect(office.get_by_test_id("last-contact")).not_to_have_text("belum pernah")
        expect(office.get_by_test_id("queue-length")).to_contain_text("0")
        office.get_by_role("button", name="Ya, cabut perangkat ini").click()
        expect(office.locator("body")).to_contain_text("Perangkat dicabut")

    # Back in signal: the phone hands both records over, then wipes itself and says what went where.
    page.context.set_offline(False)
    notice = page.get_by_test_id("revoked-notice")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice.locator("li")).to_have_count(2)
    expect(notice).to_contain_text("Diserahkan ke supervisor untuk ditinjau")
    assert QuarantinedRecord.objects.filter(status="pending").count() == 2
    assert not RecordingEvent.objects.exists()
    # The notice survives a reload (the database is gone, the phone is back to registration)...
    page.reload()
    expect(page.get_by_test_id("revoked-notice")).to_be_visible()
    expect(page.locator("#dev-label")).to_be_visible()
    # ...until the officer acknowledges it.
    page.get_by_test_id("notice-ok").click()
    page.reload()
    expect(page.locator("#dev-label")).to_be_visible()
    expect(page.get_by_test_id("revoked-notice")).to_be_hidden()

    # The supervisor of the kecamatan accepts both: each recording exists once.
    with office_page(browser, live_server, cast.kec_verifier) as supervisor:
        supervisor.goto("/outreach/review/")
        accept = supervisor.get_by_test_id("review-pending").get_by_role("button", name="Terima")
        for left in reversed(range(len(residents))):
            accept.first.click()
            expect(accept).to_have_count(left)  # the page answering this click, not the one before
            expect(supervisor.locator("body")).to_contain_text("Catatan diterima dan diterapkan")
        expect(supervisor.get_by_test_id("review-pending")).to_contain_text("Tidak ada yang perlu ditinjau")
    for resident in residents:
        assert RecordingEvent.objects.filter(resident=resident).count() == 1
    assert QuarantinedRecord.objects.filter(status="accepted").count() == 2


def test_resident_who_moved_after_the_download_is_recorded_once(
    cast, field_event, make_resident, page, login
):
    resident = make_resident(age=30)
    start(page, login, cast.outreach, field_event)
    page.context.set_offline(True)
    page.get_by_test_id("mode-ktp_recording").click()
    choose(page, resident)
    page.get_by_role("button", name="Simpan perekaman").click()
    saved(page, 1)
    Resident.objects.filter(pk=resident.pk).update(desa=cast.other_desa)  # moved while the team was out

    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("1")
    expect(page.get_by_test_id("count-attention")).to_have_text("0")
    page.get_by_test_id("sent-toggle").click()
    expect(page.get_by_test_id("outbox-sent")).to_contain_text("sudah pindah")
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("1")
    assert RecordingEvent.objects.filter(resident=resident).count() == 1
    assert MovedResidentNotice.objects.get().desa == cast.other_desa


def test_recording_already_made_at_the_office_is_closed(cast, field_event, make_resident, page, login):
    resident = make_resident(age=30)
    start(page, login, cast.outreach, field_event)
    page.context.set_offline(True)
    page.get_by_test_id("mode-ktp_recording").click()
    choose(page, resident)
    page.get_by_role("button", name="Simpan perekaman").click()
    saved(page, 1)
    office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    ktp_recording_record(
        actor=cast.actor(cast.kec_officer),
        resident=resident,
        recorded_at=timezone.now(),
        place_unit=office,
        device_set="KEC-1",
    )

    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    # Done elsewhere counts as sent: folded under "Terkirim (1)", and no badge on the tab.
    expect(page.get_by_test_id("sent-toggle")).to_have_text("Terkirim (1)▾")
    page.get_by_test_id("sent-toggle").click()
    item = page.get_by_test_id("outbox-sent").locator("li").first
    expect(item).to_contain_text("Sudah direkam di")
    expect(item).to_contain_text("Sudah dilakukan; tidak perlu dikirim")
    expect(page.get_by_test_id("count-attention")).to_have_text("0")
    expect(page.get_by_test_id("count-unsent")).to_be_hidden()
    expect(item.get_by_role("button", name="Kirim ulang sebagai baru")).to_be_hidden()
    expect(item.get_by_role("button", name="Buang")).to_be_hidden()
    assert RecordingEvent.objects.filter(resident=resident).count() == 1


def test_equipment_set_survives_reopening_the_app(cast, team, field_event, make_resident, page, login):
    EquipmentSet.objects.create(team=team, code="KIT-02", description="cadangan")
    first, second = make_resident(age=30), make_resident(age=31)
    start(page, login, cast.outreach, field_event)
    page.context.set_offline(True)
    page.get_by_test_id("mode-ktp_recording").click()
    page.select_option("#equip", "KIT-02")
    choose(page, first)
    page.get_by_role("button", name="Simpan perekaman").click()
    saved(page, 1)

    page.reload()
    unlock(page)
    page.get_by_test_id("mode-ktp_recording").click()
    expect(page.locator("#equip")).to_have_value("KIT-02")
    choose(page, second)
    page.get_by_role("button", name="Simpan perekaman").click()
    saved(page, 2)

    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("2")
    assert set(RecordingEvent.objects.values_list("device_set", flat=True)) == {"KIT-02"}


def test_conflict_view_names_fields_in_indonesian(cast, team, make_resident, page, login):
    from warga.accounts.models import UserRole
    from warga.core.permissions import Role
    from warga.registry.services import resident_correct

    UserRole.objects.create(user=cast.outreach, role=Role.KECAMATAN_COUNTER)  # may correct the register
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["ktp_recording"],
        created_by=cast.dukcapil,
    )
    resident = make_resident(age=40)
    newcomer_gone = make_resident(age=41)
    start(page, login, cast.outreach, event)
    page.context.set_offline(True)
    page.get_by_test_id("mode-correction").click()
    for n, who in enumerate([resident, newcomer_gone], start=1):
        choose(page, who)
        page.select_option("#cfield", "occupation")
        page.fill("#cvalue", "Petani")
        page.fill("#creason", "Dilihat di KK asli")
        page.get_by_role("button", name="Simpan perbaikan").click()
        saved(page, n)
    resident_correct(
        actor=cast.actor(cast.kec_verifier),
        resident=resident,
        changes={"occupation": "Guru"},
        reason="Data baru",
    )
    Resident.objects.filter(pk=newcomer_gone.pk).update(
        life_status="dead", died_on=timezone.localdate() - timedelta(days=3)
    )

    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-attention")).to_have_text("2")
    changed = page.locator("ul.outbox li", has_text="diubah di kantor")
    expect(changed.locator("table.diff")).to_contain_text("Pekerjaan")
    expect(changed.locator("table.diff")).not_to_contain_text("occupation")
    expect(changed.get_by_role("button", name="Kirim ulang sebagai baru")).to_be_visible()
    # A record that cannot be true is not offered for resend, only for the officer to remove.
    dead = page.locator("ul.outbox li", has_text="meninggal")
    expect(dead.get_by_role("button", name="Kirim ulang sebagai baru")).to_be_hidden()
    expect(dead.get_by_role("button", name="Buang")).to_be_visible()


# The app's own capture path (the form's save), for records beyond the first few typed by hand.
SAVE_RECORDING = """async (ids) => {
  const app = Alpine.$data(document.querySelector("[x-data]"));
  for (const id of ids) {
    const r = app.asg.residents.find((row) => row[0] === id);
    await app.saveRecord("ktp_recording", { resident: r[0], equipment: "" }, r[2]);
  }
}"""


def test_outbox_of_sixty_records_puts_the_failed_ones_on_top(
    cast, team, field_event, make_resident, page, login
):
    page.set_viewport_size({"width": 375, "height": 740})
    residents = [make_resident(age=20 + i % 40) for i in range(60)]
    start(page, login, cast.outreach, field_event)

    # The assignment says it is on this phone, since when, and what downloading it again does.
    page.get_by_test_id("tab-outbox").click()
    expect(page.get_by_test_id("count-unsent")).to_be_hidden()  # nothing pending: no "0" badge
    page.locator("nav.tabs button").first.click()
    page.get_by_role("button", name="Periksa penugasan").click()
    mark = page.get_by_test_id(f"downloaded-{field_event.pk}")
    expect(mark).to_contain_text("Ada di ponsel ini sejak")
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    day = field_event.date
    expect(page.get_by_test_id(f"event-{field_event.pk}")).to_contain_text(
        f"{day.day:02d} {months[day.month - 1]} {day.year}"
    )
    expect(page.get_by_test_id(f"event-{field_event.pk}")).not_to_contain_text(day.isoformat())
    expect(page.get_by_test_id(f"download-{field_event.pk}")).to_have_text("Unduh ulang")
    expect(page.get_by_test_id(f"event-{field_event.pk}")).to_contain_text(
        "catatan yang belum terkirim tetap"
    )
    page.get_by_test_id(f"download-{field_event.pk}").click()
    expect(page.get_by_test_id("message")).to_contain_text("Penugasan diperbarui")

    page.context.set_offline(True)
    page.get_by_test_id("mode-ktp_recording").click()
    for n, resident in enumerate(residents[:2], start=1):
        choose(page, resident)
        page.get_by_role("button", name="Simpan perekaman").click()
        saved(page, n)
    page.evaluate(SAVE_RECORDING, [r.pk for r in residents[2:]])
    expect(page.get_by_test_id("count-unsent")).to_have_text("60")

    # Three of them died before the team came: the server refuses those records.
    failing = residents[10:13]
    Resident.objects.filter(pk__in=[r.pk for r in failing]).update(
        life_status="dead", died_on=timezone.localdate() - timedelta(days=3)
    )
    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("57", timeout=60_000)
    expect(page.get_by_test_id("count-attention")).to_have_text("3")
    expect(page.get_by_test_id("count-unsent")).to_have_text("3")

    # On top: the three needing attention, and only they; the 57 sent are folded under their count.
    open_rows = page.get_by_test_id("outbox-open").locator("li")
    expect(open_rows).to_have_count(3)
    for resident in failing:
        expect(page.get_by_test_id("outbox-open")).to_contain_text(resident.full_name)
    toggle = page.get_by_test_id("sent-toggle")
    expect(toggle).to_contain_text("Terkirim (57)")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("outbox-sent")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    short = page.evaluate("document.documentElement.scrollHeight")

    # Opened, the sent ones come a page at a time.
    toggle.click()
    expect(page.get_by_test_id("outbox-sent").locator("li")).to_have_count(20)
    expect(page.get_by_test_id("sent-range")).to_have_text("1–20 dari 57")
    page.get_by_test_id("sent-next").click()
    page.get_by_test_id("sent-next").click()
    expect(page.get_by_test_id("outbox-sent").locator("li")).to_have_count(17)
    expect(page.get_by_test_id("sent-range")).to_have_text("41–57 dari 57")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("document.documentElement.scrollHeight") < short + 20 * 160

    # The officer discards the three: nothing pending, the badge goes away.
    page.on("dialog", lambda dialog: dialog.accept())
    for left in reversed(range(len(failing))):
        page.get_by_test_id("outbox-open").get_by_role("button", name="Buang").first.click()
        expect(open_rows).to_have_count(left)  # gone before the next click, or it hits the same row
    expect(page.get_by_test_id("count-unsent")).to_be_hidden()
    assert RecordingEvent.objects.count() == 57
