"""Recording a resident's KTP-el and updating a card's status by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record, audit_record_many
from warga.core.bulk import bulk_saved
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, rescoped, scoped, unscoped
from warga.org.models import Unit, UnitKind
from warga.registry.models import LifeStatus, Resident

from ..models import (
    UNRECORDED,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PlaceKind,
    RecordingEvent,
    TransitionSource,
)
from ._common import _apply, _user


def _locked_card(resident: Resident) -> KtpCard | None:
    return KtpCard.objects.select_for_update().filter(resident=resident).first()


def _when(at: datetime) -> datetime:
    """An aware moment, not in the future (device clocks may run a few minutes ahead)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("The date cannot be in the future."), code="cards.future_date")
    if at.year < 2000:
        raise InvalidInput(_("The date is too far in the past."), code="cards.past_date")
    return at


@transaction.atomic
def ktp_recording_record(
    *,
    actor: Actor,
    resident: Resident,
    recorded_at: datetime,
    place_unit: Unit | None,
    device_set: str,
    outreach_event_id: int | None = None,
    client_ref: str = "",
) -> RecordingEvent:
    """Record that a resident's KTP-el recording took place (office, kecamatan or field).

    Offline devices resend: a known `client_ref` returns the recording made the first time.
    """
    actor.require("cards.record")
    client_ref = (client_ref or "").strip()[:64]
    if client_ref:
        with unscoped("resend: a client reference names one recording, wherever it was made"):
            existing = RecordingEvent.objects.filter(client_ref=client_ref).first()
        if existing is not None:
            if existing.resident_id != resident.pk:
                raise Conflict(
                    _("This reference was already used for another recording."), code="cards.client_ref"
                )
            return existing
    resident = rescoped(resident, actor)
    device_set = (device_set or "").strip()
    if not device_set:
        raise InvalidInput(_("Enter the recording device set."), code="cards.device_set")
    recorded_at = _when(recorded_at)
    if outreach_event_id is not None and not 0 < outreach_event_id < 2**31:
        raise InvalidInput(_("Unknown outreach event."), code="cards.outreach_event")
    if resident.life_status != LifeStatus.ALIVE:
        raise InvalidInput(_("Only living residents of this area can be recorded."), code="cards.not_alive")
    if resident.age_on(timezone.localtime(recorded_at).date()) < 16 and not resident.ever_married:
        raise InvalidInput(
            _("KTP-el recording starts at 16 years of age (or at marriage)."), code="cards.too_young"
        )
    if place_unit is not None:
        if place_unit.kind == UnitKind.DISDUKCAPIL:
            place_kind = PlaceKind.OFFICE
        elif place_unit.kind == UnitKind.KECAMATAN_OFFICE:
            place_kind = PlaceKind.KECAMATAN
        else:
            place_kind = PlaceKind.FIELD
        if outreach_event_id:
            place_kind = PlaceKind.FIELD
    elif outreach_event_id:
        place_kind = PlaceKind.FIELD
    else:
        raise InvalidInput(
            _("Say where the recording took place (office or outreach event)."), code="cards.place"
        )
    card = _locked_card(resident)
    _apply(
        resident=resident,
        card=card,
        target=KtpStatus.RECORDED,
        at=recorded_at,
        actor=actor,
        source=TransitionSource.RECORDING,
        place_unit=place_unit,
        outreach_event_id=outreach_event_id,
        note=device_set,
    )
    try:
        # No savepoint of its own: on a duplicate reference this whole service rolls back.
        event = RecordingEvent.objects.create(
            resident=resident,
            recorded_at=recorded_at,
            place_kind=place_kind,
            place_unit=place_unit,
            outreach_event_id=outreach_event_id,
            device_set=device_set[:40],
            officer=_user(actor),
            client_ref=client_ref,
        )
    except IntegrityError as exc:
        raise Conflict(_("This recording was already saved."), code="cards.client_ref") from exc
    audit_record(
        actor=actor,
        action="cards.recording.create",
        obj=event,
        summary={"place": place_kind, "outreach_event": outreach_event_id},
    )
    return event


@dataclass
class FirstRecording:
    """One recording for `ktp_recordings_record_many`."""

    resident_id: int
    recorded_at: datetime
    device_set: str
    client_ref: str


@transaction.atomic
def ktp_recordings_record_many(
    *, actor: Actor, items: Sequence[FirstRecording], outreach_event_id: int
) -> dict[int, RecordingEvent]:
    """Record several residents' first KTP-el recordings at one outreach event in a few
    statements (one INSERT each for the cards, their transitions, the recording events and the
    audit rows): what `ktp_recording_record` does for each, for the common case only.

    Returns {index in `items`: recording} for the items recorded here. An item is left out, with
    nothing written for it, whenever `ktp_recording_record` could answer anything else or needs a
    row lock: an actor who may not record, a resident outside the actor's area, not alive, too
    young, with a card row already, named twice, a reference already used, a bad device set or
    date. The caller passes those to
    `ktp_recording_record` one by one, which gives the same answer it always gives. A card
    inserted meanwhile by another transaction makes the INSERT fail (one card per resident): the
    caller rolls this back and takes every item one by one.
    """
    if not items or not actor.can("cards.record") or not 0 < outreach_event_id < 2**31:
        return {}
    officer = _user(actor)
    ids = [item.resident_id for item in items]
    refs = [item.client_ref.strip()[:64] for item in items]
    with unscoped("the actor's area filters the residents; any card or reference sends an item one by one"):
        residents = {r.pk: r for r in scoped(Resident.objects.filter(pk__in=ids), actor)}
        with_card = set(KtpCard.objects.filter(resident_id__in=ids).values_list("resident_id", flat=True))
        used = set(
            RecordingEvent.objects.filter(client_ref__in=[r for r in refs if r]).values_list(
                "client_ref", flat=True
            )
        )
    twice = {rid for rid in ids if ids.count(rid) > 1} if len(set(ids)) != len(ids) else set()
    now = timezone.now()
    chosen: list[tuple[int, Resident, FirstRecording, str]] = []
    for index, (item, ref) in enumerate(zip(items, refs, strict=True)):
        resident = residents.get(item.resident_id)
        at = item.recorded_at
        if (
            resident is None
            or item.resident_id in with_card
            or item.resident_id in twice
            or not ref
            or ref in used
            or not item.device_set.strip()
            or timezone.is_naive(at)
            or at > now + timedelta(minutes=5)
            or at.year < 2000
            or resident.life_status != LifeStatus.ALIVE
            or (resident.age_on(timezone.localtime(at).date()) < 16 and not resident.ever_married)
        ):
            continue
        chosen.append((index, resident, item, ref))
    if not chosen:
        return {}
    cards = KtpCard.objects.bulk_create(
        [
            KtpCard(resident=r, status=KtpStatus.RECORDED, status_at=i.recorded_at, recorded_at=i.recorded_at)
            for _n, r, i, _ref in chosen
        ]
    )
    transitions = KtpTransition.objects.bulk_create(
        [
            KtpTransition(
                card=card,
                from_status=UNRECORDED,
                to_status=KtpStatus.RECORDED,
                occurred_at=i.recorded_at,
                outreach_event_id=outreach_event_id,
                actor=officer,
                source=TransitionSource.RECORDING,
                note=i.device_set.strip()[:200],
            )
            for card, (_n, _r, i, _ref) in zip(cards, chosen, strict=True)
        ]
    )
    events = RecordingEvent.objects.bulk_create(
        [
            RecordingEvent(
                resident=r,
                recorded_at=i.recorded_at,
                place_kind=PlaceKind.FIELD,
                outreach_event_id=outreach_event_id,
                device_set=i.device_set.strip()[:40],
                officer=officer,
                client_ref=ref,
            )
            for _n, r, i, ref in chosen
        ]
    )
    # What `create()` would have signalled row by row (the KTP-el statistics' refresh on commit).
    bulk_saved(KtpCard, cards)
    bulk_saved(KtpTransition, transitions)
    bulk_saved(RecordingEvent, events)
    summary = {"place": PlaceKind.FIELD, "outreach_event": outreach_event_id}
    audit_record_many(
        actor=actor, entries=[("cards.recording.create", event, dict(summary)) for event in events]
    )
    return {n: event for (n, _r, _i, _ref), event in zip(chosen, events, strict=True)}


CENTRE_OUTCOMES = (KtpStatus.PRR, KtpStatus.DUPLICATE, KtpStatus.ENROLMENT_FAILED)


@transaction.atomic
def ktp_status_update(
    *, actor: Actor, resident: Resident, status: str, occurred_at: datetime, note: str = ""
) -> KtpCard:
    """Enter the national centre's outcome for one resident (PRR, duplicate, enrolment failure)."""
    actor.require("cards.status_update")
    if status not in CENTRE_OUTCOMES:
        raise InvalidInput(_("Choose print-ready, duplicate found or enrolment failed."), code="cards.status")
    resident = get_scoped(Resident.objects.all(), actor, pk=resident.pk)
    occurred_at = _when(occurred_at)
    card = _locked_card(resident)
    card = _apply(
        resident=resident,
        card=card,
        target=status,
        at=occurred_at,
        actor=actor,
        source=TransitionSource.MANUAL,
        note=note,
    )
    audit_record(actor=actor, action="cards.status.update", obj=card, summary={"status": status})
    return card
