"""Claiming, throttling, retries, crash recovery, priorities, quiet hours, delivery reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from warga.core.errors import NotFound
from warga.messaging.gateways import GatewayError, GatewayOutcomeUnknown, SendResult
from warga.messaging.models import NumberPreference, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.quiet import in_quiet_hours, quiet_hours_end
from warga.messaging.services import (
    sms_claim,
    sms_claim_batch,
    sms_dispatch,
    sms_dlr_receive,
    sms_reconcile,
    sms_send,
    sms_send_claimed,
)
from warga.messaging.throttle import throttle_reserve

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


class Scripted:
    """A gateway that answers from a script and remembers what it was given."""

    name = "scripted"

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent: list[int] = []

    def send(self, message):
        self.sent.append(message.pk)
        answer = self.answers.pop(0) if self.answers else "ok"
        if isinstance(answer, Exception):
            raise answer
        return SendResult(gateway_message_id="")


def queued(text="Halo", purpose=SmsPurpose.NOTICE, to="+6281234567890", **kw) -> SmsMessage:
    from warga.messaging.encoding import sms_encoding
    from warga.messaging.models import PRIORITY

    enc = sms_encoding(text)
    return SmsMessage.objects.create(
        to=to, text=text, purpose=purpose, priority=PRIORITY[purpose], segments=enc.segments, **kw
    )


def test_claim_is_atomic_and_happens_once():
    m = queued()
    assert sms_claim(message_id=m.pk) is not None
    assert sms_claim(message_id=m.pk) is None  # a retried task finds nothing to do
    m.refresh_from_db()
    assert m.status == SmsStatus.SENDING


def test_sent_message_is_not_sent_again_by_a_retried_task():
    m = queued()
    gw = Scripted()
    sms_send_claimed(message=sms_claim(message_id=m.pk), gateway=gw)
    assert sms_claim(message_id=m.pk) is None
    assert gw.sent == [m.pk]
    m.refresh_from_db()
    assert (m.status, m.attempts) == (SmsStatus.SENT, 1)
    assert m.sent_at is not None


def test_transactional_before_broadcast_then_by_id():
    b1 = queued(purpose=SmsPurpose.BROADCAST)
    n1 = queued(purpose=SmsPurpose.NOTICE)
    b2 = queued(purpose=SmsPurpose.BROADCAST)
    otp = queued(purpose=SmsPurpose.OTP)
    reply = queued(purpose=SmsPurpose.REPLY)
    order = [m.pk for m in sms_claim_batch(limit=10)]
    assert order == [otp.pk, n1.pk, reply.pk, b1.pk, b2.pk]


def test_batch_claims_only_due_messages():
    later = queued(not_before=timezone.now() + timedelta(minutes=5))
    now = queued()
    assert [m.pk for m in sms_claim_batch(limit=10)] == [now.pk]
    later.refresh_from_db()
    assert later.status == SmsStatus.QUEUED


def test_temporary_refusal_retries_with_exponential_backoff(settings):
    settings.SMS_RETRY_BASE_SECONDS = 30
    settings.SMS_MAX_ATTEMPTS = 3
    m = queued()
    gw = Scripted(GatewayError("503 busy"), GatewayError("503 busy"), GatewayError("503 busy"))
    delays = []
    for _ in range(3):
        before = timezone.now()
        SmsMessage.objects.filter(pk=m.pk).update(not_before=None)
        sms_send_claimed(message=sms_claim(message_id=m.pk), gateway=gw)
        m.refresh_from_db()
        if m.status == SmsStatus.QUEUED:
            delays.append(round((m.not_before - before).total_seconds()))
    assert delays == [30, 60]
    assert (m.status, m.attempts) == (SmsStatus.FAILED, 3)
    assert "503" in m.error


def test_permanent_refusal_fails_at_once():
    m = queued()
    sms_send_claimed(
        message=sms_claim(message_id=m.pk), gateway=Scripted(GatewayError("400 bad", permanent=True))
    )
    m.refresh_from_db()
    assert (m.status, m.attempts) == (SmsStatus.FAILED, 1)


def test_lost_answer_is_never_resent_blindly():
    """Kannel may have the message: it ends "failed, outcome unknown" and is never taken again."""
    m = queued()
    gw = Scripted(GatewayOutcomeUnknown("timeout"))
    sms_send_claimed(message=sms_claim(message_id=m.pk), gateway=gw)
    m.refresh_from_db()
    assert m.status == SmsStatus.FAILED
    assert m.error.startswith("outcome unknown") and "not resent" in m.error
    assert sms_claim_batch(limit=10) == []  # no worker takes it again
    sms_reconcile(now=timezone.now() + timedelta(minutes=11))
    assert gw.sent == [m.pk]


def test_late_dlr_proves_a_lost_answer_was_accepted():
    m = queued()
    sms_send_claimed(message=sms_claim(message_id=m.pk), gateway=Scripted(GatewayOutcomeUnknown("timeout")))
    sms_dlr_receive(ref=str(m.pk), status=8, smsc_reply="ACK/")
    m.refresh_from_db()
    assert (m.status, m.error, m.failed_at) == (SmsStatus.SENT, "", None)
    sms_reconcile(now=timezone.now() + timedelta(minutes=11))
    sms_dlr_receive(ref=str(m.pk), status=1)
    m.refresh_from_db()
    assert m.status == SmsStatus.DELIVERED


def test_a_handed_over_message_left_sending_is_settled_as_unknown():
    m = queued()
    sms_claim(message_id=m.pk)
    SmsMessage.objects.filter(pk=m.pk).update(handed_at=timezone.now(), attempts=1)  # then the crash
    assert sms_reconcile(now=timezone.now() + timedelta(minutes=11))["stuck"] == 1
    m.refresh_from_db()
    assert m.status == SmsStatus.FAILED and "not resent" in m.error


def test_crash_after_claim_puts_the_message_back_in_the_queue():
    """Claimed but never handed to the gateway: provably not sent, so it is sent later, once."""
    m = queued()
    sms_claim(message_id=m.pk)  # the worker dies here
    assert sms_reconcile(now=timezone.now() + timedelta(minutes=5))["requeued"] == 0
    result = sms_reconcile(now=timezone.now() + timedelta(minutes=11))
    assert (result["requeued"], result["stuck"]) == (1, 0)
    m.refresh_from_db()
    assert (m.status, m.claim_token, m.attempts) == (SmsStatus.QUEUED, "", 0)


def test_sent_without_report_expires():
    m = queued(status=SmsStatus.SENT, sent_at=timezone.now() - timedelta(hours=73))
    sms_reconcile()
    m.refresh_from_db()
    assert m.status == SmsStatus.EXPIRED


def test_throttle_shares_one_budget():
    # 10 per second: ten reservations take the one-second burst, the next ones wait in turn.
    from django.test import override_settings

    with override_settings(SMS_RATE_PER_SECOND=10):
        t = 1_000_000.0
        waits = [throttle_reserve(gateway="g", units=1, now=t) for _ in range(12)]
        assert waits[:10] == [0.0] * 10
        assert waits[10] == pytest.approx(0.0, abs=1e-6)
        assert waits[11] == pytest.approx(0.1, abs=1e-6)
        # another worker (another gateway name is another budget; same name shares it)
        assert throttle_reserve(gateway="g", units=5, now=t) == pytest.approx(0.2, abs=1e-6)
        assert throttle_reserve(gateway="g", units=1, now=t) == pytest.approx(0.7, abs=1e-6)
        assert throttle_reserve(gateway="other", units=1, now=t) == 0.0
        # after a pause the budget refills, but only up to one second's worth
        assert throttle_reserve(gateway="g", units=1, now=t + 100) == 0.0


def test_dispatch_honours_the_rate(settings):
    settings.SMS_RATE_PER_SECOND = 20
    for _ in range(30):
        queued(purpose=SmsPurpose.BROADCAST)
    import time

    started = time.monotonic()
    result = sms_dispatch(max_seconds=10, concurrency=1)
    elapsed = time.monotonic() - started
    assert result.handled == 30
    # 20 in the first second's burst, 10 more at 20 per second: at least 0.45 s.
    assert elapsed >= 0.45
    assert SmsMessage.objects.filter(status=SmsStatus.DELIVERED).count() == 30


def test_quiet_hours_window(settings):
    settings.SMS_QUIET_HOURS = "21:00-06:00"
    assert in_quiet_hours(datetime(2026, 5, 1, 21, 30, tzinfo=WIB))
    assert in_quiet_hours(datetime(2026, 5, 1, 5, 59, tzinfo=WIB))
    assert not in_quiet_hours(datetime(2026, 5, 1, 6, 0, tzinfo=WIB))
    assert not in_quiet_hours(datetime(2026, 5, 1, 20, 59, tzinfo=WIB))
    end = quiet_hours_end(datetime(2026, 5, 1, 22, 0, tzinfo=WIB))
    assert timezone.localtime(end).replace(tzinfo=None) == datetime(2026, 5, 2, 6, 0)


def test_broadcasts_wait_for_morning_but_transactional_do_not(settings, monkeypatch):
    settings.SMS_QUIET_HOURS = "21:00-06:00"
    night = datetime(2026, 5, 1, 22, 0, tzinfo=WIB)
    monkeypatch.setattr(timezone, "now", lambda: night)
    broadcast = queued(purpose=SmsPurpose.BROADCAST)
    otp = queued(purpose=SmsPurpose.OTP)
    assert [m.pk for m in sms_claim_batch(limit=10)] == [otp.pk]
    message = sms_send(to="081234567891", text="Posyandu besok", purpose="broadcast")
    assert timezone.localtime(message.not_before).hour == 6
    broadcast.refresh_from_db()
    assert broadcast.status == SmsStatus.QUEUED


def test_opted_out_number_gets_no_broadcast_but_still_gets_otp():
    NumberPreference.objects.create(number="+6281234567890", opted_out_at=timezone.now())
    b = queued(purpose=SmsPurpose.BROADCAST)
    otp = queued(purpose=SmsPurpose.OTP)
    gw = Scripted()
    for m in sms_claim_batch(limit=10):
        sms_send_claimed(message=m, gateway=gw)
    b.refresh_from_db()
    otp.refresh_from_db()
    assert b.status == SmsStatus.CANCELLED
    assert otp.status == SmsStatus.SENT
    assert gw.sent == [otp.pk]


# --- delivery reports ---------------------------------------------------------------------------


def test_dlr_order_does_not_matter_and_final_state_stays():
    m = queued(status=SmsStatus.SENT)
    sms_dlr_receive(ref=str(m.pk), status=1, smsc_message_id="abc")
    sms_dlr_receive(ref=str(m.pk), status=8, smsc_reply="ACK/")  # late "accepted by SMSC"
    sms_dlr_receive(ref=str(m.pk), status=2, smsc_reply="stat:UNDELIV")  # bogus repeat
    m.refresh_from_db()
    assert m.status == SmsStatus.DELIVERED
    assert m.delivered_at is not None


def test_dlr_failure_and_expiry():
    failed = queued(status=SmsStatus.SENT)
    expired = queued(status=SmsStatus.SENT, to="+6281234567891")
    sms_dlr_receive(ref=str(failed.pk), status=16, smsc_reply="rejected")
    sms_dlr_receive(ref=str(expired.pk), status=2, smsc_reply="id:1 stat:EXPIRED err:000")
    failed.refresh_from_db()
    expired.refresh_from_db()
    assert failed.status == SmsStatus.FAILED
    assert expired.status == SmsStatus.EXPIRED


def test_dlr_for_unknown_message():
    with pytest.raises(NotFound):
        sms_dlr_receive(ref="999999", status=1)
    with pytest.raises(NotFound):
        sms_dlr_receive(ref="abc", status=1)


def test_number_failing_repeatedly_is_marked_and_recovers(people):
    number = people.siti.phones.get().number
    for _ in range(3):
        m = queued(to=number, status=SmsStatus.SENT)
        sms_dlr_receive(ref=str(m.pk), status=2, smsc_reply="stat:UNDELIV err:001")
    phone = people.siti.phones.get()
    assert phone.failed_permanently_at is not None
    assert NumberPreference.objects.get(number=number).failed_permanently_at is not None
    m = queued(to=number, status=SmsStatus.SENT)
    sms_dlr_receive(ref=str(m.pk), status=1)
    phone.refresh_from_db()
    assert phone.failed_permanently_at is None


def test_stale_failed_mark_is_cleared_by_the_reconcile(people):
    """A delivery report whose follow-up (clearing the number's "failed permanently" mark) was cut
    short by a crash: the periodic reconcile sees the later delivery and clears the mark."""
    from warga.messaging.services import sms_reconcile

    number = people.siti.phones.get().number
    marked_at = timezone.now() - timedelta(hours=1)
    NumberPreference.objects.update_or_create(number=number, defaults={"failed_permanently_at": marked_at})
    people.siti.phones.update(failed_permanently_at=marked_at)
    queued(to=number, status=SmsStatus.DELIVERED, delivered_at=marked_at - timedelta(minutes=5))
    assert sms_reconcile()["reached"] == 0  # delivered before the mark: the mark stands

    queued(to=number, status=SmsStatus.DELIVERED, delivered_at=timezone.now())
    assert sms_reconcile()["reached"] == 1
    assert NumberPreference.objects.get(number=number).failed_permanently_at is None
    assert people.siti.phones.get().failed_permanently_at is None
