from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import Actor, get_scoped
from warga.messaging.encoding import unsupported_characters
from warga.regions.models import Region, RegionLevel

from .models import Announcement, AnnouncementSource, AnnouncementStatus

MAX_TEXT = 300
MAX_DAYS = 90


def _source_of(actor: Actor) -> str:
    depth = len((actor.area_code or "").split("."))
    if depth >= 4:
        return AnnouncementSource.DESA
    if depth == 3:
        return AnnouncementSource.KECAMATAN
    return AnnouncementSource.REGION


@transaction.atomic
def announcement_create(
    *,
    actor: Actor,
    desa_codes: Sequence[str],
    text: str,
    starts_at: datetime,
    ends_at: datetime,
    priority: int = 0,
) -> list[Announcement]:
    """One announcement per desa board. A moderator's own announcements are approved at once;
    others wait for the desa/kecamatan moderator."""
    actor.require("boards.announce")
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput(_("Write the announcement text."), code="board.empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("The announcement is too long: %(n)d characters, at most %(max)d.")
            % {"n": len(text), "max": MAX_TEXT},
            code="board.too_long",
        )
    if unsupported_characters(text):
        raise InvalidInput(_("The text contains characters that cannot be shown."), code="board.characters")
    if starts_at is None or ends_at is None:
        raise InvalidInput(_("The end must come after the start."), code="board.period")
    # A time without a zone (from a form or an API client) is local time.
    starts_at, ends_at = (t if timezone.is_aware(t) else timezone.make_aware(t) for t in (starts_at, ends_at))
    if ends_at <= starts_at:
        raise InvalidInput(_("The end must come after the start."), code="board.period")
    if ends_at <= timezone.now():
        raise InvalidInput(_("The end is already past."), code="board.period")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InvalidInput(
            _("An announcement runs at most %(n)d days.") % {"n": MAX_DAYS}, code="board.period"
        )
    if not 0 <= int(priority) <= 9:
        raise InvalidInput(_("Priority is a number from 0 to 9."), code="board.priority")
    codes = sorted({(c or "").strip() for c in desa_codes if (c or "").strip()})
    if not codes:
        raise InvalidInput(_("Choose at least one desa."), code="board.desa")
    desas = {r.code: r for r in Region.objects.filter(code__in=codes, level=RegionLevel.DESA)}
    for code in codes:
        if code not in desas or not actor.covers(code):
            raise NotFound(
                _("Desa %(code)s does not exist in your area.") % {"code": code}, code="board.desa"
            )
    approved = actor.can("boards.moderate")
    now = timezone.now()
    batch = uuid.uuid4().hex
    created = Announcement.objects.bulk_create(
        [
            Announcement(
                desa=desas[code],
                text=text,
                source=_source_of(actor),
                starts_at=starts_at,
                ends_at=ends_at,
                priority=int(priority),
                status=AnnouncementStatus.APPROVED if approved else AnnouncementStatus.PENDING,
                batch=batch,
                created_by=actor.user,
                moderated_by=actor.user if approved else None,
                moderated_at=now if approved else None,
            )
            for code in codes
        ]
    )
    audit_record(
        actor=actor,
        action="boards.announcement.create",
        object_type="boards.announcement",
        object_id=batch,
        summary={"desas": len(codes), "approved": approved},
    )
    return list(Announcement.objects.filter(batch=batch).order_by("desa_id")) or created


@transaction.atomic
def announcement_moderate(
    *, actor: Actor, announcement_id: int, approve: bool, reason: str = ""
) -> Announcement:
    actor.require("boards.moderate")
    item = get_scoped(Announcement.objects.select_for_update(), actor, pk=announcement_id)
    if item.status != AnnouncementStatus.PENDING:
        raise Conflict(_("This announcement has already been moderated."), code="board.state")
    reason = " ".join((reason or "").split())
    if not approve and not reason:
        raise InvalidInput(_("Give the reason for the rejection."), code="board.reason")
    item.status = AnnouncementStatus.APPROVED if approve else AnnouncementStatus.REJECTED
    item.reason = reason[:300]
    item.moderated_by = actor.user
    item.moderated_at = timezone.now()
    item.save(update_fields=["status", "reason", "moderated_by", "moderated_at"])
    audit_record(actor=actor, action=f"boards.announcement.{'approve' if approve else 'reject'}", obj=item)
    return item


@transaction.atomic
def announcement_withdraw(*, actor: Actor, announcement_id: int) -> Announcement:
    actor.require("boards.announce")
    item = get_scoped(Announcement.objects.select_for_update(), actor, pk=announcement_id)
    if item.status in (AnnouncementStatus.WITHDRAWN, AnnouncementStatus.REJECTED):
        raise Conflict(_("This announcement is no longer shown."), code="board.state")
    if item.created_by_id != actor.id and not actor.can("boards.moderate"):
        raise NotFound(_("Not found."))
    item.status = AnnouncementStatus.WITHDRAWN
    item.save(update_fields=["status"])
    audit_record(actor=actor, action="boards.announcement.withdraw", obj=item)
    return item
