"""Pages for KTP-el recording, targets, blank stock, print queue and batches, distribution and
SUKET. Thin: parse the form, call a service or selector, render; service errors become messages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from warga.audit.services import audit_record
from warga.core.errors import Conflict, NotFound
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import Actor, in_scope
from warga.core.tables import Filter, table_response
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel
from warga.registry.models import Resident
from warga.registry.selectors import resident_open

from . import selectors as sel
from . import services as svc
from . import tables
from .documents import masked_name, suket_from_token, suket_pdf, suket_token
from .forms import (
    AllocationForm,
    BatchResultsForm,
    CountForm,
    ExportForm,
    HandoverForm,
    ImportForm,
    ItemResultForm,
    NikForm,
    QueueForm,
    RecordingForm,
    RequestForm,
    RuleSetForm,
    SendForm,
    StatusForm,
    SuketForm,
    SuketRevokeForm,
    TargetForm,
    TransferForm,
)
from .imports import PRINT_LOG_MAX_BYTES, LogRow, parse_print_log
from .models import (
    BatchStatus,
    ItemResult,
    KtpCard,
    KtpStatus,
    PrintBatch,
    PrintBatchItem,
    PriorityRuleSet,
    ProofKind,
    RecordingEvent,
    RuleKind,
    StatusImport,
    Suket,
    SuketStatus,
)
from .priority import default_rule_set, preview_remember, rank_queue, reason_text
from .services import PrintInput, PrintPlan


def _offices(actor: Actor) -> Any:
    return sel.printing_offices(actor=actor).order_by("kind", "name")


# --- Statistics ------------------------------------------------------------------------------------


def _targets_cached(actor: Actor, area: str, on: date) -> list[sel.TargetRow]:
    key = f"cards:targets:{area}:{on.isoformat()}"
    rows = cache.get(key)
    if rows is None:
        rows = sel.targets_per_desa(actor=actor, area_code=area, on=on)
        cache.set(key, rows, 300)
    return rows


@requires("cards.stats")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    area = actor.area_code or settings.WARGA_REGION_CODE
    desa_rows = _targets_cached(actor, area, timezone.localdate())
    kec_rows = sel.targets_per_kecamatan(desa_rows)
    counts = sel.status_counts(actor=actor)
    stock = sel.stock_overview(sel.stock_accounts(actor=actor)) if actor.can("cards.stock_view") else []
    requests = list(sel.requests_asked_vs_received(actor=actor)[:20]) if actor.can("cards.stock_view") else []
    per_day = sel.printing_per_day(actor=actor)
    backlog = sel.prr_backlog_per_kecamatan(actor=actor)
    chart = {
        "coverage": {
            "labels": [r.name for r in kec_rows],
            "values": [r.coverage for r in kec_rows],
            "label": _("Recording coverage (%)"),
        },
        "backlog": {
            "labels": [r["name"] for r in backlog],
            "values": [r["count"] for r in backlog],
            "label": _("Print-ready (PRR) waiting"),
        },
        "per_day": {
            "labels": [d["day"].strftime("%d/%m") for d in per_day],
            "printed": [d["printed"] for d in per_day],
            "spoiled": [d["spoiled"] for d in per_day],
            "printed_label": _("Printed"),
            "spoiled_label": _("Spoiled"),
        },
        "stock": {
            "labels": [line.account.office.name for line in stock],
            "values": [line.balance for line in stock],
            "label": _("Blanks in stock"),
        },
        "requests": {
            "labels": [r.reference for r in requests],
            "asked": [r.quantity_asked for r in requests],
            "received": [getattr(r, "received", 0) for r in requests],
            "asked_label": _("Asked"),
            "received_label": _("Received"),
        },
    }
    total = sel.TargetRow(code=area, name="")
    for row in desa_rows:
        total.add(row)
    return render(
        request,
        "cards/dashboard.html",
        {
            "kec_rows": kec_rows,
            "total": total,
            "counts": counts,
            "stock": stock,
            "requests": requests,
            "chart": chart,
            "status_labels": dict(KtpStatus.choices),
        },
    )


# --- Resident card status, recording, centre outcomes ----------------------------------------------


@requires("registry.view", also=("cards.view",))
def resident_find_view(request: HttpRequest) -> HttpResponse:
    """Find a resident by NIK (POST, so the NIK never lands in a URL)."""
    form = NikForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = Resident.objects.filter(nik=form.cleaned_data["nik"]).first()
        if resident is not None:
            return redirect("cards:resident", pk=resident.pk)
        form.add_error("nik", _("No resident with this NIK in your area."))
    recent = RecordingEvent.objects.select_related("resident", "place_unit", "officer")[:20]
    return render(request, "cards/resident_find.html", {"form": form, "recent": recent})


def _resident(actor: Actor, pk: int) -> Resident:
    try:
        return in_scope(Resident.objects.select_related("desa"), pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@requires("registry.view", also=("cards.view",))
def resident_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = resident_open(actor=actor, pk=pk, purpose="ktp_view")
    card = sel.ktp_card_of(resident)
    status = sel.ktp_status_of(resident)
    offices = _offices(actor)
    context = {
        "resident": resident,
        "card": card,
        "status": status,
        "status_label": KtpStatus(status).label,
        "transitions": card.transitions.select_related("place_unit", "actor") if card else [],
        "recordings": resident.ktp_recordings.select_related("place_unit", "officer")[:20],
        "sukets": _with_effective(resident.sukets.select_related("office")),
        "can_revoke": actor.can("cards.suket"),
        "record_form": RecordingForm(offices=offices) if actor.can("cards.record") else None,
        "status_form": StatusForm() if actor.can("cards.status_update") and card else None,
        "suket_form": SuketForm(offices=offices, initial={"office": actor.unit_id})
        if actor.can("cards.suket") and card and card.status in (KtpStatus.RECORDED, KtpStatus.PRR)
        else None,
        "handover_allowed": actor.can("cards.distribute")
        and card
        and card.ready_at
        and card.status in (KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN),
    }
    return render(request, "cards/resident.html", context)


@requires("cards.record")
@require_POST
def record_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = _resident(actor, pk)
    form = RecordingForm(request.POST, offices=_offices(actor))
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request):
            svc.ktp_recording_record(
                actor=actor,
                resident=resident,
                recorded_at=data["recorded_at"],
                place_unit=data["place_unit"],
                device_set=data["device_set"],
                outreach_event_id=data["outreach_event_id"],
            )
            messages.success(request, _("Recording saved. The KTP-el now waits for the national centre."))
    else:
        messages.error(request, _("Check the recording form: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("cards:resident", pk=resident.pk)


def _form_errors(form: Any) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
        for f, e in form.errors.items()
    )


@requires("cards.status_update")
@require_POST
def status_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = _resident(actor, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request):
            svc.ktp_status_update(
                actor=actor,
                resident=resident,
                status=data["status"],
                occurred_at=data["occurred_at"],
                note=data["note"],
            )
            messages.success(request, _("Status saved."))
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("cards:resident", pk=resident.pk)


@requires("cards.view")
def recordings_view(request: HttpRequest) -> HttpResponse:
    qs = RecordingEvent.objects.select_related("resident__desa", "place_unit", "officer")
    return render(request, "cards/recordings.html", {"page": paginate(request, qs)})


# --- Import ------------------------------------------------------------------------------------------


@requires("cards.status_update")
def import_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with service_errors(request) as refused:
            queued = svc.ktp_status_import_queue(actor=actor, filename=upload.name, content=upload.read())
            messages.success(
                request, _("File received. It is checked in the background; this page shows the result.")
            )
            return redirect("cards:import_detail", queued.pk)
        details = refused.error.details if refused.error else None
        report = details.get("errors", []) if isinstance(details, dict) else []
    imports = StatusImport.objects.select_related("actor")
    return render(
        request, "cards/import.html", {"form": form, "report": report, "page": paginate(request, imports, 20)}
    )


@requires("cards.status_update")
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        imp = in_scope(StatusImport.objects.select_related("actor"), pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "cards/import_detail.html", {"imp": imp})


# --- Targets -------------------------------------------------------------------------------------------


def _area_choices(actor: Actor) -> list[tuple[str, str]]:
    code = actor.area_code or settings.WARGA_REGION_CODE
    base = Region.objects.filter(code=code).first()
    choices = [(code, base.display_name if base else code)]
    for kec in Region.objects.filter(code__within=code, level=RegionLevel.KECAMATAN).order_by("name"):
        if kec.code != code:
            choices.append((kec.code, kec.display_name))
    return choices


@requires("cards.view")
def targets_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    choices = _area_choices(actor)
    form = TargetForm(request.GET or None, areas=choices)
    area, on = choices[0][0], timezone.localdate()
    if form.is_bound and form.is_valid():
        area = form.cleaned_data["area"] or area
        on = form.cleaned_data["on"] or on
    region = Region.objects.get(code=area)
    desa_rows = _targets_cached(actor, area, on)
    rows = sel.targets_per_kecamatan(desa_rows) if region.level < RegionLevel.KECAMATAN else desa_rows
    total = sel.TargetRow(code=area, name=region.display_name)
    for row in desa_rows:
        total.add(row)
    backlog = sel.prr_backlog_per_kecamatan(actor=actor)
    return render(
        request,
        "cards/targets.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "region": region,
            "on": on,
            "future": on > timezone.localdate(),
            "per_kecamatan": region.level < RegionLevel.KECAMATAN,
            "backlog": backlog,
            "can_export": actor.can("cards.export"),
        },
    )


@requires("cards.export")
@require_POST
def targets_export_view(request: HttpRequest) -> HttpResponse:
    """The list of residents to reach in one area, for an outreach team (audited)."""
    actor = page_actor(request)
    form = ExportForm(request.POST)
    if not form.is_valid() or not actor.covers(form.cleaned_data["area"]):
        raise Http404
    area, on, fmt = (
        form.cleaned_data["area"],
        form.cleaned_data["on"] or timezone.localdate(),
        form.cleaned_data["format"],
    )
    qs = sel.target_residents(actor=actor, area_code=area, on=on)
    header = [
        _("NIK"),
        _("Name"),
        _("Date of birth"),
        _("Age at date"),
        _("Desa/kelurahan"),
        _("RW"),
        _("RT"),
        _("Address"),
        _("KTP-el status"),
    ]
    labels = dict(KtpStatus.choices)

    def rows() -> Any:
        for r in qs.iterator(chunk_size=2000):
            status = r.ktp_card.status if hasattr(r, "ktp_card") else KtpStatus.NOT_RECORDED
            yield [
                r.nik,
                r.full_name,
                r.birth_date.isoformat(),
                r.age_on(on),
                r.desa.name,
                r.rw or "",
                r.rt or "",
                r.address,
                str(labels.get(status, status)),
            ]

    data = list(rows())
    audit_record(
        actor=actor,
        action="cards.targets.export",
        object_type="regions.region",
        object_id=area,
        summary={"rows": len(data), "on": on.isoformat(), "format": fmt},
    )
    name = f"sasaran-ktp-{area.replace('.', '')}-{on.isoformat()}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Targets"))
        sheet.append(header)
        for row in data:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
        response = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(data)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- Stock ledger ----------------------------------------------------------------------------------------


@requires("cards.stock_view")
def stock_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    answer = table_response(request, tables.STOCK_ENTRIES, sel.stock_entries(actor=actor))
    if answer is not None:
        return answer
    offices = _offices(actor)
    lines = sel.stock_overview(sel.stock_accounts(actor=actor))
    requests = sel.requests_asked_vs_received(actor=actor)
    manage = actor.can("cards.stock_manage")
    forms = {}
    if manage:
        forms = {
            "request_form": RequestForm(offices=offices, prefix="rq"),
            "allocation_form": AllocationForm(offices=offices, requests=requests, prefix="al"),
            "transfer_form": TransferForm(offices=offices, prefix="tr"),
            "count_form": CountForm(offices=offices, prefix="ct"),
        }
    return render(
        request,
        "cards/stock.html",
        {
            "lines": lines,
            "requests": requests[:50],
            "manage": manage,
            **forms,
            "entries": paginate(request, sel.stock_entries(actor=actor), 30),
        },
    )


@requires("cards.stock_view")
def stock_ledger_view(request: HttpRequest, office_id: int) -> HttpResponseBase:
    actor = page_actor(request)
    account = sel.stock_accounts(actor=actor).filter(office_id=office_id).select_related("office").first()
    if account is None:
        raise Http404
    office = Filter("office", _("Office"), account.office.name, str(account.office_id))
    answer = table_response(
        request, tables.STOCK_ENTRIES, sel.stock_entries(actor=actor, account=account), filters=[office]
    )
    if answer is not None:
        return answer
    line = sel.stock_overview(sel.stock_accounts(actor=actor).filter(pk=account.pk))[0]
    return render(
        request,
        "cards/stock_ledger.html",
        {
            "line": line,
            "page": paginate(request, sel.stock_entries(actor=actor, account=account), 50),
        },
    )


def _stock_action(
    request: HttpRequest, form_class: Any, prefix: str, call: Callable[[Actor, dict], Any], done: str
) -> HttpResponse:
    actor = page_actor(request)
    offices = _offices(actor)
    kwargs: dict[str, Any] = {"offices": offices}
    if form_class is AllocationForm:
        kwargs["requests"] = sel.requests_asked_vs_received(actor=actor)
    form = form_class(request.POST, prefix=prefix, **kwargs)
    if form.is_valid():
        with service_errors(request):
            call(actor, form.cleaned_data)
            messages.success(request, done)
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("cards:stock")


@requires("cards.stock_manage")
@require_POST
def stock_request_view(request: HttpRequest) -> HttpResponse:
    return _stock_action(
        request,
        RequestForm,
        "rq",
        lambda actor, data: svc.blank_request_create(
            actor=actor,
            office=data["office"],
            quantity_asked=data["quantity_asked"],
            asked_on=data["asked_on"],
            reference=data["reference"],
            note=data["note"],
        ),
        _("Request to the ministry saved."),
    )


@requires("cards.stock_manage")
@require_POST
def stock_allocation_view(request: HttpRequest) -> HttpResponse:
    return _stock_action(
        request,
        AllocationForm,
        "al",
        lambda actor, data: svc.blank_allocation_receive(
            actor=actor,
            office=data["office"],
            quantity=data["quantity"],
            received_on=data["received_on"],
            serial_from=data["serial_from"],
            serial_to=data["serial_to"],
            request=data["request"],
        ),
        _("Allocation received and booked."),
    )


@requires("cards.stock_manage")
@require_POST
def stock_transfer_view(request: HttpRequest) -> HttpResponse:
    return _stock_action(
        request,
        TransferForm,
        "tr",
        lambda actor, data: svc.blank_transfer(
            actor=actor,
            from_office=data["from_office"],
            to_office=data["to_office"],
            quantity=data["quantity"],
            transferred_on=data["transferred_on"],
            note=data["note"],
        ),
        _("Transfer booked."),
    )


@requires("cards.stock_manage")
@require_POST
def stock_count_view(request: HttpRequest) -> HttpResponse:
    return _stock_action(
        request,
        CountForm,
        "ct",
        lambda actor, data: svc.stock_count_record(
            actor=actor,
            office=data["office"],
            counted=data["counted"],
            counted_on=data["counted_on"],
            note=data["note"],
        ),
        _("Stock count booked."),
    )


@public
@never_cache
def stock_public_view(request: HttpRequest) -> HttpResponse:
    """Today's blank stock per office, published without login (no personal data)."""
    return render(
        request, "cards/stock_public.html", {"lines": sel.public_stock(), "today": timezone.localdate()}
    )


# --- Print queue, rules and batches ----------------------------------------------------------------------


@requires("cards.print")
def queue_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    offices = _offices(actor)
    rule_sets = PriorityRuleSet.objects.all()
    initial = {"office": actor.unit_id, "rule_set": default_rule_set().pk}
    form = QueueForm(request.GET or None, offices=offices, rule_sets=rule_sets, initial=initial)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and form.is_valid():
        office, rule_set = form.cleaned_data["office"], form.cleaned_data["rule_set"]
        balance = sel.stock_balance(svc.stock_account_for(office))
        size = form.cleaned_data["size"] or balance
        if size <= 0:
            messages.warning(
                request,
                _(
                    "Out of blank cards (stok blanko habis) at %(office)s. Choose the number "
                    "of places to preview the queue anyway."
                )
                % {"office": office.name},
            )
        else:
            result = rank_queue(actor=actor, office=office, rule_set=rule_set, size=size)
            page = paginate(request, result.entries, 50)
            names = {s.code: s.name for s in result.shares}
            for e in page.object_list:
                e.reason_lines = [reason_text(r) for r in e.reasons]
                e.kecamatan_name = names.get(e.kecamatan, e.kecamatan)
            residents = Resident.objects.in_bulk([e.resident_id for e in page.object_list])
            for e in page.object_list:
                e.resident = residents.get(e.resident_id)
            context.update(
                result=result,
                page=page,
                office=office,
                rule_set=rule_set,
                size=size,
                balance=balance,
                selected_count=result.entries.selected_count,
                preview=preview_remember(
                    actor=actor, office=office, rule_set=rule_set, size=size, result=result
                )
                if result.entries.selected_count
                else "",
                rules=rule_set.rules.all(),
            )
    return render(request, "cards/queue.html", context)


@requires("cards.print")
@require_POST
def batch_lock_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = QueueForm(request.POST, offices=_offices(actor), rule_sets=PriorityRuleSet.objects.all())
    if not form.is_valid() or not form.cleaned_data["size"]:
        messages.error(
            request, _("Check the form: %(errors)s") % {"errors": _form_errors(form) or _("places")}
        )
        return redirect("cards:queue")
    with service_errors(request):
        batch = svc.print_batch_lock(
            actor=actor,
            office=form.cleaned_data["office"],
            rule_set=form.cleaned_data["rule_set"],
            size=form.cleaned_data["size"],
            preview=request.POST.get("preview", "")[:64],
        )
        messages.success(request, _("Batch locked: %(n)d places.") % {"n": batch.items.count()})
        return redirect("cards:batch", pk=batch.pk)
    return redirect("cards:queue")


@requires("cards.rules")
def rules_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = page_actor(request)
    rule_set = get_object_or_404(PriorityRuleSet, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    if rule_set is not None:
        initial = {
            "name": rule_set.name,
            "description": rule_set.description,
            "make_default": rule_set.is_default,
        }
        for rule in rule_set.rules.all():
            initial[f"{rule.kind}_on"] = True
            initial[f"{rule.kind}_position"] = rule.position
            initial[f"{rule.kind}_weight"] = rule.weight
            if rule.on_date:
                initial[f"{rule.kind}_date"] = rule.on_date
    form = RuleSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(request):
            svc.rule_set_save(
                actor=actor,
                name=form.cleaned_data["name"],
                rules=form.rules(),
                description=form.cleaned_data["description"],
                rule_set=rule_set,
                make_default=form.cleaned_data["make_default"],
            )
            messages.success(request, _("Priority rules saved."))
            return redirect("cards:rules")
    sets = PriorityRuleSet.objects.prefetch_related("rules")
    return render(
        request, "cards/rules.html", {"form": form, "rule_set": rule_set, "sets": sets, "kinds": RuleKind}
    )


@requires("cards.print")
def batches_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    answer = table_response(request, tables.BATCHES, sel.print_batches(actor=actor))
    if answer is not None:
        return answer
    return render(
        request, "cards/batches.html", {"page": paginate(request, sel.print_batches(actor=actor), 30)}
    )


@requires("cards.print")
def batch_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = page_actor(request)
    batch = sel.print_batches(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise Http404
    items = batch.items.select_related("card__resident__desa")
    show = request.GET.get("show", "pending")
    if show in ItemResult.values:
        items = items.filter(result=show)
    shown = [Filter("batch", _("Batch"), f"#{batch.pk} · {batch.office.name}", str(batch.pk))]
    if show in ItemResult.values:
        shown.append(Filter("show", _("Result"), ItemResult(show).label, show))
    answer = table_response(request, tables.BATCH_ITEMS, items, filters=shown)
    if answer is not None:
        return answer
    page = paginate(request, items, 50)
    for item in page.object_list:
        item.reason_lines = [reason_text(r) for r in item.reasons]
    per_kec = batch.items.values("kecamatan_code").annotate(n=Count("id")).order_by("kecamatan_code")
    names = dict(
        Region.objects.filter(code__in=[r["kecamatan_code"] for r in per_kec]).values_list("code", "name")
    )
    return render(
        request,
        "cards/batch.html",
        {
            "batch": batch,
            "page": page,
            "show": show,
            "result_form": ItemResultForm(),
            "per_kec": [
                {"name": names.get(r["kecamatan_code"], r["kecamatan_code"]), "n": r["n"]} for r in per_kec
            ],
            "balance": sel.stock_balance(svc.stock_account_for(batch.office)),
            "results": ItemResult.choices,
            "is_open": batch.status == BatchStatus.OPEN,
        },
    )


@requires("cards.print")
@require_POST
def item_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    item = PrintBatchItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    form = ItemResultForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request):
            done = svc.print_item_record(
                actor=actor,
                item=item,
                result=data["result"],
                card_serial=data["card_serial"],
                reason=data["reason"],
            )
            messages.success(
                request,
                _("Printed: card serial %(serial)s.") % {"serial": done.card_serial}
                if done.result == ItemResult.PRINTED
                else _("Spoiled print booked; the person is back in the queue."),
            )
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _form_errors(form)})
    return redirect(reverse("cards:batch", args=[item.batch_id]) + f"?page={request.POST.get('page', 1)}")


@requires("cards.print")
@require_POST
def batch_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    batch = PrintBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404
    with service_errors(request):
        released = svc.print_batch_close(actor=actor, batch=batch)
        messages.success(
            request, _("Batch closed; %(n)d unprinted places went back to the queue.") % {"n": released}
        )
    return redirect("cards:batch", pk=pk)


# --- Distribution ------------------------------------------------------------------------------------------


def _uncollected_days(request: HttpRequest) -> int:
    default = int(getattr(settings, "CARDS_UNCOLLECTED_DAYS", 30))
    try:
        days = int(request.GET.get("days", default))
    except ValueError:
        days = default
    return max(1, min(days, 3650))


@requires("cards.distribute")
def distribution_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    to_send = (
        sel.cards_to_send(actor=actor)
        .values("resident__desa_id")
        .annotate(n=Count("id"))
        .order_by("resident__desa_id")
    )
    per_kec: dict[str, int] = {}
    for row in to_send:
        kec = row["resident__desa_id"][:8]
        per_kec[kec] = per_kec.get(kec, 0) + row["n"]
    kec_offices = {
        u.area_id: u for u in Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area_id__in=per_kec)
    }
    sending = [{"office": kec_offices.get(k), "code": k, "n": n} for k, n in sorted(per_kec.items())]
    days = _uncollected_days(request)
    return render(
        request,
        "cards/distribution.html",
        {
            "sending": sending,
            "can_send": actor.unit is not None,
            "deliveries": sel.deliveries(actor=actor)[:30],
            "waiting": paginate(request, sel.cards_awaiting_pickup(actor=actor), 30),
            "uncollected": sel.cards_uncollected(actor=actor, days=days)[:200],
            "days": days,
            "unit_id": actor.unit_id,
        },
    )


@requires("cards.distribute")
@require_POST
def send_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    offices = Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, is_active=True)
    form = SendForm(request.POST, offices=offices)
    if not form.is_valid() or actor.unit is None:
        messages.error(request, _("Choose the kecamatan office."))
        return redirect("cards:distribution")
    to_office = form.cleaned_data["to_office"]
    cards = list(sel.cards_to_send(actor=actor).filter(resident__desa__within=to_office.area_id)[:2000])
    with service_errors(request):
        svc.delivery_send(actor=actor, from_office=actor.unit, to_office=to_office, cards=cards)
        messages.success(
            request, _("%(n)d cards sent to %(office)s.") % {"n": len(cards), "office": to_office.name}
        )
    return redirect("cards:distribution")


@requires("cards.distribute")
@require_POST
def receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    delivery = sel.deliveries(actor=actor).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    with service_errors(request):
        svc.delivery_receive(actor=actor, delivery=delivery)
        messages.success(request, _("Delivery received; the card holders were told by SMS."))
    return redirect("cards:distribution")


@requires("cards.distribute")
def handover_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    card = KtpCard.objects.select_related("resident__desa", "pickup_office").filter(pk=pk).first()
    if card is None:
        raise Http404
    form = HandoverForm(request.POST or None, initial={"recipient_name": card.resident.full_name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(request):
            svc.card_hand_over(
                actor=actor,
                card=card,
                recipient_name=data["recipient_name"],
                proof_kind=data["proof_kind"],
                proof_note=data["proof_note"],
                recipient_is_resident=data["recipient_is_resident"],
            )
            messages.success(request, _("Card handed over."))
            return redirect("cards:distribution")
    resident_open(actor=actor, resident=card.resident, purpose="ktp_handover")
    return render(request, "cards/handover.html", {"card": card, "form": form})


# --- SUKET ------------------------------------------------------------------------------------------------


@requires("cards.suket")
@require_POST
def suket_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = _resident(actor, pk)
    form = SuketForm(request.POST, offices=_offices(actor))
    if form.is_valid():
        with service_errors(request):
            suket = svc.suket_issue(
                actor=actor,
                resident=resident,
                office=form.cleaned_data["office"],
                valid_days=form.cleaned_data["valid_days"],
            )
            messages.success(request, _("SUKET %(number)s issued.") % {"number": suket.number})
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("cards:resident", pk=resident.pk)


@requires("cards.suket", "cards.view")
def sukets_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    qs = sel.sukets(actor=actor)
    status = request.GET.get("status", "")
    if status in ("valid", "closed", "revoked"):
        qs = qs.filter(status=status)
    page = paginate(request, qs, 30)
    _with_effective(page.object_list)
    return render(
        request,
        "cards/sukets.html",
        {"page": page, "status": status, "can_revoke": actor.can("cards.suket")},
    )


def _with_effective(sukets: Any) -> list[Suket]:
    """The SUKETs with `effective` (valid, expired, closed, revoked) for the templates."""
    rows = list(sukets)
    for s in rows:
        s.effective = sel.suket_effective_status(s)
    return rows


@requires("cards.suket")
@require_POST
def suket_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a SUKET with a reason; back to the resident's page or the SUKET list."""
    actor = page_actor(request)
    suket = sel.sukets(actor=actor).filter(pk=pk).first()
    if suket is None:
        raise Http404
    form = SuketRevokeForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            done = svc.suket_revoke(actor=actor, suket=suket, reason=form.cleaned_data["reason"])
            messages.success(
                request, _("SUKET %(number)s revoked: it is no longer valid.") % {"number": done.number}
            )
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _form_errors(form)})
    if request.POST.get("back") == "resident":
        return redirect("cards:resident", pk=suket.resident_id)
    return redirect("cards:sukets")


@requires("registry.view", also=("cards.view",))
def suket_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    suket = Suket.objects.select_related("resident__desa", "office").filter(pk=pk).first()
    if suket is None:
        raise Http404
    resident_open(actor=actor, resident=suket.resident, purpose="suket_print")
    url = request.build_absolute_uri(reverse("cards:suket_verify", args=[suket_token(suket)]))
    response = HttpResponse(suket_pdf(suket, verify_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="suket-{suket.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@public
@never_cache
def suket_verify_view(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this SUKET genuine and valid? Shows the minimum (masked name, dates, status)."""
    suket = suket_from_token(token)
    context: dict[str, Any] = {"suket": suket}
    if suket is not None:
        context.update(
            name=masked_name(suket.resident.full_name),
            status=sel.suket_effective_status(suket),
            desa=suket.resident.desa.display_name,
            # When it stopped being valid (a date only; the officer's reason stays internal).
            closed_on=timezone.localtime(suket.closed_at).date()
            if suket.closed_at and suket.status != SuketStatus.VALID
            else None,
        )
    return render(request, "cards/suket_verify.html", context, status=200 if suket else 404)


# --- A batch's results in one step ------------------------------------------------------------------


def _log_rows_text(rows: list[LogRow]) -> str:
    """The parsed log carried by the confirm form (the file is not uploaded twice)."""
    return "\n".join(
        "\t".join([str(r.line), r.serial, r.ref, r.status, r.reason]).replace("\r", " ") for r in rows
    )


def _log_rows_parse(text: str) -> list[LogRow]:
    rows = []
    for raw in (text or "").splitlines():
        parts = [*raw.split("\t"), "", "", "", ""][:5]
        if parts[0].isdigit():
            rows.append(LogRow(int(parts[0]), parts[1], parts[2], parts[3], parts[4]))
    return rows


def _results_input(form: BatchResultsForm) -> PrintInput | None:
    data = form.cleaned_data
    rows: list[LogRow] = []
    if data["mode"] == "log":
        upload = data.get("log")
        if upload is not None:
            if upload.size > PRINT_LOG_MAX_BYTES:
                form.add_error(
                    "log",
                    _("The file is larger than %(mb)d MB.") % {"mb": PRINT_LOG_MAX_BYTES // (1024 * 1024)},
                )
                return None
            rows, problems = parse_print_log(upload.read())
            if problems:
                form.add_error("log", problems[0])
                return None
        else:
            rows = _log_rows_parse(data["log_rows"])
            if not rows:
                form.add_error("log", _("Choose the printer's log file."))
                return None
    return PrintInput(
        mode=data["mode"],
        first_serial=data["first_serial"] or "",
        count=data["count"],
        spoiled=svc.split_serials(data["spoiled"]),
        scanned=svc.split_serials(data["scanned"]),
        rows=rows,
        reason=data["reason"] or "",
    )


def _plan_sample(plan: PrintPlan) -> list[dict[str, Any]]:
    """The first and last lines of the plan with their people, to check the serials line up."""
    lines = plan.lines[:5] + (plan.lines[-3:] if len(plan.lines) > 8 else plan.lines[5:])
    names = dict(
        PrintBatchItem.objects.filter(pk__in=[x.item_id for x in lines]).values_list(
            "pk", "card__resident__full_name"
        )
    )
    return [
        {
            "rank": x.rank,
            "name": names.get(x.item_id, ""),
            "serial": x.serial,
            "spoiled": x.result != "printed",
        }
        for x in lines
    ]


@requires("cards.print")
def batch_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a whole batch's results: enter them, see the preview, confirm it."""
    actor = page_actor(request)
    batch = sel.print_batches(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise Http404
    form = BatchResultsForm(request.POST or None, request.FILES or None)
    plan: PrintPlan | None = None
    token, stale, status = "", "", 200
    data = _results_input(form) if request.method == "POST" and form.is_valid() else None
    if data is not None:
        with service_errors(request, form=form):
            if request.POST.get("step") == "confirm":
                try:
                    done = svc.print_results_record(
                        actor=actor, batch=batch, data=data, token=request.POST.get("token", "")
                    )
                except Conflict as exc:
                    if exc.code not in ("cards.bulk_stale", "cards.bulk_token"):
                        raise
                    stale, status = str(exc), 409
                else:
                    messages.success(
                        request,
                        _("Results recorded: %(printed)d printed, %(spoiled)d spoiled.")
                        % {"printed": done.printed, "spoiled": done.spoiled},
                    )
                    return redirect("cards:batch", pk=batch.pk)
            plan = svc.print_results_plan(actor=actor, batch=batch, data=data)
            token = svc.print_results_token(plan) if plan.ok else ""
    context = {
        "batch": batch,
        "form": form,
        "plan": plan,
        "token": token,
        "stale": stale,
        "mode": form["mode"].value() or "run",
        "log_rows": _log_rows_text(data.rows) if data is not None else "",
        "sample": _plan_sample(plan) if plan is not None else [],
        "balance": sel.stock_balance(svc.stock_account_for(batch.office)),
        "shown": 50,
    }
    return render(request, "cards/batch_results.html", context, status=status)


@requires("cards.distribute")
def handover_bulk_view(request: HttpRequest) -> HttpResponse:
    """Hand over many printed cards at once: tick them or scan their serials, preview, confirm."""
    actor = page_actor(request)
    waiting = sel.cards_awaiting_pickup(actor=actor)
    desa = request.POST.get("desa") or request.GET.get("desa") or ""
    if desa:
        waiting = waiting.filter(resident__desa_id=desa)
    ids = [int(v) for v in request.POST.getlist("card") if v.isdigit()][:2000]
    serials = svc.split_serials(request.POST.get("serials", ""))
    proof_kind, proof_note = request.POST.get("proof_kind", ""), request.POST.get("proof_note", "")
    plan, token, stale, status = None, "", "", 200
    if request.method == "POST":
        with service_errors(request):
            if request.POST.get("step") == "confirm":
                try:
                    n = svc.cards_hand_over_many(
                        actor=actor,
                        card_ids=ids,
                        serials=serials,
                        proof_kind=proof_kind,
                        proof_note=proof_note,
                        token=request.POST.get("token", ""),
                    )
                except Conflict as exc:
                    if exc.code not in ("cards.bulk_stale", "cards.bulk_token"):
                        raise
                    stale, status = str(exc), 409
                else:
                    messages.success(request, _("%(n)d cards handed over.") % {"n": n})
                    return redirect("cards:distribution")
            plan = svc.handover_plan(actor=actor, card_ids=ids, serials=serials)
            if proof_kind not in ProofKind.values or not proof_note.strip():
                plan.refusals.append(_("Record the proof of hand-over (ID, photo or signature note)."))
            token = svc.handover_token(plan) if plan.ok else ""
    desas = (
        sel.cards_awaiting_pickup(actor=actor)
        .values_list("resident__desa_id", "resident__desa__name")
        .distinct()
        .order_by("resident__desa__name")
    )
    context = {
        "waiting": waiting[:500],
        "desas": desas,
        "desa": desa,
        "plan": plan,
        "token": token,
        "stale": stale,
        "ids": ids,
        "serials": request.POST.get("serials", ""),
        "proof_kind": proof_kind,
        "proof_note": proof_note,
        "proof_kinds": ProofKind.choices,
    }
    return render(request, "cards/handover_bulk.html", context, status=status)
