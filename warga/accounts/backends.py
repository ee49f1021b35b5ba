"""How a signed-in officer's account is loaded on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .models import role_rows

#: This module's backend, as sessions store it.
STAFF_BACKEND = "warga.accounts.backends.StaffBackend"


class StaffBackend(ModelBackend):
    """Django's model backend (username and password, `is_active`), except that a session's
    account is read with its unit and its roles in one statement (a row per role), instead of
    three: every officer's request needs all three (scope, side of the desk, capabilities)."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        rows = list(model._default_manager.select_related("unit").filter(pk=user_id).annotate(**role_rows()))
        if not rows:
            return None
        user = rows[0]
        user.roles_from_rows(rows)
        return user if self.user_can_authenticate(user) else None
