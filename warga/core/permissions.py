"""Roles and capabilities.

A role is what a person is (kecamatan verifier); a capability is what the code checks
(`applications.verify`). Each app declares the capabilities it checks and which roles hold
them in its own `capabilities.py`, by calling `grant()`; the table is collected at start-up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .scoping import Actor


class Role(models.TextChoices):
    DESA_OPERATOR = "desa_operator", _("Desa/kelurahan operator")
    KECAMATAN_COUNTER = "kecamatan_counter", _("Kecamatan counter officer")
    KECAMATAN_VERIFIER = "kecamatan_verifier", _("Kecamatan verifier")
    DISDUKCAPIL_VERIFIER = "disdukcapil_verifier", _("Disdukcapil verifier")
    PRINTING_OPERATOR = "printing_operator", _("Printing operator")
    DISDUKCAPIL_HEAD = "disdukcapil_head", _("Head of Disdukcapil")
    OUTREACH_OFFICER = "outreach_officer", _("Outreach officer")
    PPID_OFFICER = "ppid_officer", _("PPID utama (main information officer)")
    PPID_PEMBANTU = "ppid_pembantu", _("PPID pembantu (a unit's information officer)")
    PPID_ATASAN = "ppid_atasan", _("Atasan PPID (decides objections)")
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")
    CALL_TAKER = "call_taker", _("112 call-taker")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    AGENCY_HEAD = "agency_head", _("Agency head")
    REGIONAL_VIEWER = "regional_viewer", _("Regional head (viewer)")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


F = TypeVar("F", bound=Callable[..., Any])

_GRANTS: dict[str, set[str]] = defaultdict(set)
_DESCRIPTIONS: dict[str, str] = {}


def grant(capability: str, *roles: str, description: str = "") -> str:
    """Declare a capability and the roles that hold it. Returns the capability name."""
    _GRANTS[capability].update(roles)
    if description:
        _DESCRIPTIONS[capability] = description
    return capability


def capabilities_of(roles: set[str] | frozenset[str]) -> frozenset[str]:
    return frozenset(cap for cap, holders in _GRANTS.items() if holders & roles)


def roles_with(capability: str) -> frozenset[str]:
    return frozenset(_GRANTS.get(capability, set()))


def all_capabilities() -> dict[str, frozenset[str]]:
    return {cap: frozenset(roles) for cap, roles in sorted(_GRANTS.items())}


# --- Declared access: every page and API operation says what it needs ---------------------------
#
#   @requires("cards.view")          logged in and holding the capability (or any of several)
#   @login_only                      any logged-in officer
#   @public                          anybody, also anonymous
#
# On a page the decorator also enforces it: anonymous → login redirect, lacking the capability
# → 403; the view reads the officer let in with `page_actor(request)` and shows a service's
# refusal with `warga.core.pages.service_errors`. On a django-ninja operation (a function in an app's api.py) it only declares;
# `warga.core.api_schema.enforce_access` makes the API check it before the body is read
# (anonymous → 401, lacking → 403). Put it outermost on pages (above `require_POST`), right
# below `@router.<method>(…)` on operations. Every route must carry one (system check
# warga.E010/E011) and every capability named must be declared by some capabilities.py
# (warga.E012). The permission grid test derives each role's expected answer from these.

ACCESS_ATTR = "warga_access"


@dataclass(frozen=True)
class Access:
    capabilities: tuple[str, ...] = ()  # any one of them suffices; empty: login only
    also: tuple[str, ...] = ()  # ...and every one of these too
    public: bool = False
    ok: int = 200  # what a permitted GET answers (a page that always redirects declares 302)

    @property
    def login_only(self) -> bool:
        return not self.public and not self.capabilities

    def allows(self, capabilities: frozenset[str]) -> bool:
        if self.capabilities and not any(c in capabilities for c in self.capabilities):
            return False
        return all(c in capabilities for c in self.also)

    def describe(self) -> str:
        if self.public:
            return "public"
        needed = " | ".join(self.capabilities) or "login"
        return " & ".join([needed, *self.also]) if self.also else needed


# (capability, where) for every capability named in a declaration; checked at start-up.
_USES: list[tuple[str, str]] = []


def _where(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _declare(access: Access) -> Callable[[F], F]:
    def decorator(func: F) -> F:
        for capability in (*access.capabilities, *access.also):
            _USES.append((capability, _where(func)))
        if func.__module__.rsplit(".", 1)[-1] == "api":
            # django-ninja resolves the handler's annotations in its own module: mark, don't wrap.
            setattr(func, ACCESS_ATTR, access)
            return func
        wrapped = _page(func, access)
        setattr(wrapped, ACCESS_ATTR, access)
        return cast(F, wrapped)

    return decorator


def _page(view: Callable[..., Any], access: Access) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from .errors import NotAllowed, NotFound

        if not access.public:
            from django.contrib.auth.views import redirect_to_login

            from .scoping import Actor

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = Actor.for_user(request.user)
            if not access.allows(actor.capabilities):
                raise PermissionDenied
            request.actor = actor  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:  # outside the actor's scope: not found, never "forbidden"
            raise Http404 from exc
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapped


def page_actor(request: HttpRequest) -> Actor:
    """The officer a page declared with `@requires` or `@login_only` let in."""
    return cast("Actor", request.actor)  # type: ignore[attr-defined]


def requires(*capabilities: str, also: tuple[str, ...] = (), ok: int = 200) -> Callable[[F], F]:
    """The route needs one of these capabilities, and all of `also` (each declared in some app's
    capabilities.py): `@requires("registry.view", also=("cards.view",))`."""
    if not capabilities:
        raise TypeError("requires() needs at least one capability; use @login_only for none")
    return _declare(Access(capabilities=tuple(capabilities), also=tuple(also), ok=ok))


def login_only(func: F | None = None, *, ok: int = 200) -> Any:
    """Any logged-in officer may use the route; what they see is scoped inside."""
    decorator = _declare(Access(ok=ok))
    return decorator(func) if func is not None else decorator


def public(func: F | None = None, *, ok: int = 200) -> Any:
    """Anybody may use the route, also without logging in."""
    decorator = _declare(Access(public=True, ok=ok))
    return decorator(func) if func is not None else decorator


def access_of(view: Any) -> Access | None:
    """The access declared on a view or operation handler (through any wrapping decorators)."""
    seen = 0
    while view is not None and seen < 20:
        access = getattr(view, ACCESS_ATTR, None)
        if isinstance(access, Access):
            return access
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


def is_declared(capability: str) -> bool:
    return capability in _GRANTS


def declared_uses() -> list[tuple[str, str]]:
    return list(_USES)
