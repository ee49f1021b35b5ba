"""Issuing NIK and KK numbers for people and families the desa registers itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from warga.core.errors import Conflict
from warga.core.scoping import unscoped
from warga.regions.models import Region
from warga.regions.selectors import kecamatan_of

from ..identity import make_nik
from ..models import (
    Family,
    Resident,
)
from ._common import _today

T = TypeVar("T")


def _next_serial(prefix: str, model: type[Resident] | type[Family], field: str) -> int:
    with unscoped("numbers: a NIK or KK serial is unique across every area"):
        last = (
            model.objects.filter(**{f"{field}__startswith": prefix})
            .order_by(f"-{field}")
            .values_list(field, flat=True)
            .first()
        )
    serial = int(last[12:]) + 1 if last else 1
    if serial > 9999:
        raise Conflict(
            _("No free serial number is left for this date and area."), code="registry.serials_exhausted"
        )
    return serial


def nik_issue(*, desa: Region, birth_date: date, sex: str) -> str:
    """The next free NIK for someone born on `birth_date` and first registered in this kecamatan."""
    kecamatan = kecamatan_of(desa.code) or desa.code
    prefix = make_nik(kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=1)[:12]
    return make_nik(
        kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=_next_serial(prefix, Resident, "nik")
    )


def kk_issue(*, desa: Region, issued_on: date | None = None) -> str:
    """The next free KK number issued today by the kecamatan of this desa."""
    day = issued_on or _today()
    prefix = (kecamatan_of(desa.code) or desa.code).replace(".", "") + day.strftime("%d%m%y")
    return f"{prefix}{_next_serial(prefix, Family, 'kk_number'):04d}"


def _create_with_number(build: Callable[[str], T], number_of: Callable[[], str], retries: int = 5) -> T:
    """Insert a row whose number was just computed; another office may take it at the same time."""
    for attempt in range(retries):
        number = number_of()
        try:
            with transaction.atomic():
                return build(number)
        except IntegrityError:
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")
