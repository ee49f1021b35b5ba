import pytest

from warga.core.errors import InvalidInput
from warga.messaging.encoding import sms_encoding, unsupported_characters
from warga.messaging.models import SmsMessage, SmsStatus
from warga.messaging.phones import normalize_msisdn
from warga.messaging.services import sms_send


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("Halo", "gsm7", 1),
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("€" * 80, "gsm7", 1),  # extension characters take two septets
        ("€" * 81, "gsm7", 2),
        ("Undangan — hajat", "ucs2", 1),  # the em dash is not GSM-7
        ("ü" * 70 + "ß", "gsm7", 1),
        ("ā" * 70, "ucs2", 1),
        ("ā" * 71, "ucs2", 2),
        ("😀" * 35, "ucs2", 1),  # each emoji is two UTF-16 units
        ("😀" * 36, "ucs2", 2),
    ],
)
def test_segments(text, encoding, segments):
    enc = sms_encoding(text)
    assert (enc.encoding, enc.segments) == (encoding, segments)
    assert enc.coding == (0 if encoding == "gsm7" else 2)


def test_unsupported_characters_found():
    assert unsupported_characters("ok\nline") == []
    assert unsupported_characters("bad\x00nul\x07bell\ue000") == ["\x00", "\x07", "\ue000"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "text", "code"),
    [
        ("0812-3456-7890", "", "sms.empty"),
        ("0812-3456-7890", "   ", "sms.empty"),
        ("0812-3456-7890", "x" * 2000, "sms.too_long"),
        ("0812-3456-7890", "ā" * 400, "sms.too_long"),
        ("0812-3456-7890", "kode\x00123", "sms.unsupported_characters"),
        ("", "Halo", "phone.empty"),
        ("halo", "Halo", "phone.invalid"),
        ("+44 7911 123456", "Halo", "phone.not_indonesian"),
        ("021-5550123", "Halo", "phone.not_mobile"),
        ("0812", "Halo", "phone.invalid"),
    ],
)
def test_sms_send_refuses_bad_input(to, text, code):
    with pytest.raises(InvalidInput) as exc:
        sms_send(to=to, text=text, purpose="notice")
    assert exc.value.code == code
    assert str(exc.value.message)
    assert SmsMessage.objects.count() == 0


@pytest.mark.django_db
def test_unknown_purpose_refused():
    with pytest.raises(InvalidInput):
        sms_send(to="081234567890", text="Halo", purpose="spam")
    assert SmsMessage.objects.count() == 0


@pytest.mark.django_db
def test_sms_send_counts_segments_and_delivers_on_development_gateway(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the dispatcher is woken after the commit
        message = sms_send(to="0812 3456 7890", text="Pengumuman — " + "a" * 100, purpose="notice")
    message.refresh_from_db()
    assert message.to == "+6281234567890"
    assert (message.encoding, message.segments) == ("ucs2", 2)
    assert message.status == SmsStatus.DELIVERED
    assert message.attempts == 1
    assert message.gateway == "development"


def test_normalize_forms():
    assert normalize_msisdn("0812-3456-7890") == "+6281234567890"
    assert normalize_msisdn("6281234567890") == "+6281234567890"
    assert normalize_msisdn("+62 812 3456 7890") == "+6281234567890"
