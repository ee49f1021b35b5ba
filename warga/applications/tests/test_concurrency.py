"""Two Disdukcapil verifiers take the same file at the same moment: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from warga.accounts.services import staff_create
from warga.applications.models import Application, ApplicationEvent, Status
from warga.applications.services import application_transition
from warga.core.errors import Conflict
from warga.core.permissions import Role
from warga.core.scoping import scope


@pytest.mark.django_db(transaction=True)
def test_two_verifiers_claim_one_file(cast, flow):
    app = flow.to("sent")
    second = staff_create(
        actor=None,
        username="dukcapil2",
        password="x-password-123",
        full_name="Verifikator Dua",
        roles=[Role.DISDUKCAPIL_VERIFIER],
        unit_id=cast.dukcapil.unit_id,
        area_code=cast.kabupaten.code,
    )
    actors = [cast.actor(cast.dukcapil), cast.actor(second)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(actor):
        try:
            barrier.wait(timeout=10)
            with scope(actor):  # a thread starts outside any scope, like a request of this officer
                application_transition(actor=actor, application_id=app.pk, action="claim")
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("won") == 1
    assert set(outcomes) - {"won"} == {"applications.already_claimed"}
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and app.assigned_to_id in {cast.dukcapil.pk, second.pk}
    assert ApplicationEvent.objects.filter(application=app, action="claim").count() == 1
    assert Application.objects.filter(pk=app.pk, version=app.version).exists()
