"""The village board in a real browser: the network drops and the TV keeps the last feed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from warga.boards.services import announcement_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Posyandu Balita hari Selasa pukul 08.00 di Balai Desa"
OFFLINE = "Luring: menampilkan pengumuman terakhir yang diterima"


def _refresh_until(page, status: str) -> None:
    """Move the board's clock past its next refresh until the status reads `status`. The board
    schedules each refresh when the previous request has answered, so on a busy machine the
    first move may come before that timer exists; moving again is what a minute of waiting does."""
    for _ in range(10):
        page.clock.run_for(61_000)
        try:
            expect(page.locator("#status")).to_have_text(status, timeout=1_000)
            return
        except AssertionError:
            continue
    expect(page.locator("#status")).to_have_text(status)


def test_board_keeps_the_last_feed_when_the_network_drops(cast, page):
    now = timezone.now()
    announcement_create(
        actor=cast.actor(cast.desa_operator),
        desa_codes=[cast.desa.code],
        text=TEXT,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
    )
    feed = re.compile(r".*/boards/feed/.*")
    page.clock.install()  # the board refreshes every minute: move its clock instead of waiting
    page.goto(f"/boards/tv/{cast.desa.code}/")
    expect(page.locator("#items")).to_contain_text(TEXT)
    expect(page.locator("#ticker-text")).to_contain_text(TEXT)
    expect(page.locator("#status")).to_have_text("")

    # The network drops: the next refresh fails, the board says so and keeps the announcement.
    page.route(feed, lambda route: route.abort("internetdisconnected"))
    _refresh_until(page, OFFLINE)
    expect(page.locator("#items")).to_contain_text(TEXT)

    # The TV is switched off and on while the feed is still unreachable: the page comes from the
    # server, the announcements from what the board kept.
    page.reload()
    expect(page.locator("#status")).to_have_text(OFFLINE)
    expect(page.locator("#items")).to_contain_text(TEXT)

    # The network is back: the next refresh clears the notice and shows the current feed.
    page.unroute(feed)
    announcement_create(
        actor=cast.actor(cast.desa_operator),
        desa_codes=[cast.desa.code],
        text="Pemadaman listrik pukul 10.00-14.00",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        priority=9,
    )
    for _ in range(10):  # as above: the refresh after the reload may not be scheduled yet
        page.clock.run_for(61_000)
        try:
            expect(page.locator("#items")).to_contain_text("Pemadaman listrik", timeout=1_000)
            break
        except AssertionError:
            continue
    expect(page.locator("#status")).to_have_text("")
    expect(page.locator("#items")).to_contain_text("Pemadaman listrik")
    expect(page.locator("#items")).to_contain_text(TEXT)


def test_board_shows_the_installation_clock_on_a_tv_set_to_utc_and_fits_a_phone(cast, browser, live_server):
    """A fresh TV runs on UTC and a wrong clock; the board shows WIB from the server's time."""
    from zoneinfo import ZoneInfo

    context = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="id-ID", timezone_id="UTC", base_url=live_server.url
    )
    try:
        page = context.new_page()
        page.clock.install(time=timezone.now() - timedelta(hours=5))  # the TV's own clock is wrong too
        page.goto(f"/boards/tv/{cast.desa.code}/")
        expect(page.locator("#tz")).to_have_text("WIB")
        jakarta = timezone.now().astimezone(ZoneInfo("Asia/Jakarta"))
        shown = page.locator("#time").inner_text()
        hour = int(shown.split(":")[0])
        assert hour in {jakarta.hour, (jakarta.hour + 1) % 24}, (shown, jakarta)
        # nothing is cut off on a phone: no horizontal scroll, the clock inside the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.locator("#time").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    finally:
        context.close()
