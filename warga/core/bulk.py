"""Rows inserted in bulk that must look, to the rest of the code, as if saved one by one."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, router
from django.db.models.signals import post_save


def bulk_saved(model: type[models.Model], rows: Iterable[models.Model]) -> None:
    """Send `post_save` (created) for rows `bulk_create` inserted, as `objects.create()` would
    have one by one: receivers that react to a new row (the statistics' refresh on commit) see
    the same rows whichever way they were written. Nothing is sent when nobody listens."""
    if not post_save.has_listeners(model):
        return
    using = router.db_for_write(model)
    for row in rows:
        post_save.send(sender=model, instance=row, created=True, update_fields=None, raw=False, using=using)
