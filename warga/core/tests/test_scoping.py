"""Enforced scoping: area-bound models refuse to be read outside a scope, see only the actor's
area inside `scope(actor)`, everything inside `unscoped(reason)`; pages and the API set the
signed-in officer's scope by themselves."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Count, Exists, OuterRef

from warga.accounts.models import ApiToken
from warga.core.scoping import (
    ScopedManager,
    ScopeError,
    no_scope,
    scope,
    scope_actor,
    scope_q,
    unscoped,
    unscoped_reason,
)
from warga.registry.models import Family, Phone, Resident
from warga.registry.tests.conftest import make_household

pytestmark = pytest.mark.django_db

# Models that declare a scope for selectors but are not area-bound data: the organisation tree
# is reference data every officer names (routing a report to an OPD, choosing an office).
NOT_AREA_BOUND = {"org.Unit"}


@pytest.fixture
def two_households(cast):
    registrar = cast.actor(cast.dukcapil)
    here = make_household(registrar, cast.desa)
    there = make_household(
        registrar, cast.other_desa, serial=50, names=("Dedi Kurniawan", "Euis Suryani", "Rizky Ramadhan")
    )
    return here, there


def test_every_model_declaring_a_scope_has_the_scoped_manager():
    declared = {
        m._meta.label
        for m in apps.get_models()
        if getattr(m, "scope_region_field", None) or getattr(m, "scope_unit_field", None)
    }
    enforced = {m._meta.label for m in apps.get_models() if isinstance(m._default_manager, ScopedManager)}
    assert declared - NOT_AREA_BOUND == enforced
    assert "registry.Resident" in enforced


def test_query_outside_any_scope_raises_naming_the_model(two_households):
    with no_scope():
        with pytest.raises(ScopeError, match=r"registry\.Resident"):
            list(Resident.objects.all())
        with pytest.raises(ScopeError):
            Resident.objects.count()
        with pytest.raises(ScopeError):
            Resident.objects.filter(full_name__startswith="B").exists()
        with pytest.raises(ScopeError):
            Resident.objects.get(pk=two_households[0].head.pk)
        with pytest.raises(ScopeError):
            Resident.objects.update(occupation="x")
        with pytest.raises(ScopeError):
            Phone.objects.all().delete()
        # As a subquery of a model that is not area-bound, too.
        with pytest.raises(ScopeError, match=r"registry\.Resident"):
            ApiToken.objects.filter(user_id__in=Resident.objects.values("pk")).count()
        # Reverse relations use the scoped manager.
        with pytest.raises(ScopeError):
            list(two_households[0].family.members.all())
    assert Resident.objects.filter(occupation="x").count() == 0


def test_following_a_foreign_key_needs_no_scope(two_households):
    phone_free_resident = two_households[0].head
    with no_scope():
        # Django reaches linked rows through the plain base manager.
        assert phone_free_resident.family.pk == two_households[0].family.pk


def test_inside_an_actor_scope_rows_outside_the_area_are_invisible(cast, two_households):
    here, there = two_households
    officer = cast.actor(cast.kec_officer)
    with scope(officer):
        assert scope_actor() is officer
        names = set(Resident.objects.values_list("full_name", flat=True))
        assert "Budi Santoso" in names and "Dedi Kurniawan" not in names
        assert not Resident.objects.filter(pk=there.head.pk).exists()
        assert Family.objects.filter(pk=there.family.pk).count() == 0
        assert Resident.objects.filter(pk__in=[here.head.pk, there.head.pk]).count() == 1
        # Updates and deletes reach only the area too.
        assert Resident.objects.filter(pk=there.head.pk).update(occupation="x") == 0
        # Subqueries and aggregates are filtered.
        assert not Family.objects.filter(
            Exists(Resident.objects.filter(family=OuterRef("pk"), full_name="Dedi Kurniawan"))
        ).exists()
        counts = dict(Family.objects.annotate(n=Count("members")).values_list("pk", "n"))
        assert set(counts) == {here.family.pk}
        # The same filter as the single definition, scope_q.
        expected = set(
            Resident.objects.model._base_manager.filter(scope_q(Resident, officer)).values_list(
                "pk", flat=True
            )
        )
        assert set(Resident.objects.values_list("pk", flat=True)) == expected
    with scope(cast.actor(cast.dukcapil)):  # the whole kabupaten
        assert Resident.objects.filter(pk__in=[here.head.pk, there.head.pk]).count() == 2


def test_a_queryset_made_outside_any_scope_follows_the_scope_it_runs_in(cast, two_households):
    with no_scope():
        early = Resident.objects.filter(full_name__in=["Budi Santoso", "Dedi Kurniawan"])
    with scope(cast.actor(cast.kec_officer)):
        assert list(early.values_list("full_name", flat=True)) == ["Budi Santoso"]
    with unscoped("test: both areas"):
        assert early.count() == 2
    with no_scope(), pytest.raises(ScopeError):
        early.count()


def test_unscoped_needs_a_reason_and_sees_every_area(two_households):
    with pytest.raises(ValueError), unscoped(""):
        pass
    with pytest.raises(ValueError), unscoped("   "):
        pass
    with no_scope(), unscoped("test: nationwide NIK check"):
        assert unscoped_reason() == "test: nationwide NIK check"
        assert Resident.objects.filter(pk__in=[h.head.pk for h in two_households]).count() == 2


def test_anonymous_actor_scope_sees_nothing(cast, two_households):
    with scope(cast.actor(None)):
        assert Resident.objects.count() == 0


def test_pages_and_api_see_only_the_officers_area(cast, client_for, two_households):
    """Through the request middleware and the API authentication, whatever scope the caller had."""
    here, there = two_households
    client = client_for(cast.kec_officer)
    with no_scope():
        assert client.get(f"/registry/residents/{here.head.pk}/").status_code == 200
        assert client.get(f"/registry/residents/{there.head.pk}/").status_code == 404
        assert client.get(f"/api/v1/residents/{here.head.pk}").status_code == 200
        assert client.get(f"/api/v1/residents/{there.head.pk}").status_code == 404
    # A bearer token scopes the operation to its officer.
    from warga.accounts.services import api_token_create

    _, raw = api_token_create(actor=cast.actor(cast.kec_officer), owner=cast.kec_officer, name="t")
    from django.test import Client

    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with no_scope():
        assert bearer.get(f"/api/v1/residents/{here.head.pk}").status_code == 200
        assert bearer.get(f"/api/v1/residents/{there.head.pk}").status_code == 404


def test_anonymous_request_runs_without_scope_even_inside_one(cast, client_for, two_households):
    """The middleware replaces whatever scope the caller had: an anonymous page gets none."""
    from django.test import Client

    with scope(cast.actor(cast.dukcapil)):
        response = Client().get(f"/registry/residents/{two_households[0].head.pk}/")
    assert response.status_code == 302  # to the login page, nothing read
