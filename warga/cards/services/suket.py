"""SUKET: the temporary certificate issued while a card is not yet printed, and its revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit
from warga.registry.models import Resident

from ..models import (
    KtpCard,
    KtpStatus,
    Suket,
    SuketStatus,
)
from ._common import _user


@transaction.atomic
def suket_issue(*, actor: Actor, resident: Resident, office: Unit, valid_days: int | None = None) -> Suket:
    """A SUKET for a resident whose KTP-el is recorded but not yet printed."""
    actor.require("cards.suket")
    resident = get_scoped(Resident.objects.select_for_update(), actor, pk=resident.pk)
    office = get_scoped(Unit.objects.all(), actor, pk=office.pk)
    card = KtpCard.objects.filter(resident=resident).first()
    if card is None or card.status not in (KtpStatus.RECORDED, KtpStatus.PRR):
        raise Conflict(
            _("A SUKET is issued only while a recorded KTP-el waits to be printed."),
            code="cards.suket_status",
        )
    if Suket.objects.filter(
        resident=resident, status=SuketStatus.VALID, valid_until__gte=timezone.localdate()
    ).exists():
        raise Conflict(_("This resident already holds a valid SUKET."), code="cards.suket_exists")
    Suket.objects.filter(resident=resident, status=SuketStatus.VALID).update(
        status=SuketStatus.CLOSED, closed_at=timezone.now(), close_reason="expired_replaced"
    )
    days = valid_days or int(getattr(settings, "CARDS_SUKET_VALID_DAYS", 180))
    if days <= 0 or days > 366:
        raise InvalidInput(_("A SUKET is valid for 1 to 366 days."), code="cards.suket_days")
    today = timezone.localdate()
    suket = Suket.objects.create(
        number=f"tmp-{uuid.uuid4().hex}",
        resident=resident,
        office=office,
        issued_on=today,
        valid_until=today + timedelta(days=days),
        issued_by=_user(actor),
    )
    suket.number = f"SKT/{today.year}/{suket.pk:07d}"
    suket.save(update_fields=["number"])
    audit_record(actor=actor, action="cards.suket.issue", obj=suket, summary={"days": days})
    return suket


REVOKE_REASON_MIN = 5


@transaction.atomic
def suket_revoke(*, actor: Actor, suket: Suket, reason: str) -> Suket:
    """Withdraw a SUKET that must no longer stand in for the KTP-el (issued in error, the paper
    lost or misused). Only a SUKET still marked valid can be revoked; the public check then says
    it is not valid. The reason stays with the SUKET; the audit row holds no free text."""
    actor.require("cards.suket")
    suket = get_scoped(Suket.objects.select_for_update(of=("self",)), actor, pk=suket.pk)
    if suket.status != SuketStatus.VALID:
        raise Conflict(
            _("Only a valid SUKET can be revoked; SUKET %(number)s is already “%(status)s”.")
            % {"number": suket.number, "status": suket.get_status_display()},
            code="cards.suket_not_valid",
        )
    reason = " ".join((reason or "").split())
    if len(reason) < REVOKE_REASON_MIN:
        raise InvalidInput(
            _("Give the reason for revoking the SUKET (at least %(n)d characters).")
            % {"n": REVOKE_REASON_MIN},
            code="cards.suket_reason",
        )
    now = timezone.now()
    expired = suket.valid_until < timezone.localdate()
    updated = Suket.objects.filter(pk=suket.pk, status=SuketStatus.VALID).update(
        status=SuketStatus.REVOKED, closed_at=now, close_reason=reason[:200]
    )
    if updated != 1:  # pragma: no cover - the row is locked above
        raise Conflict(_("This SUKET was changed by someone else. Reload and try again."), code="cards.stale")
    suket.refresh_from_db()
    audit_record(
        actor=actor,
        action="cards.suket.revoke",
        obj=suket,
        summary={"from": SuketStatus.VALID.value, "to": SuketStatus.REVOKED.value, "expired": expired},
    )
    return suket
