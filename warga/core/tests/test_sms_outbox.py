"""The notifications core every feature uses: one send service, an outbox, the simulator page."""

import pytest
from django.db import transaction

from warga.core.errors import InvalidInput
from warga.messaging.models import SmsMessage, SmsStatus
from warga.messaging.services import sms_send

pytestmark = pytest.mark.django_db


def test_send_queues_then_development_gateway_records_it(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = sms_send(to="0812-3456-7890", text="Kode verifikasi Anda 123456", purpose="otp")
    assert message.status == SmsStatus.QUEUED and len(callbacks) == 1  # delivery waits for the commit
    callbacks[0]()
    message.refresh_from_db()
    assert message.to == "+6281234567890"
    assert message.status in (SmsStatus.SENT, SmsStatus.DELIVERED)
    assert message.gateway == "development"
    assert message.priority < SmsMessage.objects.model._meta.get_field("priority").default


def test_rolled_back_transaction_sends_nothing(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_send(to="081234567890", text="tidak jadi", purpose="notice")
        raise RuntimeError("rollback")
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    ("number", "text"),
    [("", "x"), ("12345", "x"), ("+14155552671", "x"), ("081234567890", ""), ("081234567890", "x" * 2000)],
)
def test_bad_input_refused(cast, number, text):
    with pytest.raises(InvalidInput):
        sms_send(to=number, text=text, purpose="notice")
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 403), ("kec_officer", 403), ("dukcapil", 403), ("admin", 200)],
)
def test_simulator_permission_grid(cast, client_for, who, status):
    user = None if who == "anonymous" else getattr(cast, who)
    assert client_for(user).get("/sms/simulator/").status_code == status


def test_simulator_shows_messages_per_phone(cast, client_for):
    sms_send(to="081234567890", text="Pesan untuk Ani", purpose="notice")
    sms_send(to="081298765432", text="Pesan untuk Budi", purpose="notice")
    client = client_for(cast.admin)
    everything = client.get("/sms/simulator/").content.decode()
    assert "Pesan untuk Ani" in everything and "Pesan untuk Budi" in everything
    one = client.get("/sms/simulator/", {"phone": "0812-3456-7890"}).content.decode()
    assert "Pesan untuk Ani" in one and "Pesan untuk Budi" not in one
    bad = client.get("/sms/simulator/", {"phone": "abc"})
    assert bad.status_code == 200 and "alert-danger" in bad.content.decode()
