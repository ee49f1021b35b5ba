"""Deploy check: the role the application connects as must not be able to switch off the audit
log's triggers (it may neither own the table nor be a superuser)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError, connection


def audit_role_problem() -> str | None:
    """Why the current database role could tamper with the audit table, or None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, c.relowner, 'USAGE'), r.rolsuper FROM pg_class c"
            " JOIN pg_roles r ON r.rolname = current_user"
            " WHERE c.relname = 'audit_auditlog' AND c.relkind = 'r'"
            " AND pg_table_is_visible(c.oid)"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT current_user")
        user = cursor.fetchone()[0]
    if row is None:
        return None  # not migrated yet
    owns, is_superuser = row
    if is_superuser:
        return f"the database role {user!r} is a superuser"
    if owns:
        return f"the database role {user!r} owns the audit table (or acts as its owner)"
    return None


@register(deploy=True)
def audit_role_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    try:
        problem = audit_role_problem()
    except DatabaseError:
        return []  # no database to ask: other checks and `migrate` will say so
    if problem is None:
        return []
    return [
        Warning(
            f"The audit log can be tampered with: {problem}, so it can disable the audit triggers.",
            hint="Run migrations as the owner role and the application as a role that owns nothing "
            "(README, 'Database roles').",
            id="audit.W001",
        )
    ]
