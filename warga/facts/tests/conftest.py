"""Facts test fixtures: the heads who read the dashboards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import PASSWORD
from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit


@dataclass
class Heads:
    bupati: User
    kadinkes: User


@pytest.fixture
def heads(cast) -> Heads:
    def user(name: str, roles: list[str], unit: Unit | None) -> User:
        return staff_create(
            actor=None,
            username=name,
            password=PASSWORD,
            full_name=name.title(),
            roles=roles,
            unit_id=unit.pk if unit else None,
            area_code=cast.kabupaten.code,
        )

    return Heads(
        bupati=user("bupati", [Role.REGIONAL_VIEWER], None),
        kadinkes=user("kadinkes", [Role.AGENCY_HEAD], Unit.objects.get(code="dinkes")),
    )
