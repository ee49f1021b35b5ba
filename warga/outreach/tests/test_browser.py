"""The field app in a real browser: a day offline, a reload with no signal, a sync cut half-way."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from warga.accounts.models import UserRole
from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application, Attachment
from warga.cards.models import RecordingEvent
from warga.core.permissions import Role
from warga.outreach.models import OutreachEvent, SyncRecord
from warga.registry.models import Resident
from warga.reports.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "246810"


def photo(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def saved(page, unsent: int) -> None:
    """The record is in IndexedDB: the outbox tab counts it, not only the message from the one before."""
    expect(page.get_by_test_id("message")).to_contain_text("Tersimpan di ponsel")
    expect(page.get_by_test_id("count-unsent")).to_have_text(str(unsent))


def choose(page, resident: Resident) -> None:
    page.fill("#q", resident.nik)
    page.locator("ul.results button").first.click()
    expect(page.get_by_test_id("chosen")).to_contain_text(resident.full_name)


def start(page: Page, login, user, event: OutreachEvent, label: str = "Ponsel uji") -> None:
    """Log in, register the phone with a PIN and download the event's assignment."""
    page.set_default_timeout(30_000)
    login(user)
    page.goto("/outreach/app/")
    page.fill("#dev-label", label)
    page.fill("#pin1", PIN)
    page.fill("#pin2", PIN)
    page.get_by_role("button", name="Daftarkan ponsel").click()
    page.get_by_test_id(f"download-{event.pk}").click()
    expect(page.get_by_test_id("message")).to_contain_text("Penugasan terunduh")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def test_offline_day_then_sync_with_a_cut(cast, team, make_resident, page, login, monkeypatch):
    ensure_default_services()
    # The app sends as many records per request as the server's page tells it: 10 here, so the
    # 20 records go in two batches and the second one's answer can be lost.
    monkeypatch.setattr("warga.outreach.sync.PHONE_BATCH", 10)
    # The field officer also holds counter rights, so every kind of record is allowed.
    UserRole.objects.create(user=cast.outreach, role=Role.KECAMATAN_COUNTER)
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["ktp_recording", "applications"],
        created_by=cast.dukcapil,
    )
    recorded = [make_resident(age=20 + i) for i in range(14)]
    corrected = [make_resident(age=40), make_resident(age=41)]
    applicants = [make_resident(age=50), make_resident(age=51)]

    start(page, login, cast.outreach, event, "Ponsel uji hitam")

    page.context.set_offline(True)
    expect(page.get_by_test_id("network")).to_have_text("Luring")

    page.get_by_test_id("mode-ktp_recording").click()
    for n, resident in enumerate(recorded, start=1):
        choose(page, resident)
        page.get_by_role("button", name="Simpan perekaman").click()
        saved(page, n)

    page.get_by_test_id("mode-correction").click()
    for n, resident in enumerate(corrected, start=15):
        choose(page, resident)
        page.select_option("#cfield", "occupation")
        page.fill("#cvalue", "Petani")
        page.fill("#creason", "Dilihat di KK asli")
        page.get_by_role("button", name="Simpan perbaikan").click()
        saved(page, n)

    page.get_by_test_id("mode-application").click()
    for n, resident, color in zip([17, 18], applicants, ["white", "gray"], strict=True):
        choose(page, resident)
        page.select_option("#svc", "ktp-baru")
        page.set_input_files(
            "#ph-kk", files=[{"name": "kk.jpg", "mimeType": "image/jpeg", "buffer": photo(color)}]
        )
        expect(page.locator(".photo small").first).to_contain_text("KB")
        page.get_by_role("button", name="Simpan permohonan").click()
        saved(page, n)

    page.get_by_test_id("mode-report").click()
    for n, text in enumerate(
        ["Tiang listrik roboh di RT 02", "Warga sakit demam berdarah di RW 01"], start=19
    ):
        page.fill("#rtext", text)
        page.select_option("#rcat", "listrik")
        page.get_by_role("button", name="Simpan laporan").click()
        saved(page, n)

    # Close and reopen with no signal: the service worker serves the app, IndexedDB kept everything.
    page.reload()
    page.fill("#pin", PIN)
    page.get_by_role("button", name="Buka").click()
    page.get_by_test_id("tab-outbox").click()
    expect(page.get_by_test_id("count-waiting")).to_have_text("20")
    assert not SyncRecord.objects.exists()

    # Back online: the second batch reaches the server, but its answer is lost on the way back.
    calls = {"n": 0}

    def cut_second_batch(route):
        calls["n"] += 1
        if calls["n"] == 2:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/outreach/sync", cut_second_batch)
    page.context.set_offline(False)
    deadline = time.monotonic() + 20
    while calls["n"] < 2 and time.monotonic() < deadline:
        if calls["n"] == 0 and time.monotonic() > deadline - 15:
            page.get_by_test_id("sync").click()
        page.wait_for_timeout(250)
    expect(page.get_by_test_id("sync")).to_be_enabled()
    expect(page.get_by_test_id("count-sent")).to_have_text("10")
    expect(page.get_by_test_id("count-waiting")).to_have_text("10")
    assert SyncRecord.objects.count() == 20  # the server applied both batches

    page.unroute("**/api/v1/outreach/sync")
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("20")
    expect(page.get_by_test_id("count-waiting")).to_have_text("0")
    expect(page.get_by_test_id("count-attention")).to_have_text("0")

    # Every record is on the server, once.
    assert SyncRecord.objects.count() == 20
    assert set(SyncRecord.objects.values_list("status", flat=True)) == {"accepted"}
    assert RecordingEvent.objects.filter(resident__in=recorded).count() == 14
    assert RecordingEvent.objects.count() == 14
    assert Resident.objects.filter(pk__in=[r.pk for r in corrected], occupation="Petani").count() == 2
    apps = Application.objects.filter(applicant__in=applicants, channel="outreach")
    assert apps.count() == 2 and Application.objects.count() == 2
    assert Attachment.objects.filter(application__in=apps, requirement="kk").count() == 2
    assert Case.objects.filter(desa=cast.desa).count() == 2
    for attachment in Attachment.objects.all():
        assert attachment.size <= 200 * 1024


def test_signature_collected_in_the_field(cast, team, make_resident, page, login):
    from warga.applications.services import application_submit
    from warga.core.scoping import ANONYMOUS
    from warga.outreach.models import Target, TargetKind
    from warga.outreach.services import event_targets_build

    ensure_default_services()
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["applications"],
        created_by=cast.dukcapil,
    )
    applicant = make_resident(age=30)
    app = application_submit(
        actor=ANONYMOUS, service_code="ktp-baru", applicant_nik=applicant.nik, data={}, channel="online"
    )
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)

    start(page, login, cast.outreach, event, "Ponsel uji biru")

    page.context.set_offline(True)
    page.get_by_test_id("mode-signature").click()
    choose(page, applicant)
    expect(page.locator("ul.results")).to_contain_text("perlu tanda tangan")
    expect(page.get_by_test_id("signatures")).to_contain_text(app.tracking_code)
    page.get_by_role("button", name="Tanda tangan diterima").click()
    saved(page, 1)
    # Collected once: the form is off the phone's list.
    choose(page, applicant)
    expect(page.get_by_test_id("signatures")).to_contain_text("Tidak ada permohonan warga ini")
    assert not SyncRecord.objects.exists()

    page.context.set_offline(False)
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("1")
    expect(page.get_by_test_id("count-attention")).to_have_text("0")
    app.refresh_from_db()
    assert app.signed_at is not None and app.signature_place == "outreach"
    target = Target.objects.get(event=event, resident=applicant, kind=TargetKind.APPLICATION_SIGNATURE)
    assert target.served_at is not None


def noisy_photo() -> bytes:
    """A photo that stays above one 32 KB chunk once the app compressed it."""
    import random

    rng = random.Random(7)
    img = Image.frombytes("RGB", (480, 360), bytes(rng.randrange(256) for _ in range(480 * 360 * 3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_photos_go_in_one_request_unless_too_large_or_the_server_is_older(
    cast, team, make_resident, page, login
):
    """A photo's first chunk is a PUT that starts its upload (a photo in one chunk: one request);
    a server that does not know that answers 404 and the app opens the upload first (POST), as
    before; a larger photo goes on in chunks."""
    import re

    from warga.outreach.models import PhotoUpload

    ensure_default_services()
    event = OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["applications"],
        created_by=cast.dukcapil,
    )
    applicants = [make_resident(age=50), make_resident(age=51), make_resident(age=52)]
    start(page, login, cast.outreach, event, "Ponsel uji foto")

    page.context.set_offline(True)
    page.get_by_test_id("mode-application").click()
    for n, (resident, data) in enumerate(
        zip(applicants, [photo("white"), photo("gray"), noisy_photo()], strict=True), start=1
    ):
        choose(page, resident)
        page.select_option("#svc", "ktp-baru")
        page.set_input_files("#ph-kk", files=[{"name": "kk.jpg", "mimeType": "image/jpeg", "buffer": data}])
        expect(page.locator(".photo small").first).to_contain_text("KB")
        page.get_by_role("button", name="Simpan permohonan").click()
        saved(page, n)

    calls: list[str] = []

    def older_server_first(route):
        request = route.request
        one = "size=" in request.url
        calls.append(request.method + (" one" if one else ""))
        if one and calls.count("PUT one") == 1:
            # The first photo meets a server that ignores size and sha256: the upload is unknown.
            route.fulfill(status=404, json={"code": "not_found", "message": "Unggahan tidak dikenal."})
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/outreach/uploads"), older_server_first)
    page.get_by_test_id("tab-outbox").click()
    page.context.set_offline(False)  # the app syncs once back online; the button does too
    expect(page.get_by_test_id("sync")).to_be_enabled()
    page.get_by_test_id("sync").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("3")
    expect(page.get_by_test_id("count-attention")).to_have_text("0")

    # Outbox order is capture order: the white photo (404, then the two-step path), the gray one
    # in one request, the noisy one started by its first chunk and sent on in chunks.
    assert calls[:5] == ["PUT one", "POST", "PUT", "PUT one", "PUT one"], calls
    assert set(calls[5:]) == {"PUT"} and len(calls) >= 6, calls
    uploads = PhotoUpload.objects.order_by("created_at")
    assert [u.status for u in uploads] == ["complete"] * 3
    assert uploads[0].size <= 32 * 1024 and uploads[1].size <= 32 * 1024 and uploads[2].size > 32 * 1024
    apps = Application.objects.filter(applicant__in=applicants, channel="outreach")
    assert Attachment.objects.filter(application__in=apps, requirement="kk").count() == 3
