"""A field-app photo declaring billions of pixels is refused when its last chunk arrives."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from warga.core.tests.bombs import png_bomb
from warga.outreach.models import PhotoUpload, UploadStatus

pytestmark = pytest.mark.django_db


def test_pixel_bomb_photo_is_rejected_with_a_clear_reason(phone):
    data = png_bomb()
    pid = str(uuid.uuid4())
    phone.post("/uploads", {"id": pid, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    answer = None
    for offset in range(0, len(data), 16_000):
        answer = phone.put_bytes(f"/uploads/{pid}?offset={offset}", data[offset : offset + 16_000])
        assert answer.status_code == 200, answer.content
    assert answer is not None
    body = answer.json()
    assert body["status"] == UploadStatus.REJECTED and "megapiksel" in body["reason"]
    assert PhotoUpload.objects.get().status == UploadStatus.REJECTED
