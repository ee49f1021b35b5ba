"""Links for external bodies without accounts (PLN, PDAM, the police, the BPBD, the 112 centre…).

When a case is assigned to a unit of kind "external", that unit gets an SMS (to the unit's
phone) and an e-mail (to the unit's address) with a link to a page where it acknowledges the
case, writes what it did (its answer), closes it or hands it back. Each step is an action of
`workflow.ACTIONS` marked `link=True`, executed by `transitions.perform` like every other step,
with an actor that has no user, the assigned unit and the role `LINK_ROLE` only.

**The token.** A random token (`secrets.token_urlsafe(32)`, 256 bits) of which only the SHA-256
is stored (`CaseLink.token_hash`), not a signature over the case: a stored token can be revoked
one by one (a reassignment, a hand-back or closing revokes it at once, in the same transaction),
a leaked `SECRET_KEY` forges none, and the database holds nothing that opens the page. The raw
token exists only in the SMS and the e-mail sent.

**What it opens.** One case, while all of these hold: the token is known, not revoked, not past
`expires_at` (`REPORTS_LINK_DAYS` days, default 14), the case is still assigned to the link's
unit and still open for it (assigned, or answered and not yet closed). Any other answer is the
same 404 — unknown, tampered, expired, revoked, another unit's — without saying why. Every use
(opening the page, every action) is an audit row with the unit as the actor's unit. The page has
no navigation and no link to anything else; the reporter is shown only when the case is neither
anonymous nor confidential.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.org.models import Unit, UnitKind

from ..models import Case, CaseLink, CasePhoto, CaseStatus

logger = logging.getLogger(__name__)

LINK_DAYS = 14
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{40,60}$")
# The states in which the assigned body may still act through its link.
LINK_STATUSES = (CaseStatus.ASSIGNED, CaseStatus.ANSWERED)
ASSIGNING = ("accept", "assign", "reassign")


def link_days() -> int:
    return int(getattr(settings, "REPORTS_LINK_DAYS", LINK_DAYS))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("reports:link", args=[token])


def _revoke(case: Case, now: datetime, *, keep_unit: int | None = None) -> int:
    with unscoped("a case's links are revoked wherever the case lies"):
        live = CaseLink.objects.filter(case=case, revoked_at__isnull=True)
        if keep_unit is not None:
            live = live.exclude(unit_id=keep_unit)
        return live.update(revoked_at=now)


def links_after_step(action: str, case: Case, now: datetime, actor: Actor | None = None) -> None:
    """Called by `transitions.perform` after each step, in its transaction: an assignment to an
    external body sends it a new link (the links sent before are revoked); a case leaving the
    unit (reassigned, handed back) or finished (closed, rejected, merged) revokes every link."""
    if action in ASSIGNING and case.status == CaseStatus.ASSIGNED:
        _revoke(case, now)
        unit = (
            Unit.objects.filter(pk=case.assigned_unit_id, is_active=True).first()
            if case.assigned_unit_id
            else None
        )
        if unit is not None and unit.kind == UnitKind.EXTERNAL:
            link_issue(case=case, unit=unit, now=now, actor=actor)
        return
    if case.status not in LINK_STATUSES:
        _revoke(case, now)


def link_issue(*, case: Case, unit: Unit, now: datetime | None = None, actor: Actor | None = None) -> str:
    """A new link for `unit` to `case`, sent by SMS and e-mail; returns the raw token (kept
    nowhere). Runs in the caller's transaction; the e-mail leaves after commit."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with unscoped("the link is made for the unit the case was just assigned to"):
        link = CaseLink.objects.create(
            case=case,
            unit=unit,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=link_days()),
        )
    audit_record(
        actor=actor,
        action="reports.case_link.issue",
        obj=case,
        summary={"link": link.pk, "unit": unit.pk, "expires": link.expires_at.date().isoformat()},
    )
    _notify(case, unit, token, link.expires_at)
    return token


def _texts(case: Case, url: str, expires: datetime) -> tuple[str, str, str]:
    with translation.override("id"):
        sms = _("Report %(code)s (%(category)s) was passed to you. Answer it: %(url)s") % {
            "code": case.tracking_code,
            "category": case.get_category_display(),
            "url": url,
        }
        subject = _("Report %(code)s was passed to %(unit)s") % {
            "code": case.tracking_code,
            "unit": case.assigned_unit.name if case.assigned_unit else "",
        }
        body = _(
            "Report %(code)s (%(kind)s, %(category)s) in %(desa)s was passed to your office.\n\n"
            "Open this link to acknowledge it, write what you did and close it, or hand it back "
            "if it is not yours:\n%(url)s\n\n"
            "The link works for this report only, until %(expires)s or until the report is closed "
            "or passed to another office. Do not forward it."
        ) % {
            "code": case.tracking_code,
            "kind": case.get_kind_display(),
            "category": case.get_category_display(),
            "desa": case.desa.display_name if case.desa else "-",
            "url": url,
            "expires": timezone.localtime(expires).strftime("%d-%m-%Y"),
        }
    return sms, subject, body


def _notify(case: Case, unit: Unit, token: str, expires: datetime) -> None:
    from warga.messaging.services import sms_send

    sms, subject, body = _texts(case, link_url(token), expires)
    if unit.phone:
        try:
            sms_send(to=unit.phone, text=sms, purpose="notice")
        except InvalidInput:  # the unit's number is not a mobile number SMS can reach
            logger.info("case %s: unit %s has no phone SMS can reach", case.pk, unit.pk)
    if unit.email:
        to = unit.email

        def send() -> None:
            try:
                send_mail(subject, body, None, [to])
            except Exception:  # the link stands; the handler sees the unit has not acknowledged
                logger.warning("case %s: the e-mail to unit %s failed", case.pk, unit.pk, exc_info=True)

        transaction.on_commit(send)


def _not_found() -> NotFound:
    return NotFound(_("This link does not work (any more)."), code="reports.link_invalid")


def link_case(token: str, *, for_update: bool = False) -> CaseLink:
    """The link of this raw token while it opens its case (see the module's docstring), with
    its case and unit; NotFound otherwise, whatever the reason."""
    if not TOKEN_RE.match(token or ""):
        raise _not_found()
    with unscoped("an external body's link: the token names one case"):
        link = CaseLink.objects.select_related("unit").filter(token_hash=token_hash(token)).first()
        if link is None:
            raise _not_found()
        cases = Case.objects.select_related("desa", "assigned_unit")
        if for_update:
            cases = cases.select_for_update(of=("self",))
        case = cases.filter(pk=link.case_id).first()
    now = timezone.now()
    if (
        case is None
        or link.revoked_at is not None
        or link.expires_at <= now
        or case.assigned_unit_id != link.unit_id
        or case.status not in LINK_STATUSES
        or not link.unit.is_active
    ):
        raise _not_found()
    link.case = case
    return link


def _used(link: CaseLink, action: str) -> None:
    from .workflow import link_actor

    now = timezone.now()
    with unscoped("an external body's link: its own row"):
        CaseLink.objects.filter(pk=link.pk).update(uses=F("uses") + 1, last_used_at=now)
    audit_record(
        actor=link_actor(link.unit_id),
        action=f"reports.case_link.{action}",
        obj=link.case,
        summary={"link": link.pk},
    )


@transaction.atomic
def link_open(*, token: str) -> CaseLink:
    """Open the page of a link: the use is audited with the unit as the actor's unit."""
    link = link_case(token)
    _used(link, "open")
    return link


def link_photo_open(*, token: str, photo_id: int) -> CasePhoto:
    """A photo of the link's own case (the evidence the body acts on); the use is audited.
    Another case's photo answers like an unknown link."""
    link = link_case(token)
    with unscoped("an external body's link: a photo of the case it was sent for"):
        photo = CasePhoto.objects.filter(case_id=link.case_id, pk=photo_id).first()
    if photo is None:
        raise _not_found()
    _used(link, "photo")
    return photo


@transaction.atomic
def case_link_act(*, token: str, action: str, note: str = "", close: bool = False) -> Case:
    """The external body's step through its link: acknowledge, answer (and, with `close`, close
    it at once), close an answered case, hand back. Each is an action of `ACTIONS` taken by
    `perform`; the use is audited."""
    from .intake import text_clean
    from .transitions import perform
    from .workflow import ACTIONS, Step, link_actor

    spec = ACTIONS.get(action)
    if spec is None or not spec.link:
        raise InvalidInput(_("Unknown action."), code="reports.action_unknown")
    link = link_case(token, for_update=True)
    _used(link, action)
    actor = link_actor(link.unit_id)
    clean = text_clean(note, field="note") if (note or "").strip() else ""
    with unscoped("an external body's link: the case it was sent for"):
        case = perform(spec, Step(actor=actor, case=link.case, now=timezone.now(), note=clean))
        if close and action == "answer":
            case = perform(ACTIONS["close"], Step(actor=actor, case=case, now=timezone.now()))
    return case
