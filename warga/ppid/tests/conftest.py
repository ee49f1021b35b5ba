from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit, UnitKind

NIK = "3214011203860001"  # Purwakarta, born 12-03-86, a man: a valid structure


def _user(username: str, role: str, unit: Unit | None, area, phone: str = "") -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = staff_create(
        actor=None,
        username=username,
        password="test-password-123",
        full_name=username.title(),
        roles=[role],
        unit_id=unit.pk if unit else None,
        area_code=area.code,
    )
    if phone:
        User.objects.filter(pk=user.pk).update(phone=phone)
    return user


@dataclass
class People:
    utama: User
    kec: User  # pembantu of the officers' kecamatan office
    other_kec: User  # pembantu of another kecamatan office
    dinkes: User  # pembantu of the health office
    atasan: User
    kec_unit: Unit
    dinkes_unit: Unit


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(cast) -> People:
    kab = cast.kabupaten
    kec_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    other_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.other_kecamatan)
    dinkes = Unit.objects.get(code="dinkes")
    return People(
        utama=_user(
            "ppid_utama", Role.PPID_OFFICER, Unit.objects.get(code="diskominfo"), kab, "081277700011"
        ),
        kec=_user("ppid_kec", Role.PPID_PEMBANTU, kec_unit, cast.kecamatan),
        other_kec=_user("ppid_other", Role.PPID_PEMBANTU, other_unit, cast.other_kecamatan),
        dinkes=_user("ppid_dinkes", Role.PPID_PEMBANTU, dinkes, kab),
        atasan=_user("ppid_atasan", Role.PPID_ATASAN, None, kab, "081277700012"),
        kec_unit=kec_unit,
        dinkes_unit=dinkes,
    )


def form_data(unit: Unit | None = None, **extra):
    return {
        "requester_kind": "person",
        "name": "Siti Rahmawati",
        "nik": NIK,
        "address": "Jl. Merdeka 5",
        "phone": "081200007001",
        "email": "siti@example.org",
        "unit": str(unit.pk) if unit else "",
        "information": "Data balita gizi buruk per desa tahun 2025.",
        "purpose": "Penelitian.",
        "access_mode": "copy",
        "copy_form": "soft",
        "delivery": "download",
        **extra,
    }
