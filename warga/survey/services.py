"""Writes of the satisfaction survey: inviting a resident after a service, and the answer.

`survey_invite` is called by the apps that deliver services (cards, reports, ppid) after their
own transaction committed; it is idempotent per source and queues the SMS with the link and the
SMS code in its own transaction. `survey_answer` checks every score first, then claims the
invitation with one conditional UPDATE (not answered, not expired) and writes the response in
the same transaction: a second answer or an expired link changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.org.models import Unit
from warga.regions.models import Region

from .models import ELEMENT_FIELDS, Channel, Invitation, Response

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6
COMMENT_LIMIT = 500
_SALT = "warga.survey.link"


def expiry_days() -> int:
    return int(getattr(settings, "SURVEY_EXPIRY_DAYS", 14))


def invites_enabled() -> bool:
    return bool(getattr(settings, "SURVEY_INVITES_ENABLED", True))


# --- The link token: random, signed, stored only as a hash -------------------------------------


def _signature(raw: str) -> str:
    digest = salted_hmac(_SALT, raw, algorithm="sha256").digest()[:9]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def link_token_make() -> tuple[str, str]:
    """(the token for the link, the raw part whose hash is stored)."""
    raw = secrets.token_urlsafe(12)
    return f"{raw}.{_signature(raw)}", raw


def link_token_raw(token: str) -> str | None:
    """The raw part of a link token whose signature holds, else None (forged or mangled)."""
    raw, sep, signature = (token or "").partition(".")
    if not sep or not raw or len(token) > 64:
        return None
    return raw if hmac.compare_digest(signature.encode(), _signature(raw).encode()) else None


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("survey:answer", args=[token])


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def invitation_text(*, unit: Unit, url: str, code: str) -> str:
    with translation.override("id"):
        return _(
            "How was our service at %(unit)s? Rate it (1-4) at %(url)s or reply IKM %(code)s "
            "followed by nine digits, e.g. IKM %(code)s 443344343."
        ) % {"unit": unit.name, "url": url, "code": code}


# --- Inviting ----------------------------------------------------------------------------------


@unscoped("an invitation is made for the unit that delivered the service, whoever calls")
def survey_invite(
    *,
    actor: Actor | None,
    unit: Unit,
    service: str,
    source: tuple[str, Any],
    phone: str,
    region: Region,
    service_label: str = "",
) -> Invitation | None:
    """Invite the resident served to rate the service. One invitation per source (an app label
    and an object id): a second call returns the first invitation and sends nothing. Returns None
    when invitations are turned off (`SURVEY_INVITES_ENABLED`) or the number cannot be reached or
    opted out. The returned new invitation carries `link_token` (kept nowhere)."""
    from warga.messaging.phones import normalize_msisdn
    from warga.messaging.services import number_blocked_for_broadcasts, sms_send

    if not invites_enabled():
        return None
    app_label, object_id = str(source[0]), str(source[1])
    existing = Invitation.objects.filter(source_app=app_label, source_id=object_id).first()
    if existing is not None:
        return existing
    try:
        number = normalize_msisdn(phone)
    except InvalidInput:
        return None
    if number_blocked_for_broadcasts(number):
        return None
    now = timezone.now()
    token, raw = link_token_make()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                unit=unit,
                region=region,
                service=service[:40],
                service_label=service_label[:120],
                source_app=app_label[:40],
                source_id=object_id[:64],
                phone=number,
                token_hash=token_hash(raw),
                code=_free_code(),
                created_at=now,
                expires_at=now + timedelta(days=expiry_days()),
                sent_at=now,
            )
            # Consent-bound like a broadcast: an opted-out number is skipped at sending time,
            # and quiet hours are kept.
            sms_send(
                to=number,
                text=invitation_text(unit=unit, url=link_url(token), code=invitation.code),
                purpose="broadcast",
                actor=actor,
            )
            audit_record(
                actor=actor,
                action="survey.invitation.create",
                obj=invitation,
                summary={"unit": unit.pk, "service": invitation.service, "source": app_label},
            )
    except IntegrityError:
        # The same source invited at the same moment by another request: that one stands.
        found = Invitation.objects.filter(source_app=app_label, source_id=object_id).first()
        if found is None:
            raise
        return found
    invitation.link_token = token  # type: ignore[attr-defined]
    return invitation


def _free_code() -> str:
    for _attempt in range(10):
        code = _new_code()
        if not Invitation.objects.filter(code=code).exists():
            return code
    raise Conflict(_("No free survey code; try again."), code="survey.code")


# --- Answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    invitation: Invitation
    response: Response


def scores_check(scores: Mapping[str, Any]) -> dict[str, int]:
    """Nine scores u1…u9, each 1–4; one InvalidInput listing every problem."""
    clean: dict[str, int] = {}
    problems = []
    for name in ELEMENT_FIELDS:
        value = scores.get(name)
        try:
            number = int(value) if value is not None and str(value).strip() != "" else None
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= 4:
            problems.append({"field": name, "message": _("Choose one of the four answers.")})
        else:
            clean[name] = number
    if problems:
        raise InvalidInput(
            _("Answer all nine questions with a score from 1 to 4."), code="survey.scores", details=problems
        )
    return clean


def _comment(text: str) -> str:
    text = (text or "").strip()
    if len(text) > COMMENT_LIMIT:
        raise InvalidInput(
            _("The comment is too long (at most %(n)d characters).") % {"n": COMMENT_LIMIT},
            code="survey.comment",
            details=[{"field": "comment", "message": _("Too long.")}],
        )
    return text


def invitation_by_token(token: str) -> Invitation:
    """The invitation of a link token; NotFound for a forged or unknown one."""
    raw = link_token_raw(token)
    found = None
    if raw is not None:
        with unscoped("a resident's link names one invitation"):
            found = Invitation.objects.select_related("unit").filter(token_hash=token_hash(raw)).first()
    if found is None:
        raise NotFound(_("This survey link is not valid."), code="survey.unknown")
    return found


def answered_refusal() -> Conflict:
    return Conflict(_("This survey was already answered. Thank you!"), code="survey.answered")


def expired_refusal() -> Conflict:
    return Conflict(_("This survey has closed; answers are no longer accepted."), code="survey.expired")


@transaction.atomic
def survey_answer(
    *,
    token: str = "",
    invitation: Invitation | None = None,
    scores: Mapping[str, Any],
    comment: str,
    channel: str,
) -> Answered:
    """Record the answer to one invitation (by its link token, or the invitation the SMS code
    found). Everything is checked before anything is written; the claim is one UPDATE."""
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), code="survey.channel")
    if invitation is None:
        invitation = invitation_by_token(token)
    clean = scores_check(scores)
    text = _comment(comment)
    now = timezone.now()
    with unscoped("the resident's answer claims the invitation their link or code names"):
        claimed = Invitation.objects.filter(
            pk=invitation.pk, answered_at__isnull=True, expires_at__gt=now
        ).update(answered_at=now)
        if claimed != 1:
            current = Invitation.objects.get(pk=invitation.pk)
            raise answered_refusal() if current.answered_at is not None else expired_refusal()
        response = Response.objects.create(
            invitation=invitation,
            unit_id=invitation.unit_id,
            region_id=invitation.region_id,
            service=invitation.service,
            comment=text,
            channel=channel,
            answered_at=now,
            **clean,
        )
    audit_record(
        actor=None,
        action="survey.response.create",
        obj=invitation,
        summary={"channel": channel, "unit": invitation.unit_id},
    )
    invitation.answered_at = now
    return Answered(invitation=invitation, response=response)


def invitation_by_code(code: str, number: str) -> Invitation:
    """The invitation of an SMS code, only for the number it was sent to (NotFound otherwise:
    the same answer for a code nobody has and for somebody else's)."""
    with unscoped("an SMS answer names its invitation by code; the sender must be the one invited"):
        found = Invitation.objects.filter(code=(code or "").strip().upper()[:8], phone=number).first()
    if found is None:
        raise NotFound(_("No survey has this code for your number."), code="survey.unknown")
    return found
