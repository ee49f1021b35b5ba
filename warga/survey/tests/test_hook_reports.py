"""A closed case invites its (named) reporter once, about the unit that handled it."""

from __future__ import annotations

import pytest
from django.test import TestCase

from warga.core.scoping import Actor
from warga.reports.services import case_file, case_transition
from warga.reports.survey import case_survey_invite
from warga.reports.tests.conftest import people, rules  # noqa: F401 - fixtures
from warga.survey.models import Invitation

pytestmark = pytest.mark.django_db


def _closed(rules, people, **extra):  # noqa: F811
    with TestCase.captureOnCommitCallbacks(execute=True):
        case = case_file(actor=None, text="Listrik padam", channel="web", desa=rules.desa, **extra)
        handler = Actor.for_user(people.handler)
        case_transition(actor=handler, case_id=case.pk, action="accept")
        case_transition(
            actor=Actor.for_user(people.pln), case_id=case.pk, action="answer", note="Sudah menyala"
        )
    assert not Invitation.objects.filter(source_id=str(case.pk)).exists()  # not before closing
    with TestCase.captureOnCommitCallbacks(execute=True):
        case_transition(actor=handler, case_id=case.pk, action="close")
    return case


def test_closing_a_case_invites_once(rules, people):  # noqa: F811
    case = _closed(rules, people, phone="081239992001", name="Ani")
    invitation = Invitation.objects.get()
    assert (invitation.source_app, invitation.source_id) == ("reports.case", str(case.pk))
    assert invitation.unit.code == "pln" and invitation.phone == "+6281239992001"
    case_survey_invite(case.pk)
    assert Invitation.objects.count() == 1


def test_anonymous_reporter_is_not_invited(rules, people):  # noqa: F811
    _closed(rules, people, phone="081239992002", anonymous=True)
    assert not Invitation.objects.exists()
