"""Distribution: sending printed cards to offices, receiving them, handing them over."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor, code_within, get_scoped, scoped
from warga.org.models import Unit, UnitKind

from ..models import (
    Delivery,
    Handover,
    KtpCard,
    KtpStatus,
    ProofKind,
    Suket,
    SuketStatus,
    TransitionSource,
)
from ..signals import card_handed_over
from ._common import _apply, _user


def _notify_ready(*, card: KtpCard, office: Unit) -> None:
    """SMS to the resident's verified phones: the card can be collected at this office."""
    from warga.messaging.services import sms_send

    phones = card.resident.phones.filter(
        verified_at__isnull=False, opted_out_at__isnull=True, failed_permanently_at__isnull=True
    ).values_list("number", flat=True)
    if not phones:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Your KTP-el is ready. Collect it at %(office)s during office hours; bring your KK or this SMS."
        ) % {"office": office.name}
    for number in set(phones):
        try:
            sms_send(to=number, text=text, purpose="notice")
        except InvalidInput:
            continue


@transaction.atomic
def delivery_send(*, actor: Actor, from_office: Unit, to_office: Unit, cards: Sequence[KtpCard]) -> Delivery:
    """Send printed cards to the kecamatan office where their holders live."""
    actor.require("cards.distribute")
    from_office = get_scoped(Unit.objects.all(), actor, pk=from_office.pk)
    target = Unit.objects.filter(pk=to_office.pk, kind=UnitKind.KECAMATAN_OFFICE).first()
    if target is None:
        raise InvalidInput(_("Cards are sent to a kecamatan office."), code="cards.delivery_target")
    to_office = target
    if not cards:
        raise InvalidInput(_("Choose the cards to send."), code="cards.delivery_empty")
    ids = [c.pk for c in cards]
    locked = list(
        scoped(KtpCard.objects.select_for_update().filter(pk__in=ids), actor).select_related("resident")
    )
    if len(locked) != len(set(ids)):
        raise NotFound(_("Not found."))
    now = timezone.now()
    for card in locked:
        if card.status != KtpStatus.PRINTED or card.pickup_office_id is not None:
            raise Conflict(
                _("Only printed cards not yet at a pick-up office can be sent."), code="cards.delivery_status"
            )
        if card.resident.desa_id == to_office.area_id or not code_within(
            card.resident.desa_id, to_office.area_id
        ):
            raise InvalidInput(
                _("A card can only go to the kecamatan where its holder lives."), code="cards.delivery_area"
            )
    delivery = Delivery.objects.create(
        from_office=from_office, to_office=to_office, sent_at=now, sent_by=_user(actor)
    )
    for card in locked:
        _apply(
            resident=card.resident,
            card=card,
            target=KtpStatus.SENT_TO_KECAMATAN,
            at=now,
            actor=actor,
            source=TransitionSource.DISTRIBUTION,
            place_unit=from_office,
            pickup_office=to_office,
        )
    delivery.cards.set(locked)
    audit_record(actor=actor, action="cards.delivery.send", obj=delivery, summary={"cards": len(locked)})
    return delivery


@transaction.atomic
def delivery_receive(*, actor: Actor, delivery: Delivery) -> Delivery:
    """The kecamatan office confirms the cards arrived; their holders get an SMS."""
    actor.require("cards.distribute")
    delivery = get_scoped(Delivery.objects.select_for_update(), actor, pk=delivery.pk)
    if actor.unit_id != delivery.to_office_id:
        raise NotAllowed(
            _("Only the receiving kecamatan office confirms a delivery."), code="cards.delivery_office"
        )
    if delivery.received_at is not None:
        raise Conflict(_("This delivery was already received."), code="cards.delivery_received")
    now = timezone.now()
    delivery.received_at, delivery.received_by = now, actor.user
    delivery.save(update_fields=["received_at", "received_by"])
    cards = list(delivery.cards.select_related("resident"))
    KtpCard.objects.filter(pk__in=[c.pk for c in cards]).update(ready_at=now)
    for card in cards:
        _notify_ready(card=card, office=delivery.to_office)
    audit_record(actor=actor, action="cards.delivery.receive", obj=delivery, summary={"cards": len(cards)})
    return delivery


@transaction.atomic
def card_hand_over(
    *,
    actor: Actor,
    card: KtpCard,
    recipient_name: str,
    proof_kind: str,
    proof_note: str,
    recipient_is_resident: bool = True,
) -> Handover:
    """Hand a card to its holder (or a family member) with proof; any open SUKET is closed."""
    actor.require("cards.distribute")
    card = get_scoped(KtpCard.objects.select_for_update().select_related("resident"), actor, pk=card.pk)
    recipient_name, proof_note = (recipient_name or "").strip(), (proof_note or "").strip()
    if not recipient_name:
        raise InvalidInput(_("Enter the name of the person who received the card."), code="cards.recipient")
    if proof_kind not in ProofKind.values or not proof_note:
        raise InvalidInput(
            _("Record the proof of hand-over (ID, photo or signature note)."), code="cards.proof"
        )
    if card.ready_at is None or card.status not in (KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN):
        raise Conflict(_("This card is not waiting for pick-up."), code="cards.not_ready")
    office = card.pickup_office
    if office is None or (actor.unit_id != office.pk and not actor.covers(office.area_id)):
        raise NotAllowed(
            _("The card is handed over by the office that holds it."), code="cards.handover_office"
        )
    now = timezone.now()
    card = _apply(
        resident=card.resident,
        card=card,
        target=KtpStatus.HANDED_OVER,
        at=now,
        actor=actor,
        source=TransitionSource.DISTRIBUTION,
        place_unit=office,
    )
    handover = Handover.objects.create(
        card=card,
        office=office,
        recipient_name=recipient_name[:120],
        recipient_is_resident=recipient_is_resident,
        proof_kind=proof_kind,
        proof_note=proof_note[:200],
        handed_at=now,
        officer=_user(actor),
    )
    closed = Suket.objects.filter(resident=card.resident, status=SuketStatus.VALID).update(
        status=SuketStatus.CLOSED, closed_at=now, close_reason="card_handed_over"
    )
    card_handed_over.send(sender=Handover, handover=handover, resident_id=card.resident_id, by=_user(actor))
    audit_record(
        actor=actor,
        action="cards.handover",
        obj=handover,
        summary={"proof": proof_kind, "suket_closed": closed},
    )
    return handover
