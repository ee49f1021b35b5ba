"""A status file is never stuck: waiting or half-read when a worker died, it is taken up again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from warga.cards.models import KtpCard, StatusImport
from warga.cards.services import ktp_status_imports_resume

pytestmark = pytest.mark.django_db


def _queued_without_running(cast, client_for, make_resident, django_capture_on_commit_callbacks):
    resident = make_resident(status="recorded")
    content = f"nik,status,date\n{resident.nik},PRR,{timezone.localdate().isoformat()}\n".encode()
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost with the queue
        response = client_for(cast.dukcapil).post(
            "/api/v1/cards/imports", {"file": SimpleUploadedFile("s.csv", content)}
        )
    assert response.status_code == 202
    return StatusImport.objects.get(pk=response.json()["id"]), resident


def test_a_claim_of_a_dead_worker_is_taken_up_again_and_applied_once(
    cast, client_for, make_resident, django_capture_on_commit_callbacks
):
    queued, resident = _queued_without_running(
        cast, client_for, make_resident, django_capture_on_commit_callbacks
    )
    # A worker claimed it and was killed before it finished: the claim is old, the file still there.
    StatusImport.objects.filter(pk=queued.pk).update(
        state=StatusImport.State.PROCESSING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert ktp_status_imports_resume() == {"reclaimed": 1, "queued": 1}
    queued.refresh_from_db()
    assert queued.state == StatusImport.State.APPLIED and queued.changed == 1, queued.errors
    assert KtpCard.objects.get(resident=resident).status == "prr"
    assert ktp_status_imports_resume() == {"reclaimed": 0, "queued": 0}  # nothing twice


def test_a_live_claim_is_left_alone(cast, client_for, make_resident, django_capture_on_commit_callbacks):
    queued, _ = _queued_without_running(cast, client_for, make_resident, django_capture_on_commit_callbacks)
    StatusImport.objects.filter(pk=queued.pk).update(
        state=StatusImport.State.PROCESSING, claimed_at=timezone.now() - timedelta(seconds=30)
    )
    assert ktp_status_imports_resume() == {"reclaimed": 0, "queued": 0}
    queued.refresh_from_db()
    assert queued.state == StatusImport.State.PROCESSING


def test_a_file_whose_task_was_lost_is_queued_again(
    cast, client_for, make_resident, django_capture_on_commit_callbacks
):
    queued, resident = _queued_without_running(
        cast, client_for, make_resident, django_capture_on_commit_callbacks
    )
    assert ktp_status_imports_resume() == {"reclaimed": 0, "queued": 0}  # just queued: give it time
    later = timezone.now() + timedelta(minutes=3)
    assert ktp_status_imports_resume(now=later) == {"reclaimed": 0, "queued": 1}
    queued.refresh_from_db()
    assert queued.state == StatusImport.State.APPLIED
    assert KtpCard.objects.get(resident=resident).status == "prr"
