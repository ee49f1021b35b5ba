"""The facts of the regions an event touched, recomputed in the background after it commits."""

from __future__ import annotations

from datetime import date

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=60)
def facts_refresh_task(domain: str, day: str, region_codes: list[str]) -> None:
    """Recompute `domain`'s facts of `day` for these regions (and the levels above them). Lost
    or failed for good, tonight's rebuild recomputes the day anyway."""
    from django.core.cache import cache

    from .services import facts_refresh, refresh_marker

    on = date.fromisoformat(day)
    # Started: an event from now on queues a refresh of its own (this one may not see it).
    cache.delete_many([refresh_marker(domain, on, code) for code in region_codes])
    facts_refresh(domain=domain, day=on, region_codes=region_codes)
