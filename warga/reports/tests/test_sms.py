"""LAPOR and DARURAT by SMS: category recognised, routed, answered with the code, once per SMS,
and a flood from one number is held back with a clear reply."""

from __future__ import annotations

import pytest
from django.test import TestCase

from warga.messaging.models import IncomingSms, IncomingStatus, SmsMessage, SmsPurpose
from warga.messaging.services import sms_incoming_handle, sms_incoming_receive
from warga.reports.models import Case, CaseStatus

pytestmark = pytest.mark.django_db
NUMBER = "+6281233300001"


def _sms(text: str, *, number: str = NUMBER, ref: str = "") -> IncomingSms:
    with TestCase.captureOnCommitCallbacks(execute=True):
        incoming = sms_incoming_receive(sender=number, text=text, gateway="development", gateway_ref=ref)
    incoming.refresh_from_db()
    return incoming


def _replies(number: str = NUMBER) -> list[str]:
    return list(
        SmsMessage.objects.filter(to=number, purpose=SmsPurpose.REPLY)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_lapor_recognises_the_category_routes_and_replies_with_the_code(rules):
    _sms("LAPOR listrik padam sejak pagi di kampung kami")
    case = Case.objects.get()
    assert (case.channel, case.category, case.kind) == ("sms", "listrik_padam", "laporan")
    assert case.routed_unit.code == "pln" and case.reporter_phone == NUMBER
    assert case.region == rules.kabupaten  # an unknown number: the desa is unknown
    (reply,) = _replies()
    assert case.tracking_code in reply
    # No second notice besides the reply.
    assert not SmsMessage.objects.filter(to=NUMBER, purpose=SmsPurpose.NOTICE).exists()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("LAPOR Pak Ujang meninggal tadi pagi", "kematian"),
        ("LAPOR jalan ambles", "jalan"),
        ("LAPOR halo", "lainnya"),
    ],
)
def test_lapor_categories(rules, text, category):
    _sms(text)
    assert Case.objects.get().category == category


def test_darurat_goes_to_the_112_centre_and_says_call_112(rules):
    _sms("DARURAT kebakaran rumah di RT 03")
    case = Case.objects.get()
    assert (
        case.kind == "darurat" and case.status == CaseStatus.ASSIGNED and case.assigned_unit.code == "call112"
    )
    (reply,) = _replies()
    assert "SEGERA HUBUNGI 112" in reply and case.tracking_code in reply


def test_the_same_sms_handled_twice_files_one_case(rules):
    incoming = _sms("LAPOR air PDAM mati tiga hari")
    IncomingSms.objects.filter(pk=incoming.pk).update(status=IncomingStatus.RECEIVED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sms_incoming_handle(incoming_id=incoming.pk)
    assert Case.objects.count() == 1
    first, second = _replies()
    assert first == second  # the same code again


def test_a_flood_from_one_number_is_held_back_with_a_reply(rules, settings):
    settings.REPORTS_SMS_LIMIT = 2
    settings.SMS_INCOMING_LIMIT = 50
    for n in range(4):
        _sms(f"LAPOR jalan rusak nomor {n}")
    assert Case.objects.count() == 2
    replies = _replies()
    assert len(replies) == 4
    assert replies[-1].startswith("Terlalu banyak laporan dari nomor Anda") and "112" in replies[-1]


def test_empty_lapor_explains(rules):
    _sms("LAPOR")
    assert Case.objects.count() == 0
    assert "LAPOR" in _replies()[0]
