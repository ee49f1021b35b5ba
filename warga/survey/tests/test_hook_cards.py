"""A KTP-el handed over invites its holder once (on a verified number), after the commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from warga.cards.models import KtpCard, KtpStatus
from warga.cards.services import card_hand_over
from warga.cards.survey import handover_survey_invite
from warga.outreach.tests.conftest import make_resident  # noqa: F401 - fixture
from warga.registry.models import Phone
from warga.survey.models import Invitation

pytestmark = pytest.mark.django_db


def test_hand_over_invites_once(cast, kec_unit, make_resident, settings):  # noqa: F811
    holder = make_resident()
    Phone.objects.create(resident=holder, number="+6281239991001", verified_at=timezone.now())
    now = timezone.now()
    card = KtpCard.objects.create(
        resident=holder,
        status=KtpStatus.PRINTED,
        status_at=now,
        recorded_at=now - timedelta(days=30),
        printed_at=now,
        pickup_office=kec_unit,
        ready_at=now,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        handover = card_hand_over(
            actor=cast.actor(cast.kec_officer),
            card=card,
            recipient_name=holder.full_name,
            proof_kind="id",
            proof_note="KTP lama ditunjukkan",
        )
    invitation = Invitation.objects.get()
    assert (invitation.source_app, invitation.source_id) == ("cards.handover", str(handover.pk))
    assert invitation.unit == kec_unit and invitation.phone == "+6281239991001"
    assert invitation.region_id == holder.desa_id
    handover_survey_invite(handover.pk)  # a second call (a retry) changes nothing
    assert Invitation.objects.count() == 1


def test_no_verified_number_no_invitation(cast, kec_unit, make_resident):  # noqa: F811
    holder = make_resident()
    Phone.objects.create(resident=holder, number="+6281239991002")  # not verified
    now = timezone.now()
    card = KtpCard.objects.create(
        resident=holder,
        status=KtpStatus.PRINTED,
        status_at=now,
        printed_at=now,
        pickup_office=kec_unit,
        ready_at=now,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        card_hand_over(
            actor=cast.actor(cast.kec_officer),
            card=card,
            recipient_name="X",
            proof_kind="id",
            proof_note="ok",
        )
    assert not Invitation.objects.exists()
