"""What the card services share: the acting user, status transitions and the fields each
status stamps on a card.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from warga.accounts.models import User
from warga.core.errors import Conflict, NotAllowed
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.registry.models import Resident

from ..models import (
    TRANSITIONS,
    UNRECORDED,
    KtpCard,
    KtpStatus,
    KtpTransition,
    StatusImport,
)


def _user(actor: Actor) -> User:
    """The officer behind an action: every write here is done by a signed-in officer."""
    if actor.user is None:
        raise NotAllowed(_("You do not have permission for this action."))
    return actor.user


def _status_label(status: str) -> str:
    if status == UNRECORDED:
        return str(KtpStatus.NOT_RECORDED.label)
    return str(KtpStatus(status).label)


def _check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            _("A KTP-el cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _status_label(current), "to": _status_label(target)},
            code="cards.impossible_transition",
        )


# The card's date field stamped by each status.
STAMPS: dict[str, str] = {
    KtpStatus.RECORDED: "recorded_at",
    KtpStatus.PRR: "prr_at",
    KtpStatus.PRINTED: "printed_at",
    KtpStatus.SENT_TO_KECAMATAN: "sent_at",
    KtpStatus.HANDED_OVER: "handed_over_at",
}
# A new card for someone who held one is a reprint: the old card's trail is reset.
REPRINT_RESET: dict[str, Any] = {
    "is_reprint": True,
    "card_serial": None,
    "printed_at": None,
    "sent_at": None,
    "handed_over_at": None,
    "pickup_office": None,
    "ready_at": None,
    "printed_by_office": None,
}


def _apply(
    *,
    resident: Resident,
    card: KtpCard | None,
    target: str,
    at: datetime,
    actor: Actor | None,
    source: str,
    place_unit: Unit | None = None,
    outreach_event_id: int | None = None,
    note: str = "",
    status_import: StatusImport | None = None,
    **card_fields: Any,
) -> KtpCard:
    """Move one card to `target` (row created on the first recording) and log the transition."""
    current = card.status if card else UNRECORDED
    _check_transition(current, target)
    stamp = STAMPS.get(target)
    if card is None:
        card = KtpCard(resident=resident, status=target, status_at=at, **card_fields)
        if stamp:
            setattr(card, stamp, at)
        card.save()
    else:
        if current == KtpStatus.HANDED_OVER:
            card_fields = {**REPRINT_RESET, **card_fields}
        fields = {"status": target, "status_at": at, **card_fields}
        if stamp:
            fields[stamp] = at
        updated = KtpCard.objects.filter(pk=card.pk, version=card.version).update(
            version=card.version + 1, **fields
        )
        if updated != 1:
            raise Conflict(
                _("This card was changed by someone else. Reload and try again."), code="cards.stale"
            )
        card.refresh_from_db()
    KtpTransition.objects.create(
        card=card,
        from_status=current,
        to_status=target,
        occurred_at=at,
        place_unit=place_unit,
        outreach_event_id=outreach_event_id,
        actor=actor.user if actor and actor.user else None,
        source=source,
        status_import=status_import,
        note=note[:200],
    )
    return card
