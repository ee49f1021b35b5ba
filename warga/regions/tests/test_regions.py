import pytest
from django.core.management import call_command

from warga.regions.models import Region, RegionKind, RegionLevel
from warga.regions.selectors import normalize_code
from warga.regions.services import region_get_or_create_rt, regions_load

pytestmark = pytest.mark.django_db

SEEDS = {"32.03": (32, 360), "32.06": (39, 351), "32.14": (17, 192), "32.78": (10, 69), "35.17": (21, 306)}


@pytest.mark.slow
def test_full_load_counts_are_exact():
    first = regions_load()
    assert first.by_level == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert Region.objects.count() == 38 + 514 + 7285 + 83762
    seen: dict[tuple[str, int], int] = {}
    for code, level in Region.objects.filter(level__in=[3, 4]).values_list("code", "level"):
        seen[(code[:5], level)] = seen.get((code[:5], level), 0) + 1
    for code, (kecamatan, desa) in SEEDS.items():
        assert (seen[(code, 3)], seen[(code, 4)]) == (kecamatan, desa), code


def test_load_is_idempotent():
    regions_load(only="32.14")
    before = list(Region.objects.values_list("code", "name", "parent_id", "kind", "population_total"))
    regions_load(only="32.14")
    assert list(Region.objects.values_list("code", "name", "parent_id", "kind", "population_total")) == before


def test_subtree_load_has_ancestors_types_and_population():
    regions_load(only="35.17")
    jombang = Region.objects.get(code="35.17")
    assert jombang.kind == RegionKind.KABUPATEN and jombang.parent_id == "35"
    assert jombang.population_total == 1378005
    assert Region.objects.filter(code__within="35", level=RegionLevel.KECAMATAN).count() == 21
    assert Region.objects.get(code="35").kind == RegionKind.PROVINSI
    assert not Region.objects.filter(code__within="35.15").exists()  # another kabupaten of the province
    kinds = set(
        Region.objects.filter(code__within="35.17", level=RegionLevel.DESA).values_list("kind", flat=True)
    )
    assert (
        kinds <= {RegionKind.DESA, RegionKind.KELURAHAN, RegionKind.DESA_ADAT}
        and RegionKind.KELURAHAN in kinds
    )


def test_kota_type():
    regions_load(only="32.78")
    assert Region.objects.get(code="32.78").kind == RegionKind.KOTA


def test_within_lookup_matches_subtree_only(regions):
    codes = set(Region.objects.filter(code__within="32.14.01").values_list("code", flat=True))
    assert "32.14.01" in codes and all(c == "32.14.01" or c.startswith("32.14.01.") for c in codes)
    assert len(codes) == 1 + Region.objects.filter(parent_id="32.14.01").count()
    with pytest.raises(ValueError):
        list(Region.objects.filter(code__within="32' OR 1=1"))


def test_rt_rw_created_as_data_arrives(regions):
    desa = Region.objects.filter(parent_id="32.14.01").first()
    rt = region_get_or_create_rt(desa=desa, rw=3, rt=4)
    assert rt.code == f"{desa.code}.003.004" and rt.parent.code == f"{desa.code}.003"
    assert region_get_or_create_rt(desa=desa, rw=3, rt=4) == rt
    assert Region.objects.filter(code__within=desa.code, level=RegionLevel.RT).count() == 1


@pytest.mark.parametrize(
    ("raw", "dotted"),
    [
        ("3214", "32.14"),
        ("321401", "32.14.01"),
        ("3214012001", "32.14.01.2001"),
        ("32.14", "32.14"),
        ("32x", None),
        ("321", None),
    ],
)
def test_normalize_code(raw, dotted):
    assert normalize_code(raw) == dotted


def test_load_command_refuses_unknown_subtree():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("load_regions", "--only", "99.99")
    assert not Region.objects.filter(code="99.99").exists()


def test_region_children_api(regions, client):
    response = client.get("/api/v1/regions/32.14/children")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 17 and body["items"][0]["parent"]["code"] == "32.14"
    assert client.get("/api/v1/regions/abc/children").status_code == 404
