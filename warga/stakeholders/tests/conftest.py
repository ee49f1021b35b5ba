from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit
from warga.stakeholders.models import Stakeholder
from warga.stakeholders.services import StakeholderInput, stakeholder_create


def _user(username: str, role: str, unit: Unit | None, area) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return staff_create(
        actor=None,
        username=username,
        password="test-password-123",
        full_name=username.title(),
        roles=[role],
        unit_id=unit.pk if unit else None,
        area_code=area.code,
    )


@dataclass
class People:
    dinkes: User  # OPD staff of the health office
    dinsos: User  # OPD staff of another office
    kominfo: User  # PPID utama at Diskominfo: every unit's
    kadis: User  # head of the health office: reads


@pytest.fixture
def people(cast) -> People:
    kab = cast.kabupaten
    return People(
        dinkes=_user("sh_dinkes", Role.AGENCY_STAFF, Unit.objects.get(code="dinkes"), kab),
        dinsos=_user("sh_dinsos", Role.AGENCY_STAFF, Unit.objects.get(code="dinsos"), kab),
        kominfo=_user("sh_kominfo", Role.PPID_OFFICER, Unit.objects.get(code="diskominfo"), kab),
        kadis=_user("sh_kadis", Role.AGENCY_HEAD, Unit.objects.get(code="dinkes"), kab),
    )


@pytest.fixture
def make(cast):
    """make(actor_user, name=…, consent=…, region=…, kind=…, topics=…) → a stakeholder via the service."""
    counter = iter(range(100, 1000))

    def build(
        user: User, *, name: str, consent: bool = True, region=None, kind: str = "ngo", topics=("health",)
    ):
        n = next(counter)
        return stakeholder_create(
            actor=cast.actor(user),
            data=StakeholderInput(
                kind=kind,
                name=name,
                region=(region or cast.desa).code,
                topics=list(topics),
                phone=f"0812990{n:05d}",
                sms_consent=consent,
                consent_on=timezone.localdate() - timedelta(days=3) if consent else None,
                consent_channel="form" if consent else "",
                consent_evidence="Formulir bertanda tangan" if consent else "",
            ),
        )

    return build


def stakeholder_count() -> int:
    return Stakeholder.objects.count()
