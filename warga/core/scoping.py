"""Area and unit scoping: the one mechanism every officer query goes through.

An Actor is the acting officer with their roles, capabilities, area (a region subtree) and
unit. `scoped(qs, actor)` filters any queryset whose model declares where its area lives:

    class Resident(models.Model):
        scope_region_field = "desa"          # path to a Region FK or region-code column
        scope_unit_field = None              # optional path to an org.Unit FK

Selectors call `scoped()` before anything else, so forgetting the filter means forgetting
the selector. Rows outside the area are "not found", not "forbidden": an officer learns
nothing about other areas from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from .errors import NotAllowed, NotFound
from .permissions import capabilities_of

if TYPE_CHECKING:
    from warga.accounts.models import User
    from warga.org.models import Unit

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Actor:
    user: User | None
    roles: frozenset[str] = frozenset()
    area_code: str | None = None
    unit_id: int | None = None
    capabilities: frozenset[str] = field(default=frozenset())
    # Units whose rows this actor sees besides the area filter (an OPD sees what is routed to it).
    unit_wide: bool = False

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return ANONYMOUS
        cached: Actor | None = getattr(user, "_warga_actor", None)
        if cached is not None:
            return cached
        roles = frozenset(user.role_codes())
        actor = cls(
            user=user,
            roles=roles,
            area_code=user.area_id,
            unit_id=user.unit_id,
            capabilities=capabilities_of(roles),
        )
        user._warga_actor = actor
        return actor

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def id(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def unit(self) -> Unit | None:
        return self.user.unit if self.user else None

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise NotAllowed(_forbidden_message())

    def covers(self, region_code: str | None) -> bool:
        """Does this actor's area contain the region with this code?"""
        if not self.area_code or not region_code:
            return False
        return region_code == self.area_code or region_code.startswith(self.area_code + ".")


ANONYMOUS = Actor(user=None)


def _forbidden_message() -> str:
    from django.utils.translation import gettext

    return gettext("You do not have permission for this action.")


def scope_q(model: type[Model], actor: Actor) -> Q:
    region_field = getattr(model, "scope_region_field", None)
    unit_field = getattr(model, "scope_unit_field", None)
    if region_field is None and unit_field is None:
        raise TypeError(f"{model.__name__} declares no scope_region_field/scope_unit_field")
    if not actor.is_authenticated:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    if region_field and actor.area_code:
        q |= Q(**{f"{region_field}__within": actor.area_code})
    if unit_field and actor.unit_id:
        q |= Q(**{unit_field: actor.unit_id})
    return q


def scoped(qs: QuerySet[M], actor: Actor) -> QuerySet[M]:
    return qs.filter(scope_q(qs.model, actor))


def get_scoped(qs: QuerySet[M], actor: Actor, **lookup: Any) -> M:
    """Fetch one row inside the actor's scope, or raise NotFound (never reveals rows outside)."""
    from django.utils.translation import gettext

    obj = scoped(qs, actor).filter(**lookup).first()
    if obj is None:
        raise NotFound(gettext("Not found."))
    obj._scoped_for = actor  # type: ignore[attr-defined]
    return obj


def rescoped(obj: M, actor: Actor) -> M:
    """`obj` as `actor` may see it: as given when it was fetched by `get_scoped` for this same
    actor (a service called by another that already checked), else fetched again within scope.
    Services that lock the row fetch it themselves; this is for plain reads."""
    if getattr(obj, "_scoped_for", None) is actor:
        return obj
    return get_scoped(type(obj)._default_manager.all(), actor, pk=obj.pk)
