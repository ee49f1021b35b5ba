"""The dispatcher's lease (expiry, takeover, a dead holder), recovery after a crash, a clean
stop, delivery reports of superseded attempts, /healthz and the sending panel."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from warga.messaging.dispatcher import (
    LEASE_NAME,
    SmsDispatcher,
    lease_acquire,
    lease_release,
    lease_renew,
)
from warga.messaging.gateways import SendResult
from warga.messaging.kannel import dlr_url_for
from warga.messaging.models import DispatcherLease, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.services import (
    UNKNOWN_OUTCOME_ERROR,
    sms_claim_batch,
    sms_dlr_receive,
    sms_recover,
)
from warga.messaging.services.claiming import _mark_handed

pytestmark = pytest.mark.django_db


def queued(n: int = 1, purpose: str = SmsPurpose.NOTICE, **kw) -> list[SmsMessage]:
    return [
        SmsMessage.objects.create(to=f"+62812000{i:05d}", text="Halo", purpose=purpose, priority=10, **kw)
        for i in range(n)
    ]


def dead_pid() -> int:
    """The id of a process of this host that has exited."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# --- the lease -------------------------------------------------------------------------------


def test_lease_is_held_by_one_until_it_expires(settings):
    settings.SMS_LEASE_SECONDS = 30
    first = lease_acquire(holder="host-a:1")
    assert first is not None and first.epoch == 1
    assert lease_acquire(holder="host-b:2") is None  # held and live
    later = timezone.now() + timedelta(seconds=31)
    second = lease_acquire(holder="host-b:2", now=later)
    assert second is not None and second.epoch == 2 and second.token != first.token
    assert not lease_renew(first)  # the old holder learns it lost the lease
    assert lease_renew(second)
    row = DispatcherLease.objects.get(name=LEASE_NAME)
    assert (row.holder, row.epoch) == ("host-b:2", 2)


def test_a_released_lease_is_taken_at_once():
    first = lease_acquire(holder="host-a:1")
    lease_release(first)
    assert lease_acquire(holder="host-b:2") is not None


def test_lease_of_a_dead_process_on_this_host_is_taken_at_once():
    """A dispatcher killed with SIGKILL and started again does not wait for its old lease."""
    elsewhere = lease_acquire(holder="other-host:1")
    assert elsewhere is not None
    assert lease_acquire() is None  # a live lease of another host: wait for it to expire
    lease_release(elsewhere)
    assert lease_acquire(holder=f"{socket.gethostname()}:{dead_pid()}") is not None
    mine = lease_acquire()  # this host, and the old holder's process is gone
    assert mine is not None and mine.epoch == 3


# --- recovery and hand-over ------------------------------------------------------------------


class Recorder:
    name = "recorder"

    def __init__(self, delay: float = 0.0):
        self.sent: list[int] = []
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, message):
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(message.pk)
        return SendResult(gateway_message_id="")


def test_recovery_requeues_unsent_claims_and_settles_those_in_flight(settings):
    messages = queued(5)
    dead = sms_claim_batch(limit=5, token="a" * 32)
    # The dead sender had started the requests of the first two only.
    SmsMessage.objects.filter(pk__in=[m.pk for m in dead[:2]]).update(handed_at=timezone.now(), attempts=1)
    mine = queued(1)[0]
    sms_claim_batch(limit=1, token="b" * 32)

    assert sms_recover(keep_token="b" * 32) == {"requeued": 3, "unknown": 2}
    rows = {m.pk: m for m in SmsMessage.objects.all()}
    assert [rows[m.pk].status for m in messages] == [SmsStatus.FAILED] * 2 + [SmsStatus.QUEUED] * 3
    assert rows[messages[0].pk].error == UNKNOWN_OUTCOME_ERROR
    assert all(rows[m.pk].claim_token == "" and rows[m.pk].attempts == 0 for m in messages[2:])
    assert rows[mine.pk].status == SmsStatus.SENDING  # the new holder's own claim is untouched

    # A late delivery report proves an "outcome unknown" message reached the phone.
    assert sms_dlr_receive(ref=str(messages[0].pk), status=1, attempt="1").status == SmsStatus.DELIVERED
    fixed = SmsMessage.objects.get(pk=messages[0].pk)
    assert (fixed.error, fixed.failed_at) == ("", None)


def test_hand_over_skips_rows_taken_back_by_recovery():
    messages = queued(3)
    claimed = sms_claim_batch(limit=3, token="a" * 32)
    # Recovery by a new lease holder took the third back before the old sender got to it.
    SmsMessage.objects.filter(pk=messages[2].pk).update(status=SmsStatus.QUEUED, claim_token="")
    # The dispatcher starts requests only for the rows this UPDATE marked as handed over.
    handed = _mark_handed(claimed)
    assert [m.pk for m in handed] == [messages[0].pk, messages[1].pk]
    rows = {m.pk: m for m in SmsMessage.objects.all()}
    assert rows[messages[0].pk].handed_at is not None and rows[messages[0].pk].attempts == 1
    assert rows[messages[2].pk].status == SmsStatus.QUEUED and rows[messages[2].pk].handed_at is None


def test_delivery_report_of_a_superseded_attempt_changes_nothing(settings):
    settings.KANNEL_CALLBACK_SECRET = "s"
    m = queued(1)[0]
    SmsMessage.objects.filter(pk=m.pk).update(status=SmsStatus.SENDING, attempts=2, handed_at=timezone.now())
    assert "att=2" in dlr_url_for(m.pk, 2)
    assert sms_dlr_receive(ref=str(m.pk), status=2, smsc_reply="x", attempt="1").status == SmsStatus.SENDING
    assert sms_dlr_receive(ref=str(m.pk), status=1, attempt="2").status == SmsStatus.DELIVERED
    assert sms_dlr_receive(ref=str(m.pk), status=1).status == SmsStatus.DELIVERED  # no attempt: as before


# --- the loop ------------------------------------------------------------------------------


def run_in_thread(dispatcher: SmsDispatcher) -> threading.Thread:
    from django.db import connection

    def target():
        try:
            dispatcher.run()
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_dispatcher_sends_what_is_queued_and_stops_cleanly(settings, monkeypatch):
    settings.SMS_DISPATCH_INLINE = False
    settings.SMS_SEND_CONCURRENCY = 4
    settings.SMS_RATE_PER_SECOND = 100
    gateway = Recorder(delay=0.01)
    monkeypatch.setattr("warga.messaging.services.sending.get_gateway", lambda: gateway)
    messages = queued(300)
    dispatcher = SmsDispatcher(poll_seconds=0.05)
    thread = run_in_thread(dispatcher)
    try:
        deadline = time.monotonic() + 20
        while len(gateway.sent) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert DispatcherLease.objects.get(name=LEASE_NAME).token  # held while running
    finally:
        dispatcher.stop()  # what SIGTERM does
        thread.join(10)
    assert not thread.is_alive()
    counts = dict.fromkeys(SmsStatus, 0)
    for status in SmsMessage.objects.values_list("status", flat=True):
        counts[status] += 1
    # Everything handed over was answered; nothing is left in flight or outcome-unknown.
    assert counts[SmsStatus.SENDING] == 0 and counts[SmsStatus.FAILED] == 0
    assert counts[SmsStatus.SENT] == len(gateway.sent) == len(set(gateway.sent))
    assert counts[SmsStatus.QUEUED] == len(messages) - len(gateway.sent) > 0
    assert DispatcherLease.objects.get(name=LEASE_NAME).token == ""  # released

    # Started again, it finishes the rest, each message once; a message queued later is sent
    # without any wake-up call.
    dispatcher = SmsDispatcher(poll_seconds=0.05)
    thread = run_in_thread(dispatcher)
    try:
        late = SmsMessage.objects.create(
            to="+6281299999999", text="OTP 1", purpose=SmsPurpose.OTP, priority=0
        )
        deadline = time.monotonic() + 20
        while SmsMessage.objects.exclude(status=SmsStatus.SENT).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop()
        thread.join(10)
    assert SmsMessage.objects.exclude(status=SmsStatus.SENT).count() == 0
    assert sorted(gateway.sent) == sorted([m.pk for m in messages] + [late.pk])


# --- health ----------------------------------------------------------------------------------


def test_healthz_answers_503_when_messages_wait_and_no_dispatcher_runs(client, settings):
    settings.SMS_HEALTH_MAX_WAIT_SECONDS = 120
    assert client.get("/healthz").status_code == 200
    m = queued(1)[0]
    SmsMessage.objects.filter(pk=m.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["sms"]["status"] == "stalled" and body["sms"]["oldest_waiting_seconds"] >= 300
    assert body["database"] == "ok"

    lease = lease_acquire(holder="host-a:1")
    response = client.get("/healthz")
    assert response.status_code == 200  # a live dispatcher works through the backlog
    assert response.json()["sms"]["dispatcher"] == "host-a:1"
    assert response.json()["sms"]["heartbeat"]
    lease_release(lease)
    assert client.get("/healthz").status_code == 503


def test_healthz_ignores_broadcasts_held_for_quiet_hours_and_back_off(client, settings):
    long_ago = timezone.now() - timedelta(hours=2)
    waiting = queued(1, purpose=SmsPurpose.BROADCAST)[0]
    retry = queued(1)[0]
    SmsMessage.objects.filter(pk=waiting.pk).update(
        created_at=long_ago, not_before=timezone.now() + timedelta(hours=6)
    )
    SmsMessage.objects.filter(pk=retry.pk).update(
        created_at=long_ago, not_before=timezone.now() - timedelta(seconds=30)
    )
    assert client.get("/healthz").status_code == 200  # the retry is due since 30 s only


def test_statistics_page_shows_why_sending_stopped(client_for, cast, settings):
    settings.SMS_HEALTH_MAX_WAIT_SECONDS = 120
    m = queued(1)[0]
    SmsMessage.objects.filter(pk=m.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    page = client_for(cast.admin).get("/sms/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pengiriman SMS berhenti" in html
    assert 'data-testid="sms-health"' in html and "alert-danger" in html
    lease_acquire(holder="host-a:1")
    html = client_for(cast.admin).get("/sms/stats/").content.decode()
    assert "host-a:1" in html and "alert-success" in html


class Unreachable:
    """A gateway that is restarting: no connection can be made."""

    name = "unreachable"

    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()

    def send(self, message):
        from warga.messaging.gateways import GatewayError

        with self.lock:
            self.calls += 1
        raise GatewayError("Kannel is not reachable", unreachable=True)


def test_an_unreachable_gateway_pauses_sending_and_charges_no_attempt(settings, monkeypatch):
    """A Kannel restart must not run through the queue charging every message an attempt."""
    from warga.messaging.services import sms_dispatch

    settings.SMS_SEND_CONCURRENCY = 10
    messages = queued(100)
    gateway = Unreachable()
    monkeypatch.setattr("warga.messaging.services.sending.get_gateway", lambda: gateway)
    result = sms_dispatch(max_seconds=30, concurrency=10, token="c" * 32)
    assert result.gateway_down and result.sent == 0
    assert gateway.calls == 10  # one group tried, then sending paused
    rows = SmsMessage.objects.filter(pk__in=[m.pk for m in messages])
    assert set(rows.values_list("status", flat=True)) == {SmsStatus.QUEUED}
    assert set(rows.values_list("attempts", flat=True)) == {0}
    assert not rows.exclude(claim_token="").exists() and not rows.filter(handed_at__isnull=False).exists()
    # back up: everything goes, once
    recorder = Recorder()
    monkeypatch.setattr("warga.messaging.services.sending.get_gateway", lambda: recorder)
    assert sms_dispatch(max_seconds=30, concurrency=10, token="d" * 32).sent == 100
    assert sorted(recorder.sent) == sorted(m.pk for m in messages)
