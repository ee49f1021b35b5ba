"""Demo: answered surveys for two units (the Disdukcapil and the first kecamatan office), spread
over the current quarter, so the IKM page shows an index with its grade; a few invitations are
left unanswered."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from warga.core.scoping import unscoped
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel

from .models import ELEMENT_FIELDS, Invitation, Response
from .selectors import period_current
from .services import survey_answer, survey_invite

# Each unit's answers lean this way: the chance of a 4, a 3, a 2, a 1.
PROFILES = {"disdukcapil": (0.45, 0.45, 0.08, 0.02), "kecamatan": (0.25, 0.5, 0.2, 0.05)}


def seed(region: Region, *, size: str, seed: int) -> str:
    with unscoped("demo data"):
        if Invitation.objects.exists():
            return "surveys already present"
        rng = random.Random(seed)
        desa = (
            Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("code").first()
        )
        if desa is None:
            return "no desa"
        units = [
            ("disdukcapil", Unit.objects.filter(code="disdukcapil").first()),
            (
                "kecamatan",
                Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area__code__within=region.code)
                .order_by("area__code")
                .first(),
            ),
        ]
        start = period_current("quarter").start
        days = max(1, (timezone.localdate() - start).days)
        per_unit = 24 if size == "small" else 120
        made = answered = 0
        for profile, unit in units:
            if unit is None:
                continue
            for i in range(per_unit):
                invitation = survey_invite(
                    actor=None,
                    unit=unit,
                    service="demo",
                    service_label="Demo",
                    source=("demo", f"{unit.code}-{i}"),
                    phone=f"0812{seed % 1000:03d}{made:05d}",
                    region=desa,
                )
                if invitation is None:
                    continue
                made += 1
                if i % 6 == 5:  # some residents never answer
                    continue
                weights = PROFILES[profile]
                scores = {name: rng.choices((4, 3, 2, 1), weights=weights)[0] for name in ELEMENT_FIELDS}
                survey_answer(
                    token=invitation.link_token,  # type: ignore[attr-defined]
                    scores=scores,
                    comment="",
                    channel="sms" if i % 3 == 0 else "web",
                )
                when = timezone.now() - timedelta(days=rng.randrange(days), hours=rng.randrange(8))
                Response.objects.filter(invitation=invitation).update(answered_at=when)
                answered += 1
        return f"{made} invitations, {answered} answers"
