"""A process applying a phone's sync batch is killed (SIGKILL) after every record of the batch is
written and before its transaction commits: nothing of the batch is stored, the phone's device
row is not left locked, and the phone's resend applies every record once.

The child is a real Warga process on the test database (`manage.py shell` with the production
settings) calling the service the sync API calls, for the phone's officer, and stopped inside the
batch's own transaction (it opens none itself): the marker it prints says the ledger rows, the
last write for these records, are in and the commit is still to come."""

from __future__ import annotations

import json
import re

import pytest
from django.db import DatabaseError, transaction

from warga.audit.models import AuditLog
from warga.cards.models import KtpCard, KtpTransition, RecordingEvent
from warga.messaging.testing.processes import ManagedProcess, process_env, wait_for
from warga.outreach.models import Device, SyncRecord, Target, TargetKind
from warga.outreach.services import event_targets_build
from warga.outreach.sync import PHONE_BATCH

pytestmark = pytest.mark.django_db(transaction=True)

# Run by the child: the phone's batch through the service the sync API calls, for the phone's
# officer, with nothing around it: the batch's own transaction is the only one. The ledger rows are
# the last write for these records; once they are in, the child says so and waits, its transaction open.
CHILD = """
import json, time
from warga.core.scoping import Actor, scope, unscoped
from warga.outreach.models import Device, SyncRecord
from warga.outreach.sync import RecordIn, sync_batch

ledger = SyncRecord.objects
write_ledger = ledger.bulk_create

def write_and_wait(rows, *args, **kwargs):
    written = write_ledger(rows, *args, **kwargs)
    print("applied-uncommitted", len(written), flush=True)
    time.sleep(600)
    return written

ledger.bulk_create = write_and_wait
with unscoped("test child: the phone whose batch is applied"):
    device = Device.objects.select_related("user").get(pk={device})
    actor = Actor.for_user(device.user)
with open({records!r}) as fh:
    records = [RecordIn(**r) for r in json.load(fh)]
with scope(actor):
    sync_batch(device=device, assignment_id={assignment!r}, sent_at=None, records=records)
print("committed", flush=True)
"""
MARKER = re.compile(r"^applied-uncommitted (\d+)$", re.MULTILINE)


def _stored() -> tuple[int, ...]:
    return (
        SyncRecord.objects.count(),
        RecordingEvent.objects.count(),
        KtpCard.objects.count(),
        KtpTransition.objects.count(),
        AuditLog.objects.filter(action="cards.recording.create").count(),
        Target.objects.filter(kind=TargetKind.KTP_RECORDING, served_at__isnull=False).count(),
    )


def _lockable(device_pk: int) -> bool:
    """Whether the device row can be locked now, without waiting."""
    try:
        with transaction.atomic():
            rows = Device.objects.select_for_update(nowait=True).filter(pk=device_pk)
            return list(rows.values_list("pk", flat=True)) == [device_pk]
    except DatabaseError:
        return False


def test_a_batch_killed_before_its_commit_leaves_nothing_and_is_applied_once_on_resend(
    cast, event, phone, make_resident, tmp_path
):
    residents = [make_resident(age=20 + i) for i in range(PHONE_BATCH)]
    event_targets_build(actor=cast.actor(cast.dukcapil), event=event)
    phone.download(event)
    records = [phone.record("ktp_recording", {"resident": r.pk, "equipment": "KIT-01"}) for r in residents]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records))
    before = _stored()
    assert before == (0, 0, 0, 0, 0, 0)

    script = CHILD.format(device=phone.device.pk, records=str(path), assignment=phone.assignment)
    child = ManagedProcess(["shell", "-c", script], process_env(), tmp_path / "child.log")
    try:
        found = child.wait_for_line(MARKER, "the child applies the batch")
        assert int(found.group(1)) == PHONE_BATCH  # every record applied, the commit still to come
        assert _stored() == before  # nothing is visible outside the child's transaction
        assert child.alive()

        child.kill_hard()
    finally:
        child.stop()
    assert not re.search(r"^committed$", child.log(), re.MULTILINE)

    # Nothing of the batch is stored, and the device row the batch locked is free again.
    assert _stored() == before
    wait_for(lambda: _lockable(phone.device.pk), 10, "the killed batch's lock is released")

    # The phone never got an answer, so it sends the batch again: every record applied once.
    response = phone.sync(records)
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["accepted"] * PHONE_BATCH
    assert _stored() == (PHONE_BATCH,) * 6
    assert sorted(RecordingEvent.objects.values_list("resident_id", flat=True)) == sorted(
        r.pk for r in residents
    )
    # And once more: answered from the ledger, nothing applied twice.
    again = phone.sync(records)
    assert [r["status"] for r in again.json()["results"]] == ["already_received"] * PHONE_BATCH
    assert _stored() == (PHONE_BATCH,) * 6
