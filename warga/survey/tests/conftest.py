from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from django.core.cache import cache
from django.test import TestCase

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit, UnitKind
from warga.survey.models import Invitation

_serial = count(1)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kec_unit(cast) -> Unit:
    return Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)


@pytest.fixture
def viewer(cast) -> User:
    existing = User.objects.filter(username="bupati_ikm").first()
    return existing or staff_create(
        actor=None,
        username="bupati_ikm",
        password="test-password-123",
        full_name="Bupati",
        roles=[Role.REGIONAL_VIEWER],
        unit_id=None,
        area_code=cast.kabupaten.code,
    )


@pytest.fixture
def invite(cast, kec_unit) -> Callable[..., Invitation]:
    """A fresh invitation (through the service) with its link token; `phone` by default unique."""
    from warga.survey.services import survey_invite

    def make(*, unit: Unit | None = None, phone: str = "", **extra: Any) -> Invitation:
        n = next(_serial)
        with TestCase.captureOnCommitCallbacks(execute=True):
            invitation = survey_invite(
                actor=None,
                unit=unit or kec_unit,
                service="test",
                source=("test", f"{n}-{extra.get('source', '')}"),
                phone=phone or f"08123999{n:04d}",
                region=cast.desa,
            )
        assert invitation is not None
        return invitation

    return make
