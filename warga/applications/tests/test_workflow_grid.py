"""The workflow table is the one source of truth: for every state × role, the detail page shows
exactly the buttons `available_actions` offers, the API lists the same, every offered action
succeeds and every other one is refused with a reason, by the service and by the API."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from warga.applications.models import Application, Status
from warga.applications.selectors import available_actions
from warga.applications.services import ACTIONS, application_transition
from warga.applications.services.workflow import SIGN_ACTIONS
from warga.core.errors import ServiceError

from .test_signature import submit_online

pytestmark = pytest.mark.django_db

ROLES = (
    "outsider",
    "kec_officer",
    "kec_verifier",
    "desa_operator",
    "dukcapil",
    "head",
    "printer",
    "outreach",
    "admin",
)
INPUT = {"reason": "Foto KK tidak terbaca", "handed_to": "Budi Santoso", "proof": "KTP-el"}


def _state(flow, household, state: str) -> Application:
    if state == "draft":
        app = flow.submit(draft=True)
        flow.attach_all(app)
        return app
    if state == "submitted_online":  # not signed: the signature can be recorded at the counter
        return submit_online(household)
    if state == "returned_to_applicant":
        return flow.step(flow.to("submitted"), "return_to_applicant", "kec_verifier", reason="Kurang")
    if state in ("returned_to_kecamatan", "rejected"):
        action = "return_to_kecamatan" if state == "returned_to_kecamatan" else "reject"
        return flow.step(flow.to("in_review"), action, "dukcapil", reason="Kurang")
    if state == "closed":
        return flow.step(flow.to("handed_over"), "close", "kec_officer")
    return flow.to(state)


STATES = (
    "draft",
    "submitted",
    "submitted_online",
    "verified",
    "returned_to_applicant",
    "sent",
    "in_review",
    "returned_to_kecamatan",
    "rejected",
    "approved",
    "issued",
    "sent_to_kecamatan",
    "ready",
    "handed_over",
    "closed",
)


class _Undo(Exception):
    """Raised to roll back one tried action."""


def _try_service(actor, app: Application, action: str) -> ServiceError | None:
    try:
        with transaction.atomic():
            application_transition(actor=actor, application_id=app.pk, action=action, **INPUT)
            raise _Undo
    except _Undo:
        return None
    except ServiceError as exc:
        return exc


def _try_api(client, app: Application, action: str) -> tuple[int, dict]:
    """The action through the API: the signature has its own operation (`where`)."""
    place = {name: where for where, name in SIGN_ACTIONS.items()}.get(action)
    url, payload = f"/api/v1/applications/{app.pk}/transitions", {"action": action, **INPUT}
    if place is not None:
        url, payload = f"/api/v1/applications/{app.pk}/signature", {"where": place}
    status, body = 0, {}
    try:
        with transaction.atomic():
            response = client.post(url, payload, content_type="application/json")
            status, body = response.status_code, response.json()
            raise _Undo
    except _Undo:
        pass
    return status, body


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'data-action="([^"]+)"', html))


@pytest.mark.parametrize("state", STATES)
def test_buttons_api_and_service_agree_with_the_table(state, cast, flow, household, client_for):
    app = _state(flow, household, state)
    if state == "ready":
        assert app.status == Status.SENT_TO_KECAMATAN and app.ready_at is not None
    else:
        assert app.status == state.removesuffix("_online")
    offered_somewhere = set()
    for role in ROLES:
        user = getattr(cast, role)
        actor = cast.actor(user)
        offered = [a.name for a in available_actions(Application.objects.get(pk=app.pk), actor)]
        offered_somewhere.update(offered)
        client = client_for(user)

        page = client.get(f"/applications/{app.pk}/")
        if page.status_code == 200:
            expected = {n for n in offered if n not in SIGN_ACTIONS.values()}
            if SIGN_ACTIONS["counter"] in offered:
                expected.add("sign")
            assert _buttons(page.content.decode()) == expected, role
        listed = client.get(f"/api/v1/applications/{app.pk}/actions")
        if listed.status_code == 200:
            assert [a["name"] for a in listed.json()] == offered, role
        else:
            assert listed.status_code in (403, 404), role

        for name, spec in ACTIONS.items():
            refused = _try_service(actor, app, name)
            if name in offered:
                assert refused is None, f"{role} {name}: offered but refused: {refused}"
            else:
                assert refused is not None, f"{role} {name}: not offered but accepted"
                assert str(refused).strip() and refused.status in (403, 404, 409, 422), (role, name)
            if spec.capability is None:
                continue  # the applicant's own steps have their public pages
            status, body = _try_api(client, app, name)
            if name in offered:
                assert status == 200, (role, name, status, body)
            else:
                assert status in (403, 404, 409, 422), (role, name, status)
                assert body.get("message") or body.get("detail"), (role, name, body)
    if state not in ("closed", "rejected"):
        assert offered_somewhere, f"nobody can move a {state} file"


def test_offered_labels_and_inputs_come_from_the_table(cast, flow):
    app = flow.to("in_review")
    offered = {a.name: a for a in available_actions(app, cast.actor(cast.dukcapil))}
    assert set(offered) == {"release", "approve", "return_to_kecamatan", "reject"}
    assert offered["reject"].reason_required and offered["reject"].danger
    assert not offered["approve"].inputs
    assert available_actions(app, cast.actor(None)) == []
    assert available_actions(app, cast.actor(cast.outsider)) == []  # outside the area: nothing


def test_the_applicants_steps_are_not_open_to_staff(cast, flow):
    app = flow.to("submitted")
    refused = _try_service(cast.actor(cast.kec_officer), app, "lodge_online")
    assert refused is not None and refused.code == "applications.action_unknown"
