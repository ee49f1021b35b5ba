from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, register
from django.urls import URLPattern, URLResolver, get_resolver

from .permissions import access_of, declared_uses, is_declared


@register(deploy=True)
def warga_deploy_checks(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[Error]:
    problems = []
    if settings.SMS_GATEWAY == "kannel" and not settings.KANNEL_CALLBACK_SECRET:
        problems.append(Error("KANNEL_CALLBACK_SECRET must be set when SMS_GATEWAY=kannel.", id="warga.E001"))
    return problems


# --- Declared access (see warga.core.permissions) ----------------------------------------------

# Routes mounted from elsewhere: the API (checked per operation) and Django's optional admin.
UNDECLARED_PREFIXES = ("api/v1/", "admin/")


def page_routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    """(route, name, view) for every page in a URL configuration, API and admin left out."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(UNDECLARED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from page_routes(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, namespace + (entry.name or ""), entry.callback


def undeclared_routes(resolver: URLResolver | None = None) -> list[str]:
    return [route for route, _name, view in page_routes(resolver) if access_of(view) is None]


def undeclared_operations(api: Any) -> list[str]:
    from .api_schema import api_operations

    return [f"{method} {path}" for path, method, op in api_operations(api) if access_of(op.view_func) is None]


# Calls whose first string argument is a capability name.
_CAPABILITY_CALLS = {"require", "can", "requires", "roles_with", "_actor", "_need"}


def capability_literals(root: Path) -> Iterator[tuple[str, str]]:
    """(capability, file:line) for every string literal handed to require/can/requires/roles_with
    (and to helpers named like them)."""
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in _CAPABILITY_CALLS:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                    yield arg.value, f"{path.relative_to(root.parent)}:{node.lineno}"


def undeclared_capabilities(root: Path | None = None) -> list[tuple[str, str]]:
    from .home import _PANELS as home_panels
    from .nav import _ITEMS as nav_items

    root = root or Path(__file__).resolve().parent.parent
    uses = [*declared_uses(), *capability_literals(root)]
    uses += [(item.capability, f"nav item {item.url_name}") for item in nav_items if item.capability]
    uses += [(panel.capability, f"home panel {panel.template}") for panel in home_panels if panel.capability]
    return sorted({(cap, where) for cap, where in uses if not is_declared(cap)})


@register()
def warga_access_checks(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[Error]:
    from warga.api import api

    problems = [
        Error(
            f"Page {route} declares no access.",
            hint="Add @requires(...), @login_only or @public.",
            id="warga.E010",
        )
        for route in undeclared_routes()
    ]
    problems += [
        Error(
            f"API operation {op} declares no access.",
            hint="Add @requires(...), @login_only or @public.",
            id="warga.E011",
        )
        for op in undeclared_operations(api)
    ]
    problems += [
        Error(f"Capability {cap!r} ({where}) is declared by no capabilities.py.", id="warga.E012")
        for cap, where in undeclared_capabilities()
    ]
    return problems
