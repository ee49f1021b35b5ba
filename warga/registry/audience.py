"""The register as the audience of SMS: the residents and verified numbers that broadcasts,
invitations and keyword replies reach (the interface is warga.messaging.audience)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import QuerySet

from warga.core.scoping import Actor, scoped

from .models import LifeStatus, Phone, Resident


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class RegisterAudience:
    def phones(self) -> QuerySet[Phone]:
        return Phone.objects.all()

    def recipient_phones(
        self, *, desa_prefix: str, rw: int | None, rt: int | None, segment: Mapping[str, Any], today: date
    ) -> QuerySet[Phone]:
        phones = Phone.objects.filter(
            verified_at__isnull=False,
            consent_broadcast=True,
            opted_out_at__isnull=True,
            failed_permanently_at__isnull=True,
            resident__life_status=LifeStatus.ALIVE,
            resident__desa__within=desa_prefix,
        )
        if rw is not None:
            phones = phones.filter(resident__rw=rw)
        if rt is not None:
            phones = phones.filter(resident__rt=rt)
        if "sex" in segment:
            phones = phones.filter(resident__sex=segment["sex"])
        if "min_age" in segment:
            phones = phones.filter(resident__birth_date__lte=_years_ago(today, segment["min_age"]))
        if "max_age" in segment:
            phones = phones.filter(resident__birth_date__gt=_years_ago(today, segment["max_age"] + 1))
        return phones

    def residents(self, *, desa_prefix: str) -> QuerySet[Resident]:
        return Resident.objects.filter(desa__within=desa_prefix)

    def residents_for_number(self, number: str) -> list[Resident]:
        return list(
            Resident.objects.filter(
                phones__number=number, phones__verified_at__isnull=False, life_status=LifeStatus.ALIVE
            )
            .select_related("desa")
            .distinct()
            .order_by("pk")
        )

    def resident_with_verified_number(self, *, actor: Actor, nik: str) -> tuple[Resident | None, str | None]:
        resident = scoped(Resident.objects.select_related("desa"), actor).filter(nik=nik).first()
        if resident is None:
            return None, None
        phone = (
            Phone.objects.filter(resident=resident, verified_at__isnull=False)
            .order_by("-verified_at")
            .first()
        )
        return resident, phone.number if phone else None
