"""The SQL form of "birth dates close enough to be one person" selects exactly the dates the
Python rule accepts (two of year, month and day equal, or day and month swapped)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from warga.dedupe.services import _date_parts_close, _date_parts_close_q
from warga.registry.models import Resident

pytestmark = pytest.mark.django_db

SOUGHT = [date(1990, 2, 28), date(2000, 2, 29), date(1985, 4, 11), date(1970, 12, 31), date(2001, 1, 12)]
STORED = sorted(
    {
        *SOUGHT,
        date(1990, 2, 1), date(1990, 3, 28), date(1991, 2, 28), date(1890, 2, 28), date(2004, 2, 29),
        date(2000, 3, 29), date(2000, 2, 28), date(1985, 11, 4), date(1985, 4, 12), date(1986, 4, 11),
        date(1985, 12, 11), date(1970, 12, 1), date(1970, 1, 31), date(1971, 12, 31), date(2001, 12, 1),
        date(2001, 2, 12), date(1999, 1, 12), date(2001, 1, 21), date(2001, 12, 31),
    }
)  # fmt: skip


def test_the_sql_and_the_python_rule_agree(cast):
    serial = itertools.count(1)
    for born in STORED:
        Resident.objects.create(
            nik=f"3214010101{next(serial):06d}", full_name="Warga", birth_date=born, sex="M", desa=cast.desa
        )
    for day in SOUGHT:
        in_sql = set(Resident.objects.filter(_date_parts_close_q(day)).values_list("birth_date", flat=True))
        assert in_sql == {born for born in STORED if _date_parts_close(day, born)}, day
