"""Revoking a SUKET: through the resident's page, the SUKET list and the API; who may; what the
public check says afterwards; the audit row."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from warga.audit.models import AuditLog
from warga.cards.documents import suket_token
from warga.cards.models import KtpStatus, Suket, SuketStatus
from warga.cards.services import suket_issue, suket_revoke
from warga.core.errors import Conflict, InvalidInput

JSON = "application/json"
REASON = "Diterbitkan untuk orang yang salah"
REVOKED_TEXT = "TIDAK BERLAKU: SUKET ini sudah dicabut."


@pytest.fixture
def suket(cast, make_resident, kec_office) -> Suket:
    resident = make_resident(status=KtpStatus.PRR, name="Rina Suketwati")
    return suket_issue(actor=cast.actor(cast.kec_officer), resident=resident, office=kec_office)


def _revoke_rows(suket: Suket):
    return AuditLog.objects.filter(action="cards.suket.revoke", object_id=str(suket.pk))


def _unchanged(suket: Suket) -> None:
    suket.refresh_from_db()
    assert suket.status == SuketStatus.VALID and suket.closed_at is None and suket.close_reason == ""
    assert not _revoke_rows(suket).exists()


def test_revoke_from_the_residents_page(cast, client_for, suket):
    officer = client_for(cast.kec_officer)
    page_url = reverse("cards:resident", args=[suket.resident_id])
    html = officer.get(page_url).content.decode()
    assert reverse("cards:suket_revoke", args=[suket.pk]) in html and "Alasan pencabutan" in html

    response = officer.post(
        reverse("cards:suket_revoke", args=[suket.pk]), {"reason": REASON, "back": "resident"}, follow=True
    )
    assert response.redirect_chain[-1][0] == page_url
    html = response.content.decode()
    assert f"SUKET {suket.number} dicabut: sudah tidak berlaku." in html
    assert "dicabut pada" in html and REASON in html  # staff see the reason
    assert reverse("cards:suket_revoke", args=[suket.pk]) not in html  # no second button

    suket.refresh_from_db()
    assert suket.status == SuketStatus.REVOKED and suket.close_reason == REASON
    assert timezone.now() - suket.closed_at < timedelta(minutes=1)
    row = _revoke_rows(suket).get()
    assert row.actor == cast.kec_officer and row.object_type == "cards.suket"
    assert row.summary == {"from": "valid", "to": "revoked", "expired": False}
    assert REASON not in str(row.summary)  # no free text in the audit log


def test_revoke_from_the_suket_list(cast, client_for, suket):
    dukcapil = client_for(cast.dukcapil)
    html = dukcapil.get(reverse("cards:sukets")).content.decode()
    assert suket.number in html and reverse("cards:suket_revoke", args=[suket.pk]) in html
    response = dukcapil.post(
        reverse("cards:suket_revoke", args=[suket.pk]), {"reason": "  Surat hilang,   dilaporkan  "}
    )
    assert response.status_code == 302 and response.url == reverse("cards:sukets")
    suket.refresh_from_db()
    assert suket.status == SuketStatus.REVOKED and suket.close_reason == "Surat hilang, dilaporkan"
    html = dukcapil.get(reverse("cards:sukets"), {"status": "revoked"}).content.decode()
    assert suket.number in html and "text-bg-danger" in html
    assert suket.number not in dukcapil.get(reverse("cards:sukets"), {"status": "valid"}).content.decode()


def test_revoke_through_the_api(cast, client_for, suket):
    verifier = client_for(cast.kec_verifier)
    url = f"/api/v1/cards/sukets/{suket.pk}/revoke"
    response = verifier.post(url, {"reason": REASON}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == suket.pk and body["status"] == "revoked"
    assert body["close_reason"] == REASON and body["closed_at"]
    listed = verifier.get("/api/v1/cards/sukets").json()["items"]
    assert [(s["id"], s["status"]) for s in listed] == [(suket.pk, "revoked")]
    assert _revoke_rows(suket).count() == 1

    again = verifier.post(url, {"reason": REASON}, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "cards.suket_not_valid"
    assert "Hanya SUKET yang masih berlaku" in again.json()["message"]
    assert _revoke_rows(suket).count() == 1


def test_reason_is_required(cast, client_for, suket):
    officer = client_for(cast.kec_officer)
    for reason in ("", "   ", "abc"):
        response = officer.post(
            reverse("cards:suket_revoke", args=[suket.pk]),
            {"reason": reason, "back": "resident"},
            follow=True,
        )
        assert "Isi alasan pencabutan SUKET (paling sedikit 5 karakter)." in response.content.decode()
        _unchanged(suket)
    url = f"/api/v1/cards/sukets/{suket.pk}/revoke"
    response = officer.post(url, {"reason": " "}, content_type=JSON)
    assert response.status_code == 422 and response.json()["code"] == "cards.suket_reason"
    assert officer.post(url, {}, content_type=JSON).status_code == 422  # reason missing altogether
    _unchanged(suket)


def test_revoking_twice_is_a_conflict(cast, client_for, suket):
    actor = cast.actor(cast.kec_officer)
    suket_revoke(actor=actor, suket=suket, reason=REASON)
    with pytest.raises(Conflict) as exc:
        suket_revoke(actor=actor, suket=suket, reason="Alasan kedua")
    assert exc.value.code == "cards.suket_not_valid"
    response = client_for(cast.kec_officer).post(
        reverse("cards:suket_revoke", args=[suket.pk]), {"reason": "Alasan kedua"}, follow=True
    )
    assert "sudah berstatus “Dicabut”" in response.content.decode()
    suket.refresh_from_db()
    assert suket.close_reason == REASON and _revoke_rows(suket).count() == 1


def test_a_closed_suket_cannot_be_revoked(cast, suket):
    Suket.objects.filter(pk=suket.pk).update(
        status=SuketStatus.CLOSED, closed_at=timezone.now(), close_reason="card_handed_over"
    )
    with pytest.raises(Conflict):
        suket_revoke(actor=cast.actor(cast.kec_officer), suket=suket, reason=REASON)
    suket.refresh_from_db()
    assert suket.status == SuketStatus.CLOSED and suket.close_reason == "card_handed_over"


@pytest.mark.parametrize(
    "role, page, api",
    [
        ("anonymous", 302, 401),
        ("outsider", 404, 404),  # another kecamatan: the SUKET does not exist for them
        ("head", 403, 403),  # sees cards, does not hold cards.suket
        ("admin", 403, 403),
        ("desa_operator", 403, 403),
    ],
)
def test_who_may_not_revoke(cast, client_for, suket, role, page, api):
    user = None if role == "anonymous" else getattr(cast, role)
    client = client_for(user)
    response = client.post(reverse("cards:suket_revoke", args=[suket.pk]), {"reason": REASON})
    assert response.status_code == page
    if page == 302:
        assert response["Location"].startswith("/login/")
    response = client.post(f"/api/v1/cards/sukets/{suket.pk}/revoke", {"reason": REASON}, content_type=JSON)
    assert response.status_code == api
    _unchanged(suket)
    if role != "anonymous":
        with pytest.raises(Exception) as exc:
            suket_revoke(actor=cast.actor(user), suket=suket, reason=REASON)
        assert getattr(exc.value, "status", None) == page
        _unchanged(suket)


def test_outsider_does_not_see_the_suket(cast, client_for, suket):
    outsider = client_for(cast.outsider)
    html = outsider.get(reverse("cards:sukets")).content.decode()
    assert suket.number not in html and reverse("cards:suket_revoke", args=[suket.pk]) not in html
    assert outsider.get("/api/v1/cards/sukets").json()["count"] == 0
    assert outsider.get(reverse("cards:resident", args=[suket.resident_id])).status_code == 404
    # Seeing cards without the right to revoke: no form.
    html = client_for(cast.head).get(reverse("cards:sukets")).content.decode()
    assert suket.number in html and reverse("cards:suket_revoke", args=[suket.pk]) not in html


def test_public_check_says_revoked_without_personal_data(cast, client_for, suket):
    token = suket_token(suket)
    public = client_for(None)
    assert "Asli dan masih berlaku" in public.get(f"/cards/suket/verify/{token}/").content.decode()
    suket_revoke(actor=cast.actor(cast.kec_officer), suket=suket, reason=REASON)
    suket.refresh_from_db()
    response = public.get(f"/cards/suket/verify/{token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert REVOKED_TEXT in html and "Asli dan masih berlaku" not in html
    assert "jangan diterima" in html
    from django.utils import formats, translation

    with translation.override("id"):
        closed_on = formats.date_format(timezone.localtime(suket.closed_at))
    assert "Dicabut pada" in html and closed_on in html
    assert REASON not in html and "Rina" not in html and suket.resident.nik not in html
    assert "R*** S***" in html
    body = public.get(f"/api/v1/cards/sukets/verify/{token}").json()
    assert body["status"] == "revoked"
    assert body["closed_on"] == timezone.localtime(suket.closed_at).date().isoformat()
    assert REASON not in str(body)


def test_an_expired_suket_can_still_be_revoked_and_a_new_one_issued(cast, suket, kec_office):
    """Still marked valid after its date: revoking it makes the check say "revoked", not
    "expired". Revocation does not block a new SUKET for the same resident."""
    Suket.objects.filter(pk=suket.pk).update(
        issued_on=timezone.localdate() - timedelta(days=200),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    actor = cast.actor(cast.kec_officer)
    revoked = suket_revoke(actor=actor, suket=suket, reason=REASON)
    assert revoked.status == SuketStatus.REVOKED
    assert _revoke_rows(suket).get().summary["expired"] is True
    fresh = suket_issue(actor=actor, resident=suket.resident, office=kec_office)
    assert fresh.status == SuketStatus.VALID and fresh.pk != suket.pk


def test_revoked_pdf_is_stamped(cast, client_for, suket):
    from pypdf import PdfReader

    suket_revoke(actor=cast.actor(cast.kec_officer), suket=suket, reason=REASON)
    response = client_for(cast.kec_officer).get(reverse("cards:suket_pdf", args=[suket.pk]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "DICABUT PADA" in text and "TIDAK BERLAKU" in text


def test_service_validates_before_writing(cast, suket):
    with pytest.raises(InvalidInput):
        suket_revoke(actor=cast.actor(cast.kec_officer), suket=suket, reason="x")
    _unchanged(suket)
