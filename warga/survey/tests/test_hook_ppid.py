"""An answered information request invites its requester once, about the holding unit."""

from __future__ import annotations

import pytest
from django.test import TestCase

from warga.core.scoping import Actor
from warga.ppid.services import Decision, RequestInput, request_file, request_transition
from warga.ppid.survey import request_survey_invite
from warga.ppid.tests.conftest import NIK, people  # noqa: F401 - fixture
from warga.survey.models import Invitation

pytestmark = pytest.mark.django_db


def test_decision_invites_once(people):  # noqa: F811
    with TestCase.captureOnCommitCallbacks(execute=True):
        filed = request_file(
            actor=None,
            channel="web",
            data=RequestInput(
                name="Siti",
                nik=NIK,
                address="Jl. 5",
                phone="081239993001",
                information="Data",
                purpose="Riset",
                unit_id=people.kec_unit.pk,
            ),
        )
    assert not Invitation.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        request_transition(
            actor=Actor.for_user(people.kec),
            request_id=filed.pk,
            action="decide",
            decision=Decision(outcome="granted"),
        )
    invitation = Invitation.objects.get()
    assert (invitation.source_app, invitation.source_id) == ("ppid.request", str(filed.pk))
    assert invitation.unit == people.kec_unit and invitation.phone == "+6281239993001"
    request_survey_invite(filed.pk)
    assert Invitation.objects.count() == 1
