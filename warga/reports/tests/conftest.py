from __future__ import annotations

from dataclasses import dataclass

import pytest

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit
from warga.reports.services import routing_rules_seed


@pytest.fixture
def rules(cast):
    """The default routing rules from the standard units' topics."""
    routing_rules_seed()
    return cast


def _user(username: str, role: str, unit_code: str | None, area, phone: str = "") -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = staff_create(
        actor=None,
        username=username,
        password="test-password-123",
        full_name=username.title(),
        roles=[role],
        unit_id=Unit.objects.get(code=unit_code).pk if unit_code else None,
        area_code=area.code,
    )
    if phone:
        User.objects.filter(pk=user.pk).update(phone=phone)
    return user


@dataclass
class People:
    handler: User  # complaint handler, whole kabupaten
    pln: User  # staff of PLN (routed power outages)
    pln_head: User
    dinkes: User  # staff of another agency
    bupati: User  # regional secretary's view (reports.oversee)


@pytest.fixture
def people(rules) -> People:
    kab = rules.kabupaten
    return People(
        handler=_user("handler", Role.COMPLAINT_HANDLER, "diskominfo", kab),
        pln=_user("pln_staff", Role.AGENCY_STAFF, "pln", kab),
        pln_head=_user("pln_head", Role.AGENCY_HEAD, "pln", kab, phone="081277700001"),
        dinkes=_user("dinkes_staff", Role.AGENCY_STAFF, "dinkes", kab),
        bupati=_user("bupati", Role.REGIONAL_VIEWER, None, kab),
    )
