"""External bodies without accounts: the link sent when a case is assigned to them, what it
opens, when it stops working, and the audit of every use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.core.scoping import Actor, unscoped
from warga.messaging.models import SmsMessage
from warga.org.models import Unit
from warga.reports.models import Case, CaseEvent, CaseLink, CaseStatus
from warga.reports.services import case_file, case_transition

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/lapor/tautan/([A-Za-z0-9_-]+)/")


@pytest.fixture
def pln(people):
    Unit.objects.filter(code="pln").update(phone="081299900001", email="gangguan@pln.example")
    return Unit.objects.get(code="pln")


def _outage(cast, **kwargs):
    defaults = {"phone": "081200000078", "name": "Budi Pelapor"}
    return case_file(
        actor=None,
        text="Listrik padam sejak pagi di RT 02",
        channel="web",
        desa=cast.desa,
        **{**defaults, **kwargs},
    )


def _assign(people, case, action="accept", **kwargs):
    return case_transition(actor=Actor.for_user(people.handler), case_id=case.pk, action=action, **kwargs)


def _token(capture, people, case, action="accept", **kwargs):
    mail.outbox.clear()
    with capture(execute=True):
        _assign(people, case, action, **kwargs)
    assert len(mail.outbox) == 1
    found = LINK.search(mail.outbox[0].body)
    assert found
    return found.group(1)


def test_assignment_sends_the_link_by_sms_and_email(cast, people, pln, django_capture_on_commit_callbacks):
    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    message = mail.outbox[0]
    assert message.to == ["gangguan@pln.example"]
    assert case.tracking_code in message.subject
    # No identity of the reporter in the e-mail; the case's text stays behind the link.
    assert "Budi" not in message.body and "081200000078" not in message.body
    assert "Listrik padam sejak pagi" not in message.body
    sms = SmsMessage.objects.get(to="+6281299900001")
    assert token in sms.text and case.tracking_code in sms.text
    # Only the hash is stored.
    with unscoped("test"):
        link = CaseLink.objects.get(case=case)
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert AuditLog.objects.filter(action="reports.case_link.issue", object_id=str(case.pk)).exists()


def test_no_link_for_a_unit_that_is_not_external(cast, people, django_capture_on_commit_callbacks):
    case = case_file(actor=None, text="Demam tinggi di RT 03", channel="web", desa=cast.desa)
    with django_capture_on_commit_callbacks(execute=True):
        _assign(people, case)
    with unscoped("test"):
        assert not CaseLink.objects.filter(case=case).exists()
    assert mail.outbox == []


def test_the_link_acknowledges_answers_and_closes(
    cast, people, pln, client, django_capture_on_commit_callbacks
):
    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    url = f"/lapor/tautan/{token}/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Listrik padam sejak pagi" in body and "Budi Pelapor" in body
    assert 'class="navbar' not in body and "/reports/" not in body  # nothing else reachable
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    case.refresh_from_db()
    assert case.acknowledged_at is not None and case.status == CaseStatus.ASSIGNED
    # Acknowledging twice is refused by the table's guard (shown on the page, 409).
    assert client.post(url, {"action": "acknowledge"}).status_code == 409
    # An empty answer is refused.
    assert client.post(url, {"action": "answer", "note": "   ", "close": "on"}).status_code == 422
    done = client.post(url, {"action": "answer", "note": "Trafo diganti, listrik menyala.", "close": "on"})
    assert done.status_code == 200 and 'data-testid="done"' in done.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.answer == "Trafo diganti, listrik menyala."
    events = list(CaseEvent.objects.filter(case=case).values_list("action", "actor_unit_id", "actor_id"))
    assert ("acknowledge", pln.pk, None) in events and ("close", pln.pk, None) in events
    # Every use is audited with the unit as the actor's unit, without a user.
    uses = AuditLog.objects.filter(action__startswith="reports.case_link.", object_id=str(case.pk))
    assert {"reports.case_link.open", "reports.case_link.acknowledge", "reports.case_link.answer"} <= set(
        uses.values_list("action", flat=True)
    )
    assert all(
        row.actor_unit_id == pln.pk and row.actor_id is None for row in uses.exclude(action__endswith="issue")
    )
    assert AuditLog.objects.filter(
        action="reports.case.close", actor_unit_id=pln.pk, actor__isnull=True
    ).exists()
    # The reporter got the SMS of the closing; the link no longer works.
    assert (
        SmsMessage.objects.filter(to="+6281200000078", text__contains="ditutup").exists()
        or SmsMessage.objects.filter(to="+6281200000078", text__contains=case.tracking_code).count() >= 3
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "close"}).status_code == 404


def test_the_link_hands_back(cast, people, pln, client, django_capture_on_commit_callbacks):
    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    url = f"/lapor/tautan/{token}/"
    assert client.post(url, {"action": "hand_back", "note": "Jaringan milik desa"}).status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED and case.assigned_unit_id is None
    assert client.get(url).status_code == 404


def test_an_expired_link_answers_404(cast, people, pln, client, django_capture_on_commit_callbacks, settings):
    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    with unscoped("test"):
        link = CaseLink.objects.get(case=case)
    assert (link.expires_at - link.created_at) == timedelta(days=14)
    with unscoped("test"):
        CaseLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/lapor/tautan/{token}/").status_code == 404
    assert client.post(f"/lapor/tautan/{token}/", {"action": "acknowledge"}).status_code == 404
    case.refresh_from_db()
    assert case.acknowledged_at is None


def test_the_expiry_comes_from_the_setting(cast, people, pln, django_capture_on_commit_callbacks, settings):
    settings.REPORTS_LINK_DAYS = 3
    case = _outage(cast)
    _token(django_capture_on_commit_callbacks, people, case)
    with unscoped("test"):
        link = CaseLink.objects.get(case=case)
    assert (link.expires_at - link.created_at) == timedelta(days=3)


def test_reassigning_revokes_the_link(cast, people, pln, client, django_capture_on_commit_callbacks):
    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    dinkes = Unit.objects.get(code="dinkes")
    with django_capture_on_commit_callbacks(execute=True):
        _assign(people, case, "reassign", unit_id=dinkes.pk)
    assert client.get(f"/lapor/tautan/{token}/").status_code == 404
    # Assigned back to PLN: a new link, the old one stays dead.
    new = _token(django_capture_on_commit_callbacks, people, case, "reassign", unit_id=pln.pk)
    assert new != token
    assert client.get(f"/lapor/tautan/{token}/").status_code == 404
    assert client.get(f"/lapor/tautan/{new}/").status_code == 200


def test_tampered_and_other_tokens_answer_the_same_404(
    cast, people, pln, client, django_capture_on_commit_callbacks
):
    first = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, first)
    second = _outage(cast, phone="081200000079")
    other = _token(django_capture_on_commit_callbacks, people, second)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    answers = [client.get(f"/lapor/tautan/{t}/") for t in (tampered, "x" * 43, "short", token + "A")]
    assert {a.status_code for a in answers} == {404}
    # The same page whatever the reason (the form tokens of the page aside).
    assert len({re.sub(rb"(value|X-CSRFToken)[^>]*>", b"", a.content) for a in answers}) == 1
    # Each link opens its own case only.
    assert first.tracking_code in client.get(f"/lapor/tautan/{token}/").content.decode()
    page = client.get(f"/lapor/tautan/{other}/").content.decode()
    assert second.tracking_code in page and first.tracking_code not in page
    # Acting with one link never touches the other case.
    client.post(f"/lapor/tautan/{other}/", {"action": "acknowledge"})
    first.refresh_from_db()
    assert first.acknowledged_at is None
    assert client.post(f"/lapor/tautan/{tampered}/", {"action": "acknowledge"}).status_code == 404


def test_no_identity_when_confidential_or_anonymous(
    cast, people, pln, client, django_capture_on_commit_callbacks
):
    secret = _outage(cast, confidential=True)
    token = _token(django_capture_on_commit_callbacks, people, secret)
    page = client.get(f"/lapor/tautan/{token}/").content.decode()
    assert "Budi" not in page and "081200000078" not in page and "+6281200000078" not in page
    hidden = _outage(cast, anonymous=True)
    token = _token(django_capture_on_commit_callbacks, people, hidden)
    page = client.get(f"/lapor/tautan/{token}/").content.decode()
    assert "Budi" not in page


def test_a_link_cannot_take_the_handlers_steps(cast, people, pln, django_capture_on_commit_callbacks):
    from warga.core.errors import InvalidInput
    from warga.reports.services.links import case_link_act

    case = _outage(cast)
    token = _token(django_capture_on_commit_callbacks, people, case)
    for action in ("accept", "reject", "reassign", "merge", "rate", "nonsense"):
        with pytest.raises(InvalidInput):
            case_link_act(token=token, action=action, note="x")
    with unscoped("test"):
        assert Case.objects.get(pk=case.pk).status == CaseStatus.ASSIGNED


def _jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 90), "orange").save(out, "JPEG")
    return out.getvalue()


def test_the_link_shows_the_cases_photos_and_no_other(
    cast, people, pln, client, django_capture_on_commit_callbacks
):
    from warga.reports.models import CasePhoto

    case = _outage(cast, photos=[_jpeg_bytes()])
    other = _outage(cast, photos=[_jpeg_bytes()])
    token = _token(django_capture_on_commit_callbacks, people, case)
    with unscoped("test"):
        mine = CasePhoto.objects.get(case=case)
        theirs = CasePhoto.objects.get(case=other)
    page = client.get(f"/lapor/tautan/{token}/")
    assert f"/lapor/tautan/{token}/foto/{mine.pk}/" in page.content.decode()
    photo = client.get(f"/lapor/tautan/{token}/foto/{mine.pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store" and photo["Referrer-Policy"] == "same-origin"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert AuditLog.objects.filter(action="reports.case_link.photo", object_id=str(case.pk)).count() == 1
    # Another case's photo, a tampered token, a POST: the same 404 (or 405) as any unknown link.
    assert client.get(f"/lapor/tautan/{token}/foto/{theirs.pk}/").status_code == 404
    assert client.get(f"/lapor/tautan/{token[:-1]}x/foto/{mine.pk}/").status_code == 404
    assert client.post(f"/lapor/tautan/{token}/foto/{mine.pk}/").status_code == 405
    # Once the body has answered and closed it, the link, its photos with it, stops.
    from warga.reports.services.links import case_link_act

    with django_capture_on_commit_callbacks(execute=True):
        case_link_act(token=token, action="answer", note="Sudah diperbaiki.", close=True)
    assert client.get(f"/lapor/tautan/{token}/foto/{mine.pk}/").status_code == 404
