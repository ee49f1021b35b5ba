"""Pages: work queues, the counter and scan station, file detail with its actions, batches,
catalogue, rollout, paper batches, statistics; and the public online form, tracking and
document verification. Thin: parse, call a service, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from warga.core.errors import ServiceError
from warga.core.forms import StyledForm, style_fields
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import ANONYMOUS, Actor, in_scope, unscoped
from warga.core.tables import Filter, form_filters, table_response
from warga.org.models import Unit, UnitKind
from warga.org.selectors import units_of_area
from warga.registry.models import Resident

from . import capabilities as caps
from . import selectors, services, tables
from .api import attachment_response, document_response, receipt_response
from .catalogue import service_form_class
from .models import (
    ACTIVE_STATUSES,
    Application,
    Channel,
    OfficeMode,
    PaperBatch,
    Service,
    SignaturePlace,
    Status,
)
from .pdf import receipt_pdf
from .ratelimit import rate_limited
from .services.workflow import SIGN_ACTIONS
from .uploads import LimitedUploadHandler, read_limited, request_too_large, too_large_error

# --- Helpers -----------------------------------------------------------------------------------


def officer(*capabilities: str) -> Callable:
    """`requires` (core.permissions) for these capabilities, handing the view the actor."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def with_actor(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return view(request, page_actor(request), *args, **kwargs)

        return requires(*capabilities)(with_actor)

    return decorator


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return redirect(fallback)


# --- Work queue --------------------------------------------------------------------------------


class QueueFilter(forms.Form):
    code = forms.CharField(label=gettext_lazy("Tracking code"), required=False, max_length=20)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    office = forms.ChoiceField(label=gettext_lazy("Office"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    unsigned = forms.BooleanField(label=gettext_lazy("Waiting for the signature only"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("My queue")),
            ("all", _("All active files")),
            *Status.choices,
        ]
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "—"),
            *[(s.code, s.display_name) for s in Service.objects.all()],
        ]
        offices = units_of_area(actor=actor)
        cast(forms.ChoiceField, self.fields["office"]).choices = [
            ("", "—"),
            *[(str(u.pk), u.name) for u in offices],
        ]
        style_fields(self)  # after the choices: styling reads the errors, which validates


@officer(caps.VIEW)
def queue_view(request: HttpRequest, actor: Actor) -> HttpResponseBase:
    form = QueueFilter(request.GET or None, actor=actor)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        status = data.get("status") or ""
        filters = {
            "code": services.tracking_code_normalize(data.get("code") or "") or None,
            "status": status if status not in ("", "all") else None,
            "mine": status == "",
            "service": data.get("service") or None,
            "office_id": int(data["office"]) if data.get("office") else None,
            "overdue": bool(data.get("overdue")),
            "unsigned": bool(data.get("unsigned")),
        }
    qs = selectors.applications_queue(actor=actor, **filters).select_related("assigned_to")
    answer = table_response(request, tables.QUEUE, qs, filters=form_filters(form, private=("code",)))
    if answer is not None:
        return answer
    page = paginate(request, qs, per_page=30)
    today = timezone.localdate()
    context = {
        "form": form,
        "page": page,
        "today": today,
        "can_send": actor.can(caps.SEND) and actor.unit_id is not None,
        "can_dispatch": actor.can(caps.ISSUE),
        "can_submit": actor.can(caps.SUBMIT),
        "verified_count": Application.objects.filter(office_id=actor.unit_id, status=Status.VERIFIED).count()
        if actor.can(caps.SEND)
        else 0,
        "issued_count": selectors.applications_visible(actor).filter(status=Status.ISSUED).count()
        if actor.can(caps.ISSUE)
        else 0,
        "batches": list(selectors.batches_to_receive(actor=actor).select_related("office"))
        if actor.can(caps.HAND_OVER)
        else [],
    }
    return render(request, "applications/queue.html", context)


# --- Counter: new application and scan station ------------------------------------------------------


class ApplicantForm(StyledForm):
    applicant_nik = forms.CharField(label=gettext_lazy("Applicant's NIK"), min_length=16, max_length=16)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number for SMS notices"), required=False, max_length=20
    )


@officer(caps.SUBMIT)
def new_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    services_list = [s for s in selectors.services_active() if Channel.COUNTER in s.channels]
    code = request.GET.get("service") or request.POST.get("service")
    service = next((s for s in services_list if s.code == code), None)
    if service is None:
        return render(request, "applications/new_choose.html", {"services": services_list})
    applicant_form = ApplicantForm(request.POST or None, prefix="a")
    data_form = service_form_class(service)(request.POST or None, prefix="d")
    error = None
    open_page = None
    if request.method == "POST" and applicant_form.is_valid() and data_form.is_valid():
        raw = {k: v for k, v in request.POST.items() if k.startswith("d-")}
        data = {k[2:]: v for k, v in raw.items()}
        for name, field in data_form.fields.items():
            if isinstance(field.widget, forms.Textarea):
                data[name] = request.POST.get(f"d-{name}", "")
        with service_errors(request, form=(data_form, applicant_form), show=False) as refused:
            application = services.application_submit(
                actor=actor,
                service_code=service.code,
                applicant_nik=applicant_form.cleaned_data["applicant_nik"],
                data=data,
                channel=Channel.COUNTER,
                phone=applicant_form.cleaned_data["phone"],
                draft=True,
            )
            messages.success(request, _("Draft saved. Attach the scans of the checklist, then submit."))
            return redirect("applications:detail", application.pk)
        if refused.error is not None:
            error = str(refused.error)
            open_page = next(
                (d["page"] for d in refused.error.details or [] if isinstance(d, dict) and "page" in d), None
            )
    return render(
        request,
        "applications/new.html",
        {
            "service": service,
            "applicant_form": applicant_form,
            "data_form": data_form,
            "error": error,
            "open_page": open_page,
        },
    )


def _attach_details(data_form: forms.Form, applicant_form: forms.Form, exc: ServiceError) -> None:
    for item in exc.details or []:
        if not isinstance(item, dict):
            continue
        field = item.get("field")
        if field in data_form.fields:
            data_form.add_error(field, item.get("message", ""))
        elif field in applicant_form.fields:
            applicant_form.add_error(field, item.get("message", ""))


@officer(caps.VIEW)
def detail_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    app = in_scope(
        Application.objects.select_related(
            "service", "office", "assigned_to", "applicant", "family", "signature_witness"
        ),
        pk=pk,
    )
    selectors.application_open(actor=actor, application=app)
    attachments = [a for a in app.attachments.all() if a.replaced_at is None]
    by_req = {a.requirement: a for a in attachments}
    checklist = [{"req": r, "attachment": by_req.get(r.code)} for r in app.service.requirements.all()]
    form = service_form_class(app.service)(initial=app.data)
    data_rows = [
        (form.fields[name].label, _display_value(form.fields[name], app.data.get(name)))
        for name in form.fields
        if name in app.data
    ]
    editable = app.status in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED_TO_APPLICANT,
        Status.RETURNED_TO_KECAMATAN,
    )
    can_attach = editable and actor.can(caps.SUBMIT) and actor.unit_id == app.office_id
    offered = selectors.available_actions(app, actor)
    family_members = []
    if app.family_id and actor.can("registry.view"):
        family_members = list(
            Resident.objects.filter(family_id=app.family_id, life_status="alive").order_by("birth_date")
        )
    context = {
        "app": app,
        "checklist": checklist,
        "data_rows": data_rows,
        "events": selectors.application_history(app),
        # The signature has its own button (the form posts to the signature page).
        "actions": [a for a in offered if a.name not in SIGN_ACTIONS.values()],
        "can_attach": can_attach,
        "can_sign": SIGN_ACTIONS[SignaturePlace.COUNTER] in {a.name for a in offered},
        "can_documents": actor.can(caps.DOCUMENTS),
        "can_print": bool(app.document_number) and (actor.can(caps.ISSUE) or actor.can(caps.HAND_OVER)),
        "status_label": selectors.status_label(app),
        "where": selectors.where_is(app),
        "family_members": family_members,
        "new_member_id": (app.effect_result or {}).get("resident_id"),
        "today": timezone.localdate(),
        "is_overdue": bool(
            app.stage_due_on and app.stage_due_on < timezone.localdate() and app.status in ACTIVE_STATUSES
        ),
        "max_mb": services_max_mb(),
    }
    return render(request, "applications/detail.html", context)


def services_max_mb() -> int:
    from .uploads import max_bytes

    return max(1, max_bytes() // (1024 * 1024))


def _display_value(field: forms.Field, value: Any) -> str:
    if isinstance(field, forms.ChoiceField):
        return str({str(k): v for k, v in field.choices}.get(str(value), value))  # type: ignore[union-attr,misc]
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@officer(caps.VIEW)
@require_POST
def transition_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    with service_errors(request):
        moved = services.application_transition(
            actor=actor,
            application_id=pk,
            action=action,
            reason=request.POST.get("reason", ""),
            expected_version=version,
            handed_to=request.POST.get("handed_to", ""),
            proof=request.POST.get("proof", ""),
        )
        messages.success(
            request,
            _("Application %(code)s is now: %(status)s.")
            % {"code": moved.tracking_code, "status": moved.get_status_display()},
        )
    return redirect("applications:detail", pk)


@officer(caps.SUBMIT)
@require_POST
def signature_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """The applicant signed the paper form at the counter, in front of this officer."""
    application = in_scope(Application.objects.all(), pk=pk)
    with service_errors(request):
        services.application_signature_record(
            actor=actor, application=application, where=SignaturePlace.COUNTER
        )
        messages.success(request, _("The applicant's signature is recorded."))
    return redirect("applications:detail", pk)


@requires("applications.submit")
@csrf_exempt
def attach_view(request: HttpRequest, pk: int, requirement: str) -> HttpResponse:
    """Scan station upload. Oversize bodies are refused from the Content-Length header, before
    anything is read; the upload handler stops a lying client at the limit."""
    if request.method != "POST":
        return HttpResponse(status=405)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('applications:detail', args=[pk])}")
    if request_too_large(request):
        messages.error(request, str(too_large_error()))
        return redirect("applications:detail", pk)
    request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _attach_protected(request, pk, requirement)


@csrf_protect
@officer(caps.SUBMIT)
def _attach_protected(request: HttpRequest, actor: Actor, pk: int, requirement: str) -> HttpResponse:
    upload = request.FILES.get("file")
    if getattr(request, "upload_too_large", False):
        messages.error(request, str(too_large_error()))
    elif upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        with service_errors(request):
            content = read_limited(upload, declared_size=upload.size)
            services.document_attach(actor=actor, application_id=pk, requirement=requirement, content=content)
            messages.success(request, _("Scan attached."))
    return redirect("applications:detail", pk)


@officer(caps.DOCUMENTS)
def attachment_view(request: HttpRequest, actor: Actor, pk: int, attachment_id: int) -> FileResponse:
    return attachment_response(actor, pk, attachment_id)


@officer(caps.VIEW)
def receipt_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    return receipt_response(actor, pk)


@officer(caps.ISSUE, caps.HAND_OVER)
def document_view(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    with service_errors(request):
        return document_response(actor, pk)
    return redirect("applications:detail", pk)


# --- Batches ----------------------------------------------------------------------------------------


@officer(caps.SEND)
@require_POST
def batch_send_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    with service_errors(request):
        batch = services.batch_send_verified(actor=actor)
        if batch is None:
            messages.info(request, _("There are no verified files to send."))
        else:
            messages.success(request, _("%(n)d files sent to the Disdukcapil.") % {"n": batch.size})
    return redirect("applications:queue")


@officer(caps.ISSUE)
@require_POST
def batch_dispatch_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    with service_errors(request):
        batches = services.batch_dispatch_issued(actor=actor)
        if not batches:
            messages.info(request, _("There are no issued documents to send."))
        else:
            total = sum(b.size for b in batches)
            messages.success(
                request,
                _("%(n)d documents sent to %(k)d kecamatan offices.") % {"n": total, "k": len(batches)},
            )
    return redirect("applications:queue")


@officer(caps.HAND_OVER)
@require_POST
def batch_receive_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    with service_errors(request):
        batch = services.batch_receive(actor=actor, batch_id=batch_id)
        messages.success(
            request, _("%(n)d documents received; the applicants were told by SMS.") % {"n": batch.size}
        )
    return redirect("applications:queue")


# --- Catalogue (administrator) ------------------------------------------------------------------------


@officer(caps.CATALOGUE)
def services_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "applications/services.html",
        {"services": Service.objects.prefetch_related("requirements").order_by("order", "code")},
    )


class ServiceForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name (Indonesian)"), max_length=120)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=120, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
    allow_several = forms.BooleanField(
        label=gettext_lazy("Several open applications per person"),
        help_text=gettext_lazy(
            "Allow a person to have more than one open application of this service at a time."
        ),
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Who may submit"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    target_days_kecamatan = forms.IntegerField(
        label=gettext_lazy("Kecamatan stage (working days)"), min_value=1, max_value=60
    )
    target_days_disdukcapil = forms.IntegerField(
        label=gettext_lazy("Disdukcapil stage (working days)"), min_value=1, max_value=60
    )
    target_days_return = forms.IntegerField(
        label=gettext_lazy("Return to the kecamatan (working days)"), min_value=1, max_value=60
    )
    target_days_total = forms.IntegerField(
        label=gettext_lazy("End to end (working days)"), min_value=1, max_value=60
    )
    form_schema = forms.CharField(
        label=gettext_lazy("Form fields (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        required=False,
    )
    requirements = forms.CharField(
        label=gettext_lazy("Document checklist"),
        help_text=gettext_lazy("One item per line: code | label | mandatory (yes/no) | English label"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean_form_schema(self) -> Any:
        try:
            return json.loads(self.cleaned_data["form_schema"] or "[]")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(e)s") % {"e": exc.msg}) from exc

    def clean_requirements(self) -> list[dict[str, Any]]:
        items = []
        for line in (self.cleaned_data["requirements"] or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2:
                raise forms.ValidationError(_("Each line needs at least a code and a label."))
            mandatory = (parts[2].lower() if len(parts) > 2 else "yes") in (
                "yes",
                "ya",
                "y",
                "1",
                "true",
                "wajib",
            )
            items.append(
                {
                    "code": parts[0],
                    "label": parts[1],
                    "mandatory": mandatory,
                    "label_en": parts[3] if len(parts) > 3 else "",
                }
            )
        return items


@officer(caps.CATALOGUE)
def service_edit_view(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    service = Service.objects.filter(code=code).prefetch_related("requirements").first()
    if service is None:
        raise Http404
    initial = {
        "name": service.name,
        "name_en": service.name_en,
        "description": service.description,
        "is_active": service.is_active,
        "allow_several": service.allow_several,
        "channels": service.channels,
        "target_days_kecamatan": service.target_days_kecamatan,
        "target_days_disdukcapil": service.target_days_disdukcapil,
        "target_days_return": service.target_days_return,
        "target_days_total": service.target_days_total,
        "form_schema": json.dumps(service.form_schema, indent=1, ensure_ascii=False),
        "requirements": "\n".join(
            f"{r.code} | {r.label} | {'yes' if r.mandatory else 'no'} | {r.label_en}"
            for r in service.requirements.all()
        ),
    }
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        requirements = data.pop("requirements")
        with service_errors(request, form=form):
            services.service_update(actor=actor, code=code, changes=data, requirements=requirements)
            messages.success(request, _("Service saved."))
            return redirect("applications:services")
    return render(request, "applications/service_edit.html", {"service": service, "form": form})


# --- Rollout and paper batches --------------------------------------------------------------------------


@officer(caps.ROLLOUT)
def rollout_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        head = request.POST.get("head") or None
        try:
            office_id = int(request.POST.get("office", "0") or 0)
            head_id = int(head) if head else None
        except ValueError:
            messages.error(request, _("Choose an office."))
            return redirect("applications:rollout")
        with service_errors(request):
            services.rollout_set(
                actor=actor, office_id=office_id, mode=request.POST.get("mode", ""), head_id=head_id
            )
            messages.success(request, _("Rollout saved."))
        return redirect("applications:rollout")
    rows = selectors.rollout_rows(actor=actor)
    for row in rows:
        row["staff"] = list(row["office"].staff.filter(is_active=True).order_by("username"))
    return render(request, "applications/rollout.html", {"rows": rows, "modes": OfficeMode.choices})


class PaperBatchForm(forms.Form):
    office = forms.ChoiceField(label=gettext_lazy("Office"))
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    files_count = forms.IntegerField(label=gettext_lazy("Number of files"), min_value=1, max_value=100000)
    sent_on = forms.DateField(
        label=gettext_lazy("Sent to the Disdukcapil on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        offices = units_of_area(actor=actor)
        cast(forms.ChoiceField, self.fields["office"]).choices = [(str(u.pk), u.name) for u in offices]
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "—"),
            *[(s.code, s.display_name) for s in Service.objects.all()],
        ]
        style_fields(self)


@officer(caps.PAPER)
def paper_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = PaperBatchForm(request.POST or None, actor=actor, initial={"office": actor.unit_id})
    if request.method == "POST":
        if "batch" in request.POST:
            return _paper_update(request, actor)
        if form.is_valid():
            with service_errors(request, form=form):
                services.paper_batch_record(
                    actor=actor,
                    files_count=form.cleaned_data["files_count"],
                    sent_on=form.cleaned_data["sent_on"],
                    office_id=int(form.cleaned_data["office"]),
                    service_code=form.cleaned_data["service"] or None,
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Paper batch recorded."))
                return redirect("applications:paper")
    batches = PaperBatch.objects.select_related("office", "service")
    return render(request, "applications/paper.html", {"form": form, "page": paginate(request, batches, 30)})


def _paper_update(request: HttpRequest, actor: Actor) -> HttpResponse:
    def parse(name: str) -> date | None:
        value = request.POST.get(name) or ""
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    count = request.POST.get("returned_count")
    try:
        batch_id = int(request.POST["batch"])
        expected_version = int(request.POST.get("version", "0"))
        returned_count = int(count) if count else None
    except ValueError:
        messages.error(request, _("Check the numbers and dates."))
        return redirect("applications:paper")
    with service_errors(request):
        services.paper_batch_update(
            actor=actor,
            batch_id=batch_id,
            expected_version=expected_version,
            received_on=parse("received_on"),
            returned_on=parse("returned_on"),
            returned_count=returned_count,
        )
        messages.success(request, _("Paper batch updated."))
    return redirect("applications:paper")


# --- Statistics ---------------------------------------------------------------------------------------------


class StatsFilter(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            ("", "—"),
            *[(s.code, s.display_name) for s in Service.objects.all()],
        ]
        style_fields(self)


@officer(caps.STATS)
def stats_view(request: HttpRequest, actor: Actor) -> HttpResponseBase:
    form = StatsFilter(request.GET or None)
    end = timezone.localdate()
    start = end - timedelta(days=30)
    service = None
    if form.is_bound and form.is_valid():
        end = form.cleaned_data.get("end") or end
        start = form.cleaned_data.get("start") or end - timedelta(days=30)
        service = form.cleaned_data.get("service") or None
    if start > end:
        start, end = end, start
    result = selectors.statistics_for(actor=actor, start=start, end=end, service=service)
    period = [
        Filter("start", _("From"), date_format(start), start.isoformat()),
        Filter("end", _("To"), date_format(end), end.isoformat()),
    ]
    answer = table_response(
        request,
        tables.STATS,
        result["rows"],
        filters=period + [f for f in form_filters(form) if f.name == "service"],
    )
    if answer is not None:
        return answer
    chart = {
        "labels": list(result["per_office"].keys()),
        "received": [v["received"] for v in result["per_office"].values()],
        "completed": [v["completed"] for v in result["per_office"].values()],
        "overdue": [v["overdue"] for v in result["per_office"].values()],
        "names": {"received": _("Received"), "completed": _("Completed"), "overdue": _("Overdue")},
    }
    stage_names = {
        "kecamatan": _("Kecamatan (received → sent)"),
        "disdukcapil": _("Disdukcapil (sent → issued)"),
        "return": _("Return (issued → ready at the kecamatan)"),
        "end_to_end": _("End to end (received → ready)"),
    }
    return render(
        request,
        "applications/stats.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "result": result,
            "chart": chart,
            "stages": [(stage_names[k], v) for k, v in result["stages"].items()],
        },
    )


# --- Public: online form -------------------------------------------------------------------------------------


@public
def apply_choose_view(request: HttpRequest) -> HttpResponse:
    items = [s for s in selectors.services_active() if Channel.ONLINE in s.channels]
    return render(request, "applications/public_choose.html", {"services": items})


class OnlineApplicantForm(forms.Form):
    applicant_nik = forms.CharField(
        label=gettext_lazy("Your NIK"),
        min_length=16,
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("We send the tracking code and each step by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    office = forms.ChoiceField(label=gettext_lazy("Kecamatan office"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        offices = Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, is_active=True).order_by("name")
        cast(forms.ChoiceField, self.fields["office"]).choices = [
            ("", _("The office of my kecamatan")),
            *[(str(u.pk), u.name) for u in offices],
        ]
        style_fields(self)


@public
@csrf_exempt
def apply_view(request: HttpRequest, code: str) -> HttpResponse:
    service = selectors.services_active().filter(code=code).first()
    if service is None or Channel.ONLINE not in service.channels:
        raise Http404
    if request.method == "POST":
        requirements = service.requirements.count()
        if request_too_large(request, documents=max(1, requirements)):
            return render(
                request,
                "applications/public_apply.html",
                {
                    "service": service,
                    "applicant_form": OnlineApplicantForm(),
                    "data_form": service_form_class(service)(prefix="d"),
                    "error": str(too_large_error()),
                    "requirements": service.requirements.all(),
                },
                status=413,
            )
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _apply_protected(request, service)


@csrf_protect
def _apply_protected(request: HttpRequest, service: Service) -> HttpResponse:
    applicant_form = OnlineApplicantForm(request.POST or None)
    data_form = service_form_class(service)(request.POST or None, prefix="d")
    error = None
    status = 200
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            error = str(too_large_error())
            status = 413
        elif rate_limited(request, "apply"):
            error = _(
                "Too many applications from this connection. Please try again later or visit the kecamatan office."
            )
            status = 429
        elif applicant_form.is_valid() and data_form.is_valid():
            data = {name: request.POST.get(f"d-{name}", "") for name in data_form.fields}
            office = None
            if applicant_form.cleaned_data.get("office"):
                office = Unit.objects.filter(pk=applicant_form.cleaned_data["office"]).first()
            try:
                application = _online_submit(request, service, applicant_form.cleaned_data, data, office)
            except ServiceError as exc:
                error = str(exc)
                _attach_details(data_form, applicant_form, exc)
                status = 409 if exc.status == 409 else 422
            else:
                request.session["applications_online"] = application.pk
                return redirect("applications:apply_done")
        else:
            status = 422
    return render(
        request,
        "applications/public_apply.html",
        {
            "service": service,
            "applicant_form": applicant_form,
            "data_form": data_form,
            "error": error,
            "requirements": service.requirements.all(),
            "max_mb": services_max_mb(),
        },
        status=status,
    )


@unscoped("public page: an online application finds its applicant by NIK in the whole register")
def _online_submit(
    request: HttpRequest,
    service: Service,
    applicant: dict[str, Any],
    data: dict[str, Any],
    office: Unit | None,
) -> Application:
    """Submit, attach every scan and lodge in one transaction: all or nothing."""
    documents = []
    for requirement in service.requirements.all():
        upload = request.FILES.get(f"doc-{requirement.code}")
        if upload is not None:
            documents.append((requirement.code, read_limited(upload, declared_size=upload.size)))
    return services.application_submit_with_documents(
        actor=ANONYMOUS,
        service_code=service.code,
        applicant_nik=applicant["applicant_nik"],
        data=data,
        channel=Channel.ONLINE,
        documents=documents,
        office=office,
        phone=applicant["phone"],
    )


@public
@unscoped("public page: the browser session that submitted a file sees its confirmation")
def apply_done_view(request: HttpRequest) -> HttpResponse:
    pk = request.session.get("applications_online")
    app = Application.objects.select_related("service", "office").filter(pk=pk).first() if pk else None
    if app is None:
        return redirect("applications:apply")
    return render(request, "applications/public_done.html", {"app": app})


@public
@unscoped("public page: the browser session that submitted a file gets its receipt")
def apply_receipt_view(request: HttpRequest) -> HttpResponse:
    """The online applicant's receipt, for the browser session that submitted it only."""
    pk = request.session.get("applications_online")
    app = Application.objects.select_related("service", "office").filter(pk=pk).first() if pk else None
    if app is None:
        raise Http404
    response = HttpResponse(receipt_pdf(app), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tanda-terima-{app.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Public: tracking and verification --------------------------------------------------------------------


class TrackForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("Tracking code"), max_length=20)


@public
def track_form_view(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect(
            "applications:track_detail", services.tracking_code_normalize(form.cleaned_data["code"]) or "-"
        )
    return render(request, "applications/public_track.html", {"form": form})


@public
def track_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    if rate_limited(request, "track"):
        return render(
            request, "applications/public_track.html", {"form": TrackForm(), "limited": True}, status=429
        )
    view = selectors.track_lookup(services.tracking_code_normalize(code))
    if view is None:
        return render(
            request,
            "applications/public_track.html",
            {"form": TrackForm(initial={"code": code}), "unknown": True},
            status=404,
        )
    return _track_page(request, view)


class ResubmitForm(StyledForm):
    applicant_nik = forms.RegexField(
        label=gettext_lazy("Applicant's NIK"),
        regex=r"^\d{16}$",
        error_messages={"invalid": gettext_lazy("A NIK has 16 digits.")},
    )
    note = forms.CharField(
        label=gettext_lazy("What did you correct?"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _track_page(
    request: HttpRequest, view: selectors.TrackView, form: ResubmitForm | None = None, **extra: Any
) -> HttpResponse:
    status = extra.pop("status", 200)
    context = {"view": view, "resubmit_form": form or ResubmitForm(), **extra}
    return render(request, "applications/public_track_detail.html", context, status=status)


@public
@csrf_exempt  # checked below, once the upload limit is in place
@unscoped("public page: the holder of a tracking code corrects a returned file")
def track_resubmit_view(request: HttpRequest, code: str) -> HttpResponse:
    """An online applicant corrects a returned file: new scans and/or a note, NIK as proof."""
    if request.method != "POST":
        return redirect("applications:track_detail", code)
    view = selectors.track_lookup(services.tracking_code_normalize(code))
    if view is None or not view.can_resubmit:
        raise Http404
    if request_too_large(request, documents=max(1, len(view.requirements))):
        return _track_page(request, view, error=str(too_large_error()), status=413)
    request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _track_resubmit_protected(request, view)


@csrf_protect
def _track_resubmit_protected(request: HttpRequest, view: selectors.TrackView) -> HttpResponse:
    form = ResubmitForm(request.POST)
    if getattr(request, "upload_too_large", False):
        return _track_page(request, view, form, error=str(too_large_error()), status=413)
    if rate_limited(request, "track") or (request.FILES and rate_limited(request, "resubmit")):
        return _track_page(
            request,
            view,
            form,
            error=_("Too many attempts from this connection. Please try again later."),
            status=429,
        )
    if not form.is_valid():
        return _track_page(request, view, form, status=422)
    try:
        documents = {}
        for requirement in view.requirements:
            upload = request.FILES.get(f"doc-{requirement.code}")
            if upload is not None:
                documents[requirement.code] = read_limited(upload, declared_size=upload.size)
        services.application_resubmit_online(
            tracking_code=view.code,
            applicant_nik=form.cleaned_data["applicant_nik"],
            documents=documents,
            note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        return _track_page(request, view, form, error=str(exc), status=exc.status)
    messages.success(request, _("Sent again. The kecamatan office will check your application."))
    return redirect("applications:track_detail", view.code)


class VerifyForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("Document number"), max_length=40)
    token = forms.CharField(
        label=gettext_lazy("Verification code (printed under the QR code)"), max_length=100
    )


@public
def verify_form_view(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, "verify"):
            return render(
                request, "applications/public_verify.html", {"form": form, "limited": True}, status=429
            )
        result = selectors.document_verify(form.cleaned_data["number"], form.cleaned_data["token"])
    return render(request, "applications/public_verify.html", {"form": form, "result": result}, status=status)


@public
def verify_detail_view(request: HttpRequest, number: str, token: str) -> HttpResponse:
    if rate_limited(request, "verify"):
        return render(
            request, "applications/public_verify.html", {"form": VerifyForm(), "limited": True}, status=429
        )
    result = selectors.document_verify(number, token)
    return render(
        request, "applications/public_verify.html", {"form": None, "result": result, "number": number}
    )
