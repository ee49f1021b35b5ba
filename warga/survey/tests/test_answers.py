"""Answering: the web form and the IKM keyword, refused twice, after expiry, with a forged link,
with digits out of range or the wrong count; nothing half-stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from warga.messaging.models import SmsMessage, SmsPurpose
from warga.messaging.services import number_opt_out, sms_incoming_receive
from warga.survey.models import ELEMENT_FIELDS, Invitation, Response
from warga.survey.services import survey_invite

pytestmark = pytest.mark.django_db

GOOD = dict(zip(ELEMENT_FIELDS, "443344343", strict=True))


def _url(invitation) -> str:
    return f"/ikm/{invitation.link_token}/"


def _sms(number: str, text: str) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        sms_incoming_receive(sender=number, text=text, gateway="development", gateway_ref="")
    return (
        SmsMessage.objects.filter(to=number, purpose=SmsPurpose.REPLY)
        .order_by("-pk")
        .values_list("text", flat=True)[0]
    )


def test_invitation_sms_has_the_link_and_the_code_and_nothing_personal(invite):
    invitation = invite()
    sms = SmsMessage.objects.get(to=invitation.phone)
    assert invitation.link_token in sms.text and f"IKM {invitation.code}" in sms.text
    assert sms.purpose == SmsPurpose.BROADCAST  # consent-bound: an opted-out number is skipped
    assert invitation.phone not in _url(invitation)


def test_web_form_answers_once(invite, client):
    invitation = invite()
    page = client.get(_url(invitation))
    html = page.content.decode()
    assert (
        page.status_code == 200
        and html.count('type="radio"') == 36
        and "chartjs" not in html
        and "htmx" not in html
    )
    missing = client.post(_url(invitation), {k: v for k, v in GOOD.items() if k != "u9"})
    assert missing.status_code == 422 and not Response.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).answered_at is None
    done = client.post(_url(invitation), {**GOOD, "comment": "Petugas ramah"})
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    response = Response.objects.get(invitation=invitation)
    assert (response.u1, response.u5, response.channel, response.comment) == (4, 4, "web", "Petugas ramah")
    again = client.post(_url(invitation), dict.fromkeys(ELEMENT_FIELDS, "1"))
    assert again.status_code == 410 and 'data-testid="closed"' in again.content.decode()
    assert Response.objects.count() == 1 and Response.objects.get().u1 == 4
    assert client.get(_url(invitation)).status_code == 410


def test_service_refuses_a_second_answer_and_scores_out_of_range(invite):
    from warga.core.errors import Conflict, InvalidInput
    from warga.survey.services import survey_answer

    invitation = invite()
    with pytest.raises(InvalidInput) as bad:
        survey_answer(token=invitation.link_token, scores={**GOOD, "u3": 5}, comment="", channel="web")
    assert [d["field"] for d in bad.value.details] == ["u3"]
    assert not Response.objects.exists()
    survey_answer(token=invitation.link_token, scores=GOOD, comment="", channel="web")
    with pytest.raises(Conflict) as twice:
        survey_answer(token=invitation.link_token, scores=GOOD, comment="", channel="sms")
    assert twice.value.code == "survey.answered" and Response.objects.count() == 1


def test_expired_link_and_code_are_refused(invite, client):
    invitation = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(_url(invitation)).status_code == 410
    assert client.post(_url(invitation), GOOD).status_code == 410
    reply = _sms(invitation.phone, f"IKM {invitation.code} 443344343")
    assert "ditutup" in reply.lower() or "closed" in reply.lower()
    assert not Response.objects.exists()


def test_forged_or_unknown_tokens_are_404(invite, client):
    invitation = invite()
    raw, _dot, signature = invitation.link_token.partition(".")
    for token in (f"{raw}.{signature[::-1]}", f"{raw}x.{signature}", "abc", raw, "a" * 80):
        assert client.get(f"/ikm/{token}/").status_code == 404
        assert client.post(f"/ikm/{token}/", GOOD).status_code == 404
    assert not Response.objects.exists()


def test_sms_answer_with_checks(invite, settings):
    settings.SMS_INCOMING_LIMIT = 50
    invitation = invite()
    number, code = invitation.phone, invitation.code
    out_of_range = _sms(number, f"IKM {code} 443354343")
    assert "1, 2, 3" in out_of_range
    wrong_count = _sms(number, f"IKM {code} 4433")
    assert "sembilan" in wrong_count.lower() and "mengirim 4" in wrong_count
    assert "sembilan" in _sms(number, f"IKM {code} 4433443431").lower()
    assert "IKM" in _sms(number, "IKM")
    unknown = _sms(number, "IKM ZZZZZZ 443344343")
    other_number = _sms("+6281239990999", f"IKM {code} 443344343")
    assert unknown == other_number  # somebody else's code reveals nothing
    assert not Response.objects.exists()
    thanks = _sms(number, f"ikm {code.lower()} 4 4 3 3 4 4 3 4 3")
    response = Response.objects.get(invitation=invitation)
    assert response.channel == "sms" and [getattr(response, f) for f in ELEMENT_FIELDS] == [
        4,
        4,
        3,
        3,
        4,
        4,
        3,
        4,
        3,
    ]
    assert thanks != unknown
    second = _sms(number, f"IKM {code} 111111111")
    assert "sudah" in second.lower() or "already" in second.lower()
    assert Response.objects.count() == 1 and Response.objects.get().u1 == 4


def test_invite_is_idempotent_and_can_be_turned_off(cast, kec_unit, settings):
    args = {
        "actor": None,
        "unit": kec_unit,
        "service": "test",
        "source": ("cards.handover", 77),
        "phone": "081239990500",
        "region": cast.desa,
    }
    first, second = survey_invite(**args), survey_invite(**args)
    assert first is not None and first.pk == second.pk
    assert Invitation.objects.count() == 1 and SmsMessage.objects.filter(to="+6281239990500").count() == 1
    settings.SURVEY_INVITES_ENABLED = False
    assert survey_invite(**{**args, "source": ("cards.handover", 78)}) is None
    settings.SURVEY_INVITES_ENABLED = True
    number_opt_out(number="+6281239990501", channel="sms")
    assert survey_invite(**{**args, "source": ("x", 1), "phone": "081239990501"}) is None
    assert survey_invite(**{**args, "source": ("x", 2), "phone": "not a phone"}) is None
    assert Invitation.objects.count() == 1
