"""A scan written to storage by a transaction that rolled back (or a killed process) is swept
once it is a day old; a scan an attachment points to, or a fresh one, is kept."""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from warga.applications.models import Attachment
from warga.applications.services import orphan_scans_sweep

pytestmark = pytest.mark.django_db


def _age(name: str, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(default_storage.path(name), (past, past))


def test_orphans_older_than_a_day_are_removed_and_nothing_else(flow):
    app = flow.submit()
    flow.attach_all(app)
    referenced = [a.file.name for a in Attachment.objects.filter(application=app)]
    folder = f"applications/{timezone.localdate():%Y/%m}"
    orphan = default_storage.save(f"{folder}/left-by-a-rollback.png", ContentFile(b"x"))
    fresh = default_storage.save(f"{folder}/being-recorded-now.png", ContentFile(b"x"))
    for name in [orphan, *referenced]:
        _age(name, 30)
    assert orphan_scans_sweep() == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)
    assert all(default_storage.exists(name) for name in referenced)
    assert orphan_scans_sweep() == 0
