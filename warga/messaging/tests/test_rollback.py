"""An SMS belongs to the change that caused it: when that change is rolled back, nothing is
queued and nothing reaches the gateway.

After-commit work (the dispatcher's wake-up, queued tasks) runs the real way here: collected with
`captureOnCommitCallbacks` and run when the test's block ends, as after a commit, or committed
for real in a transactional test. A callback registered inside a block that rolls back is dropped
by Django, so these tests fail if an SMS is sent or queued outside the transaction that caused it.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from warga.messaging.gateways import DevelopmentGateway
from warga.messaging.models import Broadcast, BroadcastStatus, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.services import broadcast_approve, broadcast_create, sms_send

pytestmark = pytest.mark.django_db


class Failed(Exception):
    """What the caller's change raises after the SMS was queued."""


@pytest.fixture
def handed_over(monkeypatch) -> list[str]:
    """The numbers the (development) gateway was given, in order."""
    sent: list[str] = []
    original = DevelopmentGateway.send

    def send(self, message):
        sent.append(message.to)
        return original(self, message)

    monkeypatch.setattr(DevelopmentGateway, "send", send)
    return sent


def test_a_change_failing_after_queuing_an_sms_queues_and_sends_nothing(
    django_capture_on_commit_callbacks, handed_over
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Failed),
        transaction.atomic(),
    ):
        sms_send(to="0812 3456 7890", text="Permohonan Anda diterima.", purpose=SmsPurpose.NOTICE)
        raise Failed
    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert handed_over == []
    # The same change without the failure: queued, and sent once it commits.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = sms_send(to="0812 3456 7890", text="Permohonan Anda diterima.", purpose=SmsPurpose.NOTICE)
    assert len(callbacks) == 1
    assert handed_over == ["+6281234567890"]
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def test_an_approval_rolled_back_by_the_caller_queues_no_broadcast(
    cast, people, django_capture_on_commit_callbacks, handed_over
):
    broadcast = broadcast_create(
        actor=cast.actor(cast.kec_verifier),
        name="Posyandu",
        text="Posyandu besok.",
        area_code=cast.desa.code,
        segment={},
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        broadcast_approve(actor=cast.actor(cast.head), broadcast_id=broadcast.pk)
        transaction.set_rollback(True)  # e.g. a later step of the same request failed
    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert handed_over == []
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.PENDING
    # Approved for good: the three consenting numbers are queued and sent after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_approve(actor=cast.actor(cast.head), broadcast_id=broadcast.pk)
    assert sorted(handed_over) == ["+6281200000001", "+6281200000002", "+6281200000003"]
    assert Broadcast.objects.get(pk=broadcast.pk).status == BroadcastStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_a_rolled_back_sms_is_never_sent(handed_over):
    with pytest.raises(Failed), transaction.atomic():
        sms_send(to="081234567891", text="Kartu Anda siap diambil.", purpose=SmsPurpose.NOTICE)
        raise Failed
    assert not SmsMessage.objects.exists()
    assert handed_over == []
    with transaction.atomic():
        sms_send(to="081234567891", text="Kartu Anda siap diambil.", purpose=SmsPurpose.NOTICE)
        assert handed_over == []  # not before the commit
    assert handed_over == ["+6281234567891"]
    assert SmsMessage.objects.get().status == SmsStatus.DELIVERED
