"""Handing over many printed cards at once (a desa's hand-over day): each card through the single
hand-over (`card_hand_over`: the same checks, its `Handover` row, the SUKET closed, the
`card_handed_over` signal and its audit row), all in one transaction with one audit row for the
whole operation. A refused card refuses the lot: the preview lists every refusal first."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, scoped

from ..models import KtpCard, KtpStatus, ProofKind
from .distribution import card_hand_over

MAX_HANDOVER = 2000
HANDOVER_SALT = "warga.cards.bulk_handover"


@dataclass
class HandoverPlan:
    cards: list[KtpCard] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.cards) and not self.refusals and not self.unknown

    @property
    def digest(self) -> str:
        body = ",".join(f"{c.pk}:{c.version}" for c in self.cards)
        return hashlib.sha256(body.encode()).hexdigest()


def handover_plan(*, actor: Actor, card_ids: list[int], serials: list[str]) -> HandoverPlan:
    """The cards chosen (ticked or scanned), each checked as the single hand-over checks it."""
    actor.require("cards.distribute")
    if len(card_ids) + len(serials) > MAX_HANDOVER:
        raise InvalidInput(
            _("At most %(max)d cards at once.") % {"max": MAX_HANDOVER}, code="cards.bulk_too_many"
        )
    plan = HandoverPlan()
    qs = scoped(KtpCard.objects.select_related("resident", "pickup_office"), actor)
    found = {c.pk: c for c in qs.filter(pk__in=card_ids)}
    by_serial = {c.card_serial: c for c in qs.filter(card_serial__in=serials)}
    plan.unknown = [s for s in dict.fromkeys(serials) if s not in by_serial]
    if len(found) != len(set(card_ids)):
        plan.unknown.append(_("Some chosen cards were not found."))
    chosen = {**found, **{c.pk: c for c in by_serial.values()}}
    for card in sorted(chosen.values(), key=lambda c: c.pk):
        office = card.pickup_office
        if card.ready_at is None or card.status not in (KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN):
            plan.refusals.append(
                _("Card %(serial)s: this card is not waiting for pick-up.") % {"serial": card.card_serial}
            )
        elif office is None or (actor.unit_id != office.pk and not actor.covers(office.area_id)):
            plan.refusals.append(
                _("Card %(serial)s: the card is handed over by the office that holds it.")
                % {"serial": card.card_serial}
            )
        plan.cards.append(card)
    return plan


def handover_token(plan: HandoverPlan) -> str:
    return signing.dumps({"d": plan.digest}, salt=HANDOVER_SALT)


@transaction.atomic
def cards_hand_over_many(
    *, actor: Actor, card_ids: list[int], serials: list[str], proof_kind: str, proof_note: str, token: str
) -> int:
    """Hand over every previewed card to its holder in person, or none. Returns how many."""
    actor.require("cards.distribute")
    proof_note = (proof_note or "").strip()
    if proof_kind not in ProofKind.values or not proof_note:
        raise InvalidInput(
            _("Record the proof of hand-over (ID, photo or signature note)."), code="cards.proof"
        )
    plan = handover_plan(actor=actor, card_ids=card_ids, serials=serials)
    try:
        signed = signing.loads(token or "", salt=HANDOVER_SALT, max_age=2 * 60 * 60)
    except signing.BadSignature as exc:
        raise Conflict(_("The preview is no longer valid. Preview again."), code="cards.bulk_token") from exc
    if signed.get("d") != plan.digest:
        raise Conflict(
            _("These cards changed since the preview. Check the new preview."), code="cards.bulk_stale"
        )
    if not plan.ok:
        raise InvalidInput(
            (plan.refusals or plan.unknown or [_("Choose the cards to hand over.")])[0],
            code="cards.bulk_refused",
        )
    for card in plan.cards:
        card_hand_over(
            actor=actor,
            card=card,
            recipient_name=card.resident.full_name,
            proof_kind=proof_kind,
            proof_note=proof_note,
            recipient_is_resident=True,
        )
    audit_record(
        actor=actor,
        action="cards.handover.bulk",
        object_type="cards.ktpcard",
        object_id="",
        summary={"cards": len(plan.cards), "proof": proof_kind},
    )
    return len(plan.cards)
