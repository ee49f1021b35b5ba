"""The KTP-el cards API: the same services, selectors and scoping as the pages."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.errors import InvalidInput, NotFound
from warga.core.pagination import PageNumberPagination
from warga.core.permissions import public, requires
from warga.core.scoping import Actor, in_scope
from warga.org.models import Unit
from warga.org.selectors import unit_of_area
from warga.regions.lookups import CODE_RE
from warga.registry.models import Resident
from warga.registry.selectors import resident_open

from . import selectors as sel
from . import services as svc
from .documents import masked_name, suket_from_token
from .models import (
    Delivery,
    KtpCard,
    KtpStatus,
    PrintBatch,
    PrintBatchItem,
    PriorityRuleSet,
    StatusImport,
    Suket,
    SuketStatus,
)
from .priority import default_rule_set, preview_remember, rank_queue, reason_text

PREFIX = "/cards"
router = Router(tags=["cards"])
AUTHED = (401, 403, 404)


def _need(request: HttpRequest, capability: str) -> Actor:
    actor = actor_of(request)
    actor.require(capability)
    return actor


def _resident(actor: Actor, pk: int) -> Resident:
    return in_scope(Resident.objects.select_related("desa"), pk=pk)


def _office(actor: Actor, pk: int) -> Unit:
    return unit_of_area(actor=actor, pk=pk)


def _area(actor: Actor, code: str | None) -> str:
    code = (code or actor.area_code or settings.WARGA_REGION_CODE).strip()
    if not CODE_RE.match(code) or not actor.covers(code):
        raise NotFound(_("Not found."))
    return code


# --- Schemas ----------------------------------------------------------------------------------------


class TransitionOut(Schema):
    from_status: str
    to_status: str
    occurred_at: datetime
    place_unit: str | None
    outreach_event_id: int | None
    actor: str | None
    source: str


class CardStatusOut(Schema):
    resident_id: int
    status: str
    status_label: str
    card_serial: str | None = None
    pickup_office: str | None = None
    ready_at: datetime | None = None
    transitions: list[TransitionOut]


class RecordingIn(Schema):
    resident_id: int
    recorded_at: datetime
    place_unit_id: int | None = None
    device_set: str
    outreach_event_id: int | None = None
    client_ref: str = ""


class RecordingOut(Schema):
    id: int
    resident_id: int
    recorded_at: datetime
    place_kind: str
    device_set: str


class StatusIn(Schema):
    status: str
    occurred_at: datetime
    note: str = ""


class ImportErrorOut(Schema):
    row: int
    message: str


class ImportOut(Schema):
    id: int
    state: str = Field(description="pending, processing, applied or rejected")
    rows: int
    changed: int
    unchanged: int
    errors: list[ImportErrorOut] = []


class TargetOut(Schema):
    code: str
    name: str
    required: int
    not_recorded: int
    new_voters: int
    failed: int
    waiting: int
    prr: int
    printed: int
    coverage: float


class BacklogOut(Schema):
    code: str
    name: str
    count: int


class StockOut(Schema):
    office_id: int
    office: str
    balance: int
    printed_14d: int
    spoiled_14d: int
    days_of_cover: float | None


class EntryOut(Schema):
    id: int
    office: str
    kind: str
    quantity: int
    occurred_on: date
    serial_from: str
    serial_to: str
    card_serial: str | None
    counted: int | None
    reason: str


class RequestIn(Schema):
    office_id: int
    reference: str
    quantity_asked: int
    asked_on: date
    note: str = ""


class RequestOut(Schema):
    id: int
    office: str
    reference: str
    quantity_asked: int
    asked_on: date
    received: int
    outstanding: int


class AllocationIn(Schema):
    office_id: int
    quantity: int
    received_on: date
    serial_from: str
    serial_to: str
    request_id: int | None = None


class TransferIn(Schema):
    from_office_id: int
    to_office_id: int
    quantity: int
    transferred_on: date
    note: str = ""


class CountIn(Schema):
    office_id: int
    counted: int
    counted_on: date
    note: str = ""


class ShareOut(Schema):
    code: str
    name: str
    backlog: int
    places: int


class QueueEntryOut(Schema):
    rank: int
    card_id: int
    resident_id: int
    kecamatan: str
    score: float
    selected: bool
    reasons: list[str]


class QueuePreviewOut(Schema):
    office_id: int
    rule_set_id: int
    size: int
    balance: int
    waiting: int
    selected: int
    shares: list[ShareOut]
    top: list[QueueEntryOut]
    preview: str = Field(
        description="Give it to the lock (`POST /batches`) to take exactly these places while they are "
        "all still free (kept 15 minutes, for the officer who previewed); empty when nothing is selected."
    )


class BatchIn(Schema):
    office_id: int
    rule_set_id: int | None = None
    size: int
    preview: str = Field(
        "", max_length=64, description="The token of this officer's preview of the same queue and size."
    )


class BatchOut(Schema):
    id: int
    office: str
    status: str
    size_asked: int
    places: int
    printed: int
    pending: int
    spoiled: int
    created_at: datetime


class ItemOut(Schema):
    id: int
    rank: int
    card_id: int
    resident_id: int
    kecamatan: str
    score: float
    result: str
    card_serial: str
    reasons: list[str]


class ItemResultIn(Schema):
    result: str
    card_serial: str = ""
    reason: str = ""


class CloseOut(Schema):
    released: int


class DeliveryIn(Schema):
    to_office_id: int
    card_ids: list[int]


class DeliveryOut(Schema):
    id: int
    from_office: str
    to_office: str
    sent_at: datetime
    received_at: datetime | None
    cards: int


class HandoverIn(Schema):
    recipient_name: str
    proof_kind: str
    proof_note: str
    recipient_is_resident: bool = True


class HandoverOut(Schema):
    id: int
    card_id: int
    handed_at: datetime


class PickupOut(Schema):
    card_id: int
    resident_id: int
    pickup_office: str | None
    ready_at: datetime | None
    status: str


class SuketIn(Schema):
    resident_id: int
    office_id: int
    valid_days: int | None = None


class SuketOut(Schema):
    id: int
    number: str
    resident_id: int
    issued_on: date
    valid_until: date
    status: str
    closed_at: datetime | None = None
    close_reason: str = ""


class SuketRevokeIn(Schema):
    reason: str


class SuketVerifyOut(Schema):
    number: str
    name: str
    issued_by: str
    issued_on: date
    valid_until: date
    status: str
    closed_on: date | None = None


class PublicStockOut(Schema):
    office: str
    balance: int
    days_of_cover: float | None


class StatisticsOut(Schema):
    coverage: list[TargetOut]
    prr_backlog: list[BacklogOut]
    printing_per_day: list[dict[str, Any]]
    stock: list[StockOut]
    requests: list[RequestOut]


# --- Converters -------------------------------------------------------------------------------------


def _target(row: sel.TargetRow) -> TargetOut:
    return TargetOut(
        code=row.code,
        name=row.name,
        required=row.required,
        not_recorded=row.not_recorded,
        new_voters=row.new_voters,
        failed=row.failed,
        waiting=row.waiting,
        prr=row.prr,
        printed=row.printed,
        coverage=row.coverage,
    )


def _stock(line: sel.StockLine) -> StockOut:
    return StockOut(
        office_id=line.account.office_id,
        office=line.account.office.name,
        balance=line.balance,
        printed_14d=line.printed_14d,
        spoiled_14d=line.spoiled_14d,
        days_of_cover=line.days_of_cover,
    )


def _request(r: Any) -> RequestOut:
    return RequestOut(
        id=r.pk,
        office=r.account.office.name,
        reference=r.reference,
        quantity_asked=r.quantity_asked,
        asked_on=r.asked_on,
        received=getattr(r, "received", 0),
        outstanding=getattr(r, "outstanding", r.quantity_asked),
    )


def _entry(e: Any) -> EntryOut:
    return EntryOut(
        id=e.pk,
        office=e.account.office.name,
        kind=e.kind,
        quantity=e.quantity,
        occurred_on=e.occurred_on,
        serial_from=e.serial_from,
        serial_to=e.serial_to,
        card_serial=e.card_serial,
        counted=e.counted,
        reason=e.reason,
    )


def _batch(b: PrintBatch) -> BatchOut:
    return BatchOut(
        id=b.pk,
        office=b.office.name,
        status=b.status,
        size_asked=b.size_asked,
        places=getattr(b, "n_items", 0),
        printed=getattr(b, "n_printed", 0),
        pending=getattr(b, "n_pending", 0),
        spoiled=getattr(b, "n_spoiled", 0),
        created_at=b.created_at,
    )


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        from_office=d.from_office.name,
        to_office=d.to_office.name,
        sent_at=d.sent_at,
        received_at=d.received_at,
        cards=getattr(d, "n_cards", None) or d.cards.count(),
    )


def _suket(s: Suket) -> SuketOut:
    return SuketOut(
        id=s.pk,
        number=s.number,
        resident_id=s.resident_id,
        issued_on=s.issued_on,
        valid_until=s.valid_until,
        status=sel.suket_effective_status(s),
        closed_at=s.closed_at if s.status != SuketStatus.VALID else None,
        close_reason=s.close_reason if s.status != SuketStatus.VALID else "",
    )


# --- Status and recording ---------------------------------------------------------------------------


@router.get(
    "/residents/{resident_id}/status",
    response={200: CardStatusOut, **errors(*AUTHED)},
    summary="A resident's KTP-el status and dated history",
)
@requires("registry.view", also=("cards.view",))
def resident_status(request: HttpRequest, resident_id: int) -> CardStatusOut:
    actor = _need(request, "cards.view")
    resident = resident_open(actor=actor, pk=resident_id, purpose="ktp_view")
    card = sel.ktp_card_of(resident)
    status = sel.ktp_status_of(resident)
    transitions = []
    if card is not None:
        for t in card.transitions.select_related("place_unit", "actor"):
            transitions.append(
                TransitionOut(
                    from_status=t.from_status,
                    to_status=t.to_status,
                    occurred_at=t.occurred_at,
                    place_unit=t.place_unit.name if t.place_unit else None,
                    outreach_event_id=t.outreach_event_id,
                    actor=t.actor.username if t.actor else None,
                    source=t.source,
                )
            )
    return CardStatusOut(
        resident_id=resident.pk,
        status=status,
        status_label=str(KtpStatus(status).label),
        card_serial=card.card_serial if card else None,
        pickup_office=card.pickup_office.name if card and card.pickup_office else None,
        ready_at=card.ready_at if card else None,
        transitions=transitions,
    )


@router.post(
    "/recordings",
    response={201: RecordingOut, **errors(*AUTHED, 409)},
    summary="Record that KTP-el recording took place",
)
@requires("cards.record")
def recording_create(request: HttpRequest, payload: RecordingIn) -> Status:
    actor = _need(request, "cards.record")
    resident = _resident(actor, payload.resident_id)
    place = _office(actor, payload.place_unit_id) if payload.place_unit_id else None
    event = svc.ktp_recording_record(
        actor=actor,
        resident=resident,
        recorded_at=payload.recorded_at,
        place_unit=place,
        device_set=payload.device_set,
        outreach_event_id=payload.outreach_event_id,
        client_ref=payload.client_ref,
    )
    return Status(
        201,
        RecordingOut(
            id=event.pk,
            resident_id=event.resident_id,
            recorded_at=event.recorded_at,
            place_kind=event.place_kind,
            device_set=event.device_set,
        ),
    )


@router.post(
    "/residents/{resident_id}/status",
    response={200: CardStatusOut, **errors(*AUTHED, 409)},
    summary="Enter the national centre's outcome (prr, duplicate, enrolment_failed)",
)
@requires("cards.status_update")
def resident_status_update(request: HttpRequest, resident_id: int, payload: StatusIn) -> CardStatusOut:
    actor = _need(request, "cards.status_update")
    resident = _resident(actor, resident_id)
    svc.ktp_status_update(
        actor=actor,
        resident=resident,
        status=payload.status,
        occurred_at=payload.occurred_at,
        note=payload.note,
    )
    return resident_status(request, resident_id)


def _import_out(imp: StatusImport) -> ImportOut:
    return ImportOut(
        id=imp.pk,
        state=imp.state,
        rows=imp.rows,
        changed=imp.changed,
        unchanged=imp.unchanged,
        errors=[ImportErrorOut(row=e.get("row", 0), message=e.get("message", "")) for e in imp.errors],
    )


@router.post(
    "/imports",
    response={202: ImportOut, **errors(*AUTHED, 409)},
    summary="Import a national-system status export (CSV/XLSX: NIK, status, date); all or nothing",
)
@requires("cards.status_update")
def status_import(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """The file is checked for size and declared rows at once, then read and applied in the
    background: poll `GET /cards/imports/{id}` until the state is applied or rejected."""
    actor = _need(request, "cards.status_update")
    if file.size and file.size > svc.MAX_IMPORT_BYTES:
        raise InvalidInput(
            _("The file is larger than 20 MB. Split it into smaller files."), code="cards.import_size"
        )
    queued = svc.ktp_status_import_queue(actor=actor, filename=file.name or "upload", content=file.read())
    return Status(202, _import_out(queued))


@router.get(
    "/imports/{int:import_id}",
    response={200: ImportOut, **errors(*AUTHED, 404)},
    summary="One status import: waiting, being checked, applied or rejected (with its errors)",
)
@requires("cards.status_update")
def status_import_get(request: HttpRequest, import_id: int) -> ImportOut:
    _need(request, "cards.status_update")
    return _import_out(in_scope(StatusImport.objects.all(), pk=import_id))


# --- Targets and statistics ---------------------------------------------------------------------------


@router.get(
    "/targets",
    response={200: list[TargetOut], **errors(*AUTHED)},
    summary="Per desa: who must hold a KTP-el at a date, and who is not recorded",
)
@paginate(PageNumberPagination, page_size=100)
@requires("cards.view")
def targets(request: HttpRequest, area: str | None = None, on: date | None = None) -> list[TargetOut]:
    actor = _need(request, "cards.view")
    code = _area(actor, area)
    if on is not None and not date(1990, 1, 1) <= on <= date(2200, 12, 31):
        raise InvalidInput(_("Choose a date between 1990 and 2200."), code="cards.date")
    return [_target(r) for r in sel.targets_per_desa(actor=actor, area_code=code, on=on)]


@router.get(
    "/backlog",
    response={200: list[BacklogOut], **errors(*AUTHED)},
    summary="Print-ready (PRR) backlog per kecamatan",
)
@requires("cards.view")
def backlog(request: HttpRequest) -> list[BacklogOut]:
    actor = _need(request, "cards.view")
    return [BacklogOut(**row) for row in sel.prr_backlog_per_kecamatan(actor=actor)]


@router.get(
    "/statistics",
    response={200: StatisticsOut, **errors(*AUTHED)},
    summary="Coverage per kecamatan, PRR backlog, printing per day, stock and requests",
)
@requires("cards.stats")
def statistics(request: HttpRequest) -> StatisticsOut:
    actor = _need(request, "cards.stats")
    code = _area(actor, None)
    rows = sel.targets_per_kecamatan(sel.targets_per_desa(actor=actor, area_code=code))
    can_stock = actor.can("cards.stock_view")
    return StatisticsOut(
        coverage=[_target(r) for r in rows],
        prr_backlog=[BacklogOut(**row) for row in sel.prr_backlog_per_kecamatan(actor=actor)],
        printing_per_day=[
            {"day": d["day"].isoformat(), "printed": d["printed"], "spoiled": d["spoiled"]}
            for d in sel.printing_per_day(actor=actor)
        ],
        stock=[_stock(line) for line in sel.stock_overview(sel.stock_accounts(actor=actor))]
        if can_stock
        else [],
        requests=[_request(r) for r in sel.requests_asked_vs_received(actor=actor)[:100]]
        if can_stock
        else [],
    )


# --- Stock ------------------------------------------------------------------------------------------------


@router.get(
    "/stock/public",
    auth=None,
    response={200: list[PublicStockOut], **errors(404)},
    summary="Today's blank stock per office (public)",
)
@public
def stock_public(request: HttpRequest) -> list[PublicStockOut]:
    return [
        PublicStockOut(
            office=line.account.office.name, balance=line.balance, days_of_cover=line.days_of_cover
        )
        for line in sel.public_stock()
    ]


@router.get(
    "/stock", response={200: list[StockOut], **errors(*AUTHED)}, summary="Stock and days of cover per office"
)
@requires("cards.stock_view")
def stock(request: HttpRequest) -> list[StockOut]:
    actor = _need(request, "cards.stock_view")
    return [_stock(line) for line in sel.stock_overview(sel.stock_accounts(actor=actor))]


@router.get("/stock/entries", response={200: list[EntryOut], **errors(*AUTHED)}, summary="Ledger entries")
@paginate(PageNumberPagination, page_size=50)
@requires("cards.stock_view")
def stock_entries(request: HttpRequest, office_id: int | None = None) -> Any:
    actor = _need(request, "cards.stock_view")
    account = None
    if office_id is not None:
        account = sel.stock_accounts(actor=actor).filter(office_id=office_id).first()
        if account is None:
            raise NotFound(_("Not found."))
    return [_entry(e) for e in sel.stock_entries(actor=actor, account=account)]


@router.get(
    "/stock/requests",
    response={200: list[RequestOut], **errors(*AUTHED)},
    summary="Requests to the ministry: asked vs received",
)
@paginate(PageNumberPagination, page_size=50)
@requires("cards.stock_view")
def stock_requests(request: HttpRequest) -> Any:
    actor = _need(request, "cards.stock_view")
    return [_request(r) for r in sel.requests_asked_vs_received(actor=actor)]


@router.post(
    "/stock/requests",
    response={201: RequestOut, **errors(*AUTHED, 409)},
    summary="Blanks asked of the ministry",
)
@requires("cards.stock_manage")
def stock_request_create(request: HttpRequest, payload: RequestIn) -> Status:
    actor = _need(request, "cards.stock_manage")
    r = svc.blank_request_create(
        actor=actor,
        office=_office(actor, payload.office_id),
        quantity_asked=payload.quantity_asked,
        asked_on=payload.asked_on,
        reference=payload.reference,
        note=payload.note,
    )
    return Status(201, _request(r))


@router.post(
    "/stock/allocations", response={201: EntryOut, **errors(*AUTHED, 409)}, summary="Blanks received"
)
@requires("cards.stock_manage")
def stock_allocation(request: HttpRequest, payload: AllocationIn) -> Status:
    actor = _need(request, "cards.stock_manage")
    req = None
    if payload.request_id is not None:
        req = sel.requests_asked_vs_received(actor=actor).filter(pk=payload.request_id).first()
        if req is None:
            raise NotFound(_("Not found."))
    entry = svc.blank_allocation_receive(
        actor=actor,
        office=_office(actor, payload.office_id),
        quantity=payload.quantity,
        received_on=payload.received_on,
        serial_from=payload.serial_from,
        serial_to=payload.serial_to,
        request=req,
    )
    return Status(201, _entry(entry))


@router.post(
    "/stock/transfers",
    response={201: list[EntryOut], **errors(*AUTHED, 409)},
    summary="Transfer blanks to another office (out and in entries)",
)
@requires("cards.stock_manage")
def stock_transfer(request: HttpRequest, payload: TransferIn) -> Status:
    actor = _need(request, "cards.stock_manage")
    out, into = svc.blank_transfer(
        actor=actor,
        from_office=_office(actor, payload.from_office_id),
        to_office=_office(actor, payload.to_office_id),
        quantity=payload.quantity,
        transferred_on=payload.transferred_on,
        note=payload.note,
    )
    return Status(201, [_entry(out), _entry(into)])


@router.post(
    "/stock/counts",
    response={201: EntryOut, **errors(*AUTHED, 409)},
    summary="Stock count (difference booked)",
)
@requires("cards.stock_manage")
def stock_count(request: HttpRequest, payload: CountIn) -> Status:
    actor = _need(request, "cards.stock_manage")
    entry = svc.stock_count_record(
        actor=actor,
        office=_office(actor, payload.office_id),
        counted=payload.counted,
        counted_on=payload.counted_on,
        note=payload.note,
    )
    return Status(201, _entry(entry))


# --- Queue and batches --------------------------------------------------------------------------------------


def _rule_set(rule_set_id: int | None) -> PriorityRuleSet:
    if rule_set_id is None:
        return default_rule_set()
    found = PriorityRuleSet.objects.filter(pk=rule_set_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


@router.get(
    "/queue",
    response={200: QueuePreviewOut, **errors(*AUTHED)},
    summary="Preview the print queue: places per kecamatan and the ranking with reasons",
)
@requires("cards.print")
def queue_preview(
    request: HttpRequest,
    office_id: int,
    rule_set_id: int | None = None,
    size: int | None = None,
    top: int = 100,
) -> QueuePreviewOut:
    actor = _need(request, "cards.print")
    office = _office(actor, office_id)
    rule_set = _rule_set(rule_set_id)
    balance = sel.stock_balance(svc.stock_account_for(office))
    size = size if size is not None else balance
    if size < 0 or size > svc.MAX_BATCH or top < 0 or top > 1000:
        raise InvalidInput(
            _("A batch holds from 1 to %(max)d places.") % {"max": svc.MAX_BATCH}, code="cards.batch_size"
        )
    result = rank_queue(actor=actor, office=office, rule_set=rule_set, size=size)
    token = ""
    if size and result.entries.selected_count:
        token = preview_remember(actor=actor, office=office, rule_set=rule_set, size=size, result=result)
    return QueuePreviewOut(
        preview=token,
        office_id=office.pk,
        rule_set_id=rule_set.pk,
        size=size,
        balance=balance,
        waiting=len(result.entries),
        selected=result.entries.selected_count,
        shares=[
            ShareOut(code=s.code, name=s.name, backlog=s.backlog, places=s.places) for s in result.shares
        ],
        top=[
            QueueEntryOut(
                rank=e.rank,
                card_id=e.card_id,
                resident_id=e.resident_id,
                kecamatan=e.kecamatan,
                score=e.score,
                selected=e.selected,
                reasons=[reason_text(r) for r in e.reasons],
            )
            for e in result.entries[:top]
        ],
    )


@router.post("/batches", response={201: BatchOut, **errors(*AUTHED, 409)}, summary="Lock a print batch")
@requires("cards.print")
def batch_lock(request: HttpRequest, payload: BatchIn) -> Status:
    actor = _need(request, "cards.print")
    batch = svc.print_batch_lock(
        actor=actor,
        office=_office(actor, payload.office_id),
        rule_set=_rule_set(payload.rule_set_id),
        size=payload.size,
        preview=payload.preview,
    )
    return Status(201, _batch(sel.print_batches(actor=actor).get(pk=batch.pk)))


@router.get("/batches", response={200: list[BatchOut], **errors(*AUTHED)}, summary="Print batches")
@paginate(PageNumberPagination, page_size=50)
@requires("cards.print")
def batches(request: HttpRequest) -> Any:
    actor = _need(request, "cards.print")
    return [_batch(b) for b in sel.print_batches(actor=actor)]


@router.get(
    "/batches/{batch_id}/items",
    response={200: list[ItemOut], **errors(*AUTHED)},
    summary="Places of a batch with their ranking reasons",
)
@paginate(PageNumberPagination, page_size=100)
@requires("cards.print")
def batch_items(request: HttpRequest, batch_id: int, result: str | None = None) -> Any:
    _need(request, "cards.print")
    batch = in_scope(PrintBatch.objects.all(), pk=batch_id)
    items = batch.items.select_related("card")
    if result:
        items = items.filter(result=result)
    return [
        ItemOut(
            id=i.pk,
            rank=i.rank,
            card_id=i.card_id,
            resident_id=i.card.resident_id,
            kecamatan=i.kecamatan_code,
            score=i.score,
            result=i.result,
            card_serial=i.card_serial,
            reasons=[reason_text(r) for r in i.reasons],
        )
        for i in items
    ]


@router.post(
    "/batches/items/{item_id}/result",
    response={200: ItemOut, **errors(*AUTHED, 409)},
    summary="Record a card as printed (serial) or spoiled (reason); takes one blank",
)
@requires("cards.print")
def item_result(request: HttpRequest, item_id: int, payload: ItemResultIn) -> ItemOut:
    actor = _need(request, "cards.print")
    item = in_scope(PrintBatchItem.objects.all(), pk=item_id)
    item = svc.print_item_record(
        actor=actor, item=item, result=payload.result, card_serial=payload.card_serial, reason=payload.reason
    )
    return ItemOut(
        id=item.pk,
        rank=item.rank,
        card_id=item.card_id,
        resident_id=item.card.resident_id,
        kecamatan=item.kecamatan_code,
        score=item.score,
        result=item.result,
        card_serial=item.card_serial,
        reasons=[reason_text(r) for r in item.reasons],
    )


@router.post(
    "/batches/{batch_id}/close",
    response={200: CloseOut, **errors(*AUTHED, 409)},
    summary="Close a batch; unprinted places go back to the queue",
)
@requires("cards.print")
def batch_close(request: HttpRequest, batch_id: int) -> CloseOut:
    actor = _need(request, "cards.print")
    batch = in_scope(PrintBatch.objects.all(), pk=batch_id)
    return CloseOut(released=svc.print_batch_close(actor=actor, batch=batch))


# --- Distribution ---------------------------------------------------------------------------------------------


@router.post(
    "/deliveries",
    response={201: DeliveryOut, **errors(*AUTHED, 409)},
    summary="Send printed cards to a kecamatan office",
)
@requires("cards.distribute")
def delivery_create(request: HttpRequest, payload: DeliveryIn) -> Status:
    actor = _need(request, "cards.distribute")
    if actor.unit is None:
        raise InvalidInput(_("Your account belongs to no office."), code="cards.no_unit")
    to_office = Unit.objects.filter(pk=payload.to_office_id).first()
    if to_office is None or len(payload.card_ids) > 5000:
        raise NotFound(_("Not found."))
    cards = list(KtpCard.objects.filter(pk__in=payload.card_ids))
    if len(cards) != len(set(payload.card_ids)):
        raise NotFound(_("Not found."))
    delivery = svc.delivery_send(actor=actor, from_office=actor.unit, to_office=to_office, cards=cards)
    return Status(201, _delivery(delivery))


@router.get("/deliveries", response={200: list[DeliveryOut], **errors(*AUTHED)}, summary="Deliveries")
@paginate(PageNumberPagination, page_size=50)
@requires("cards.distribute")
def deliveries(request: HttpRequest) -> Any:
    actor = _need(request, "cards.distribute")
    return [_delivery(d) for d in sel.deliveries(actor=actor)]


@router.post(
    "/deliveries/{delivery_id}/receive",
    response={200: DeliveryOut, **errors(*AUTHED, 409)},
    summary="Confirm a delivery arrived (SMS to the card holders)",
)
@requires("cards.distribute")
def delivery_receive(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    actor = _need(request, "cards.distribute")
    delivery = in_scope(Delivery.objects.all(), pk=delivery_id)
    return _delivery(svc.delivery_receive(actor=actor, delivery=delivery))


@router.get(
    "/pickup",
    response={200: list[PickupOut], **errors(*AUTHED)},
    summary="Cards waiting for pick-up (uncollected_days: only those older than that)",
)
@paginate(PageNumberPagination, page_size=100)
@requires("cards.distribute")
def pickup(request: HttpRequest, uncollected_days: int | None = None) -> Any:
    actor = _need(request, "cards.distribute")
    if uncollected_days is not None and not 0 <= uncollected_days <= 3650:
        raise InvalidInput(_("Days must be between 0 and 3650."), code="cards.days")
    qs = (
        sel.cards_uncollected(actor=actor, days=uncollected_days)
        if uncollected_days is not None
        else sel.cards_awaiting_pickup(actor=actor)
    )
    return [
        PickupOut(
            card_id=c.pk,
            resident_id=c.resident_id,
            pickup_office=c.pickup_office.name if c.pickup_office else None,
            ready_at=c.ready_at,
            status=c.status,
        )
        for c in qs
    ]


@router.post(
    "/cards/{card_id}/handover",
    response={201: HandoverOut, **errors(*AUTHED, 409)},
    summary="Hand a card over with proof (closes any SUKET)",
)
@requires("cards.distribute")
def handover(request: HttpRequest, card_id: int, payload: HandoverIn) -> Status:
    actor = _need(request, "cards.distribute")
    card = in_scope(KtpCard.objects.all(), pk=card_id)
    h = svc.card_hand_over(
        actor=actor,
        card=card,
        recipient_name=payload.recipient_name,
        proof_kind=payload.proof_kind,
        proof_note=payload.proof_note,
        recipient_is_resident=payload.recipient_is_resident,
    )
    return Status(201, HandoverOut(id=h.pk, card_id=h.card_id, handed_at=h.handed_at))


# --- SUKET ------------------------------------------------------------------------------------------------------


@router.post("/sukets", response={201: SuketOut, **errors(*AUTHED, 409)}, summary="Issue a SUKET")
@requires("cards.suket")
def suket_create(request: HttpRequest, payload: SuketIn) -> Status:
    actor = _need(request, "cards.suket")
    suket = svc.suket_issue(
        actor=actor,
        resident=_resident(actor, payload.resident_id),
        office=_office(actor, payload.office_id),
        valid_days=payload.valid_days,
    )
    return Status(201, _suket(suket))


@router.post(
    "/sukets/{suket_id}/revoke",
    response={200: SuketOut, **errors(*AUTHED, 409)},
    summary="Revoke a valid SUKET (reason required); the public check then says it is not valid",
)
@requires("cards.suket")
def suket_revoke(request: HttpRequest, suket_id: int, payload: SuketRevokeIn) -> SuketOut:
    actor = _need(request, "cards.suket")
    suket = in_scope(Suket.objects.all(), pk=suket_id)
    return _suket(svc.suket_revoke(actor=actor, suket=suket, reason=payload.reason))


@router.get("/sukets", response={200: list[SuketOut], **errors(*AUTHED)}, summary="SUKET issued")
@paginate(PageNumberPagination, page_size=50)
@requires("cards.view")
def sukets(request: HttpRequest) -> Any:
    actor = _need(request, "cards.view")
    return [_suket(s) for s in sel.sukets(actor=actor)]


@router.get(
    "/sukets/verify/{token}",
    auth=None,
    response={200: SuketVerifyOut, **errors(404)},
    summary="Check a SUKET from its QR code (public, minimal information)",
)
@public
def suket_verify(request: HttpRequest, token: str) -> SuketVerifyOut:
    suket = suket_from_token(token)
    if suket is None:
        raise NotFound(_("This code does not belong to any SUKET issued here."))
    return SuketVerifyOut(
        number=suket.number,
        name=masked_name(suket.resident.full_name),
        issued_by=suket.office.name,
        issued_on=suket.issued_on,
        valid_until=suket.valid_until,
        status=sel.suket_effective_status(suket, today=timezone.localdate()),
        closed_on=timezone.localtime(suket.closed_at).date()
        if suket.closed_at and suket.status != SuketStatus.VALID
        else None,
    )
