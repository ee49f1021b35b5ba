"""A process attaching a scan is killed (SIGKILL) after the scan is written to storage and before
the transaction that records it commits: nothing of the attachment is recorded, its file is left
behind, and the orphan sweep removes that file once it is a day old, and nothing else.

The child is a real Warga process on the test database (`manage.py shell` with the production
settings) calling the service the scan station page calls, inside a transaction it holds open:
the marker it prints says the file is written and the commit is still to come."""

from __future__ import annotations

import os
import re
import time

import pytest
from django.core.files.storage import default_storage

from warga.applications.models import Application, Attachment
from warga.applications.services import orphan_scans_sweep
from warga.audit.models import AuditLog
from warga.messaging.testing.processes import ManagedProcess, process_env

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

# Run by the child: an officer's scan for the "kk" item of the application, through the service
# the scan station page calls (in that officer's scope, as a request of theirs would be), inside a
# transaction that is still open when the marker line is printed.
CHILD = """
import sys, time
from django.conf import settings
from django.db import transaction
from warga.accounts.models import User
from warga.applications.services import document_attach
from warga.core.scoping import Actor, scope, unscoped

with unscoped("test child: the officer who attaches"):
    actor = Actor.for_user(User.objects.get(pk={user}))
with open({scan!r}, "rb") as scan:
    content = scan.read()
with scope(actor), transaction.atomic():
    attachment = document_attach(
        actor=actor, application_id={application}, requirement="kk", content=content
    )
    print("media-root", settings.MEDIA_ROOT, flush=True)
    print("stored-uncommitted", attachment.file.name, flush=True)
    time.sleep(600)
print("committed", flush=True)
"""
MARKER = re.compile(r"^stored-uncommitted (\S+)$", re.MULTILINE)


def _age(name: str, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(default_storage.path(name), (past, past))


def _stored(folder: str) -> set[str]:
    _dirs, files = default_storage.listdir(folder)
    return {f"{folder}/{name}" for name in files}


def _snapshot(app: Application) -> tuple[dict, list[dict], int]:
    """The application's row, its attachments and the number of audit entries."""
    return (
        Application.objects.filter(pk=app.pk).values().get(),
        list(Attachment.objects.filter(application=app).order_by("pk").values()),
        AuditLog.objects.count(),
    )


def test_scan_left_by_a_killed_process_is_swept_and_nothing_else(flow, cast, tmp_path, settings):
    # The child's files go under its WARGA_DATA_DIR; this test reads the same folder.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings.MEDIA_ROOT = data_dir / "media"

    app = flow.submit()
    flow.attach_all(app)
    referenced = {a.file.name for a in Attachment.objects.filter(application=app)}
    before = _snapshot(app)
    scan = pdf_bytes(pages=2)
    scan_path = tmp_path / "scan.pdf"
    scan_path.write_bytes(scan)

    script = CHILD.format(user=cast.kec_officer.pk, application=app.pk, scan=str(scan_path))
    child = ManagedProcess(
        ["shell", "-c", script],
        process_env(WARGA_DATA_DIR=str(data_dir)),
        tmp_path / "child.log",
    )
    try:
        found = child.wait_for_line(MARKER, "the child writes the scan")
        orphan = found.group(1)
        assert f"media-root {settings.MEDIA_ROOT}" in child.log()
        # The window: the file is in storage, the attachment not visible, the transaction open.
        assert default_storage.exists(orphan)
        assert not Attachment.objects.filter(file=orphan).exists()
        assert child.alive()

        child.kill_hard()
    finally:
        child.stop()
    assert not re.search(r"^committed$", child.log(), re.MULTILINE)

    # Rolled back: no attachment, no audit entry, the application and its scans as they were.
    assert not Attachment.objects.filter(file=orphan).exists()
    assert _snapshot(app) == before
    # The scan's file is left behind, whole, beside the recorded ones.
    folder = orphan.rsplit("/", 1)[0]
    assert _stored(folder) == referenced | {orphan}
    with default_storage.open(orphan) as left:
        assert left.read() == scan

    # Fresh, it is kept (it could be a transaction still running); a day old, it is swept.
    assert orphan_scans_sweep() == 0
    for name in [orphan, *referenced]:
        _age(name, 30)
    assert orphan_scans_sweep() == 1
    assert _stored(folder) == referenced
    assert orphan_scans_sweep() == 0
    assert _snapshot(app) == before
