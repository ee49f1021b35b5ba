import pytest

from warga.applications.models import Status

pytestmark = pytest.mark.django_db


def test_birth_flow_end_to_end(flow):
    app = flow.to("handed_over")
    assert app.status == Status.HANDED_OVER
    assert app.effect_result["resident_id"]
    child = flow.household.family.members.get(pk=app.effect_result["resident_id"])
    assert child.full_name == "Putri Ayu Lestari"
