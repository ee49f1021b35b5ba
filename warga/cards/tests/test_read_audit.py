"""Opening a resident's KTP-el record is one read in the audit log, on the page and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warga.audit.models import AuditLog
from warga.cards.models import KtpStatus

pytestmark = pytest.mark.django_db


def reads_of(resident) -> list[str]:
    return list(
        AuditLog.objects.filter(object_type="registry.resident", object_id=str(resident.pk)).values_list(
            "action", flat=True
        )
    )


@pytest.mark.parametrize("where", ["page", "api"])
def test_opening_a_card_record_writes_one_read(cast, client_for, make_resident, where):
    resident = make_resident(status=KtpStatus.PRR)
    assert reads_of(resident) == []
    url = (
        reverse("cards:resident", args=[resident.pk])
        if where == "page"
        else f"/api/v1/cards/residents/{resident.pk}/status"
    )
    response = client_for(cast.kec_officer).get(url)
    assert response.status_code == 200
    assert reads_of(resident) == ["registry.resident.ktp_view"]
    entry = AuditLog.objects.get(object_type="registry.resident", object_id=str(resident.pk))
    assert entry.actor == cast.kec_officer


def test_a_record_outside_the_area_is_not_found_and_not_logged(cast, client_for, make_resident):
    resident = make_resident(status=KtpStatus.PRR, desa=cast.other_desa)
    assert client_for(cast.kec_officer).get(reverse("cards:resident", args=[resident.pk])).status_code == 404
    assert reads_of(resident) == []
