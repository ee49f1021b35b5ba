"""Demo residents: synthetic families in every kecamatan of the installation.

The demo accounts of `warga.accounts.demo` work in the first kecamatan ("loket", "verkec",
"desa") and the second ("loket2"), so those two get most residents; every other kecamatan
gets some, so kabupaten-wide pages show no rows of zeros. A few people are planted twice
under two NIKs with spelling variants, for the duplicate review queue. Running it again
adds nothing: kecamatan that already have residents are skipped.
"""

from __future__ import annotations

from warga.regions.models import Region, RegionLevel
from warga.registry.synthetic import populate

#: size -> (residents in the two demo kecamatan, share of households followed by a planted
#: duplicate, residents per other kecamatan)
SIZES = {
    "small": (3_000, 0.008, 150),
    "medium": (50_000, 0.002, 2_000),
}


def seed(region: Region, *, size: str, seed: int) -> str:
    kecamatan = list(
        Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if size == "full":
        people = region.population_total or 100_000
        codes, rate = [region.code], 0.0005
    else:
        people, rate, per_other = SIZES[size]
        codes = kecamatan[:2]
        others = kecamatan[2:]
        if others:
            populate(area_codes=others, people=per_other * len(others), seed=seed + 1, phone_rate=0.5)
    result = populate(area_codes=codes, people=people, seed=seed, duplicate_rate=rate)
    if not result.residents:
        return "residents already present, nothing added"
    return (
        f"{result.residents} residents in {result.families} families, {result.phones} phone numbers, "
        f"{len(result.duplicates)} planted duplicates"
    )
