"""Area and unit scoping: the one mechanism every query of area-bound data goes through.

An Actor is the acting officer with their roles, capabilities, area (a region subtree) and
unit. A model holding area-bound data declares where its area lives and takes the scoped
manager:

    class Resident(models.Model):
        scope_region_field = "desa"          # path to a Region FK or region-code column
        scope_unit_field = None              # optional path to an org.Unit FK
        objects = ScopedManager()

Every query of such a model runs inside a scope, set once at each entry point:

    with scope(actor):                        # request middleware, API auth, field-app sync
        Resident.objects.all()                # only the actor's area
    with unscoped("task: SMS dispatch"):      # tasks, commands, public pages, nationwide checks
        Resident.objects.filter(nik=nik)      # every area, for the reason given
    Resident.objects.all()                    # outside both: ScopeError, nothing is read

Rows outside the area are "not found", not "forbidden": an officer learns nothing about other
areas from the answer. `scoped(qs, actor)` and `get_scoped` apply the same filter (`scope_q`,
the single definition) for an actor other than the one in scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Model, Q, QuerySet
from django.db.models.sql import Query

from .errors import NotAllowed, NotFound
from .permissions import capabilities_of

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

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
        """Does this actor's area contain the region with this code? For one code chosen in a
        form or named in a request; queries are filtered by the scope, not by this."""
        return code_within(region_code, self.area_code)


ANONYMOUS = Actor(user=None)


def code_within(region_code: str | None, area_code: str | None) -> bool:
    """Is the region with this code the area itself or below it? The in-Python twin of the
    `within` lookup (warga/regions/lookups.py), for codes already in hand."""
    if not area_code or not region_code:
        return False
    return region_code == area_code or region_code.startswith(area_code + ".")


def _forbidden_message() -> str:
    from django.utils.translation import gettext

    return gettext("You do not have permission for this action.")


# --- The active scope ---------------------------------------------------------------------


class ScopeError(RuntimeError):
    """An area-bound model was queried outside any scope. A programming error (the entry point
    set no scope and the code asked for no `unscoped(...)`), never an answer to a user."""


class _Scope:
    """What queries of area-bound models see: one actor's area, everything (with the reason
    given), or nothing at all (no scope: queries are refused)."""

    __slots__ = ("_actor", "_resolve", "reason", "request")

    def __init__(
        self,
        *,
        actor: Actor | None = None,
        resolve: Callable[[], Actor] | None = None,
        reason: str | None = None,
        request: bool = False,
    ) -> None:
        self._actor = actor
        self._resolve = resolve
        self.reason = reason
        self.request = request

    def actor(self) -> Actor | None:
        if self._actor is None and self._resolve is not None:
            self._actor = self._resolve()
            self._resolve = None
        return self._actor


_NO_SCOPE = _Scope()
_current: ContextVar[_Scope] = ContextVar("warga_scope", default=_NO_SCOPE)


@contextmanager
def scope(actor: Actor) -> Iterator[Actor]:
    """Queries of area-bound models inside see only `actor`'s area and unit."""
    if not isinstance(actor, Actor):
        raise TypeError(f"scope() takes an Actor, not {type(actor).__name__}")
    token = _current.set(_Scope(actor=actor, request=_current.get().request))
    try:
        yield actor
    finally:
        _current.reset(token)


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Queries of area-bound models inside see every area. `reason` says why (it is what a
    reviewer greps for): a nationwide check, a task, a command, a public page."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("unscoped() needs a reason: a non-empty string saying why")
    token = _current.set(_Scope(reason=reason, request=_current.get().request))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def no_scope() -> Iterator[None]:
    """No scope: queries of area-bound models inside are refused (whatever was active outside)."""
    token = _current.set(_NO_SCOPE)
    try:
        yield
    finally:
        _current.reset(token)


def scope_actor() -> Actor | None:
    """The actor whose scope is active; None when unscoped or outside any scope."""
    return _current.get().actor()


def unscoped_reason() -> str | None:
    """The reason of the active `unscoped(...)`, or None."""
    return _current.get().reason


def request_scope_set(actor: Actor) -> None:
    """Scope the rest of the current request to `actor`: for API authentication (bearer token,
    device token), which runs inside the request and is only known there. The request
    middleware puts the previous scope back when the request ends."""
    if not _current.get().request:
        raise RuntimeError("request_scope_set() outside a request (ScopeMiddleware)")
    _current.set(_Scope(actor=actor, request=True))


def _out_of_scope(model: type[Model]) -> ScopeError:
    return ScopeError(
        f"{model._meta.label} queried outside any scope: run it inside scope(actor) "
        'or unscoped("why") (see warga/core/scoping.py)'
    )


def _resolved_query(query: Query) -> Query:
    """The query of a queryset made outside any scope, filtered by the scope active now."""
    resolved = query.clone()
    resolved.__class__ = Query
    current = _current.get()
    if current.reason is not None:
        return resolved
    actor = current.actor()
    if actor is None:
        raise _out_of_scope(query.model)  # type: ignore[arg-type]
    resolved.add_q(scope_q(query.model, actor))  # type: ignore[arg-type]
    return resolved


class _PendingScopeQuery(Query):
    """A query of an area-bound model built outside any scope (a form's module-level queryset, a
    subquery prepared early): the scope active when it runs decides, and no scope refuses. Every
    way a query reaches the database goes through `get_compiler`, subqueries included."""

    def get_compiler(self, using: Any = None, connection: Any = None, elide_empty: bool = True) -> Any:
        return _resolved_query(self).get_compiler(using, connection, elide_empty)


class ScopedQuerySet(QuerySet[M], Generic[M]):
    """UPDATE and DELETE build queries of their own classes; apply a pending scope first."""

    def _scope_applied(self) -> ScopedQuerySet[M]:
        if not isinstance(self.query, _PendingScopeQuery):
            return self
        clone: ScopedQuerySet[M] = self._chain()  # type: ignore[attr-defined]
        clone.query = _resolved_query(self.query)
        return clone

    def update(self, **kwargs: Any) -> int:
        return super(ScopedQuerySet, self._scope_applied()).update(**kwargs)

    def _update(self, values: Any) -> Any:
        return super(ScopedQuerySet, self._scope_applied())._update(values)  # type: ignore[misc]

    def delete(self) -> tuple[int, dict[str, int]]:
        return super(ScopedQuerySet, self._scope_applied()).delete()

    def _raw_delete(self, using: Any) -> Any:
        return super(ScopedQuerySet, self._scope_applied())._raw_delete(using)


class ScopedManager(models.Manager[M]):
    """Default manager of an area-bound model: its querysets see the active scope's area
    (`scope_q`), everything inside `unscoped(...)`, and refuse to run outside any scope.

    Django reaches a row through a foreign key (`phone.resident`), saves and cascades through
    `_base_manager`, a plain manager: following a link from a row already in scope needs no
    second check. Reverse relations (`family.members`) and prefetches use this manager.
    Inserting (`create`, `bulk_create`) reads nothing and needs no scope; `get_or_create` reads
    first and does. Migrations use plain managers (`use_in_migrations` is False)."""

    def get_queryset(self) -> ScopedQuerySet[M]:
        qs: ScopedQuerySet[M] = ScopedQuerySet(model=self.model, using=self._db, hints=self._hints)  # type: ignore[attr-defined]
        current = _current.get()
        if current.reason is not None:
            return qs
        actor = current.actor()
        if actor is not None:
            return qs.filter(scope_q(self.model, actor))
        qs.query.__class__ = _PendingScopeQuery
        return qs


def is_area_bound(model: type[Model]) -> bool:
    return isinstance(model._default_manager, ScopedManager)


# --- Entry point: pages and the API --------------------------------------------------------


class ScopeMiddleware:
    """Every request runs in one scope: the signed-in officer's, or none (anonymous; a public
    page that reads area-bound data says `unscoped("public page: …")`). API authentication by
    token switches it with `request_scope_set`. A streamed response is read in the same scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = _Scope(resolve=lambda: Actor.for_user(user), request=True)
        else:
            state = _Scope(request=True)
        token = _current.set(state)
        try:
            response = self.get_response(request)
            final = _current.get()
        finally:
            _current.reset(token)
        if response.streaming and not getattr(response, "is_async", False):
            from django.http import FileResponse

            if not isinstance(response, FileResponse):
                response.streaming_content = _streamed_in(final, response.streaming_content)  # type: ignore[attr-defined]
        return response


def _streamed_in(state: _Scope, content: Any) -> Iterator[Any]:
    iterator = iter(content)
    while True:
        token = _current.set(state)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _current.reset(token)
        yield chunk


# --- Reads within an actor's scope -----------------------------------------------------------


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


def in_scope(qs: QuerySet[M], **lookup: Any) -> M:
    """The one row matching `lookup` that the active scope shows, or NotFound: what a page or an
    API operation fetches by id (the request's scope is its officer's). Marked like `get_scoped`,
    so a service given the row for the same actor does not fetch it again."""
    from django.utils.translation import gettext

    if not is_area_bound(qs.model):
        raise TypeError(f"{qs.model._meta.label} is not area-bound: use get_scoped(qs, actor, ...)")
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound(gettext("Not found."))
    actor = scope_actor()
    if actor is not None:
        obj._scoped_for = actor  # type: ignore[attr-defined]
    return obj
