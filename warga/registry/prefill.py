"""Initial values for a life-event form handed over by another app (the task of a reported death
or birth): kept in the session, never in the URL, for one form and one record, taken once by the
form's first display. Only the fields listed here; the officer still checks and submits the
form, so nothing reaches the register without it."""

from __future__ import annotations

from typing import Any

SESSION_KEY = "registry.event_prefill"
FIELDS = {
    "death": ("event_ref", "reporter", "place"),
    "birth": ("event_ref", "reporter", "birth_place"),
}


def event_prefill_put(session: Any, *, form: str, pk: int, initial: dict[str, str]) -> None:
    allowed = FIELDS[form]
    session[SESSION_KEY] = {
        "form": form,
        "pk": int(pk),
        "initial": {k: str(v)[:200] for k, v in initial.items() if k in allowed and v},
    }


def event_prefill_take(session: Any, *, form: str, pk: int) -> dict[str, str]:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("form") != form or stored.get("pk") != pk:
        return {}
    del session[SESSION_KEY]
    initial = stored.get("initial") or {}
    return {k: str(v) for k, v in initial.items() if k in FIELDS[form]}
