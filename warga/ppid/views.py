"""Pages of the information service: the public form, receipt, tracking, objection and download
pages; the officers' list (the PPID utama: all; a pembantu: its unit's), desk entry, a request
with its clock and actions, answer documents, PDFs; the atasan's objections. Thin: forms parse,
services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warga.core.errors import NotFound, ServiceError
from warga.core.forms import StyledForm
from warga.core.middleware import client_ip
from warga.core.pages import service_errors
from warga.core.pagination import paginate, paginate_bounded
from warga.core.permissions import page_actor, public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import unscoped
from warga.core.tables import form_filters, table_response

from . import capabilities as caps
from . import selectors, tables
from .models import (
    AccessMode,
    CopyForm,
    DeliveryMode,
    DisputeOutcome,
    ExemptionGround,
    InformationRequest,
    ObjectionGround,
    ObjectionStatus,
    Outcome,
    RequestChannel,
    RequesterKind,
    RequestStatus,
)
from .pdf import notice_pdf, receipt_pdf
from .register_selectors import exemption_choices, periodic_choices
from .services import (
    OFFICER_CHANNELS,
    Decision,
    RequestInput,
    dispute_record,
    document_attach,
    download_open,
    link_days,
    objection_decide,
    objection_file,
    request_file,
    request_transition,
    request_units,
    requester_request,
)
from .services._common import max_file_bytes


def _units() -> list[tuple[str, str]]:
    return [(str(u.pk), u.name) for u in request_units()]


def _onto(form: forms.Form, exc: ServiceError) -> None:
    """A service's refusal on the form: each detail on its field (or above the form)."""
    details = [d for d in (exc.details or []) if isinstance(d, dict)] if isinstance(exc.details, list) else []
    placed = False
    for detail in details:
        field = detail.get("field")
        if field in form.fields:
            form.add_error(field, str(detail.get("message", exc.message)))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _rate_limited(request: HttpRequest, bucket: str) -> bool:
    defaults = {"file": (5, 3600), "track": (20, 600), "object": (5, 3600)}
    limit, window = getattr(settings, "PPID_RATE_LIMITS", {}).get(bucket, defaults[bucket])
    return over_limit(f"ppid:rl:{bucket}:{client_ip(request) or 'unknown'}", limit=limit, window=window)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_file_bytes() + 256 * 1024


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _file(document_file: Any, content_type: str, filename: str) -> FileResponse:
    response = FileResponse(document_file.open("rb"), content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The request form (public and desk) ------------------------------------------------------------


class RequestForm(StyledForm):
    requester_kind = forms.ChoiceField(
        label=gettext_lazy("Requester"), choices=RequesterKind.choices, initial=RequesterKind.PERSON
    )
    name = forms.CharField(label=gettext_lazy("Name (person or legal body)"), max_length=160)
    nik = forms.CharField(label=gettext_lazy("NIK (for a person)"), required=False, max_length=20)
    legal_papers = forms.FileField(
        label=gettext_lazy("Legal body's papers (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("The registration number and each decision come by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    email = forms.CharField(label=gettext_lazy("E-mail"), required=False, max_length=254)
    unit = forms.TypedChoiceField(
        label=gettext_lazy("Addressed to"), required=False, coerce=int, empty_value=None
    )
    information = forms.CharField(
        label=gettext_lazy("Information requested"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    purpose = forms.CharField(
        label=gettext_lazy("Purpose of use"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    access_mode = forms.ChoiceField(label=gettext_lazy("I want to"), choices=AccessMode.choices)
    copy_form = forms.ChoiceField(label=gettext_lazy("Form"), choices=CopyForm.choices)
    delivery = forms.ChoiceField(label=gettext_lazy("Delivery"), choices=DeliveryMode.choices)
    channel = forms.ChoiceField(label=gettext_lazy("Received"), required=False)

    def __init__(self, *args: Any, officer: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("the PPID utama")), *_units()]
        if officer:
            cast(forms.ChoiceField, self.fields["channel"]).choices = [
                (c, RequestChannel(c).label) for c in OFFICER_CHANNELS
            ]
            self.fields["channel"].required = True
            self.fields["unit"].label = gettext_lazy("Receiving unit")
            cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("my unit")), *_units()]
        else:
            del self.fields["channel"]

    def to_input(self, papers: bytes | None) -> RequestInput:
        d = self.cleaned_data
        return RequestInput(
            requester_kind=d["requester_kind"],
            name=d["name"],
            nik=d["nik"],
            legal_papers=papers,
            address=d["address"],
            phone=d["phone"],
            email=d["email"],
            information=d["information"],
            purpose=d["purpose"],
            access_mode=d["access_mode"],
            copy_form=d["copy_form"],
            delivery=d["delivery"],
            unit_id=d.get("unit"),
        )


def _papers(request: HttpRequest) -> bytes | None:
    upload = request.FILES.get("legal_papers")
    if upload is None:
        return None
    return cast(bytes, upload.read(max_file_bytes() + 1))


@public
def public_form_view(request: HttpRequest) -> HttpResponse:
    """The public request form on the front door: rate limited per address, CSRF-protected; the
    registration number and the receipt come at once."""
    if request.method == "POST" and _too_large(request):
        form = RequestForm()
        form.add_error(
            None, _("The file is too large: at most %(mb)d MB.") % {"mb": max_file_bytes() // 2**20}
        )
        return render(request, "ppid/public_form.html", {"form": form}, status=413)
    form = RequestForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if _rate_limited(request, "file"):
            form.add_error(None, _("Too many requests from this connection. Please try again later."))
            status = 429
        elif form.is_valid():
            try:
                filed = request_file(
                    actor=None, channel=RequestChannel.WEB, data=form.to_input(_papers(request))
                )
            except ServiceError as exc:
                _onto(form, exc)
            else:
                request.session["ppid_filed"] = filed.pk
                return redirect("ppid:public_done")
    return render(request, "ppid/public_form.html", {"form": form}, status=status)


def _filed(request: HttpRequest) -> InformationRequest | None:
    pk = request.session.get("ppid_filed")
    if not isinstance(pk, int):
        return None
    with unscoped("public page: the request this browser just filed"):
        return InformationRequest.objects.select_related("receiving_unit").filter(pk=pk).first()


@public(ok=302)
def public_done_view(request: HttpRequest) -> HttpResponse:
    filed = _filed(request)
    if filed is None:
        return redirect("ppid:public_form")
    return render(request, "ppid/public_done.html", {"number": filed.number, "due_on": filed.due_on})


@public(ok=302)
def public_receipt_view(request: HttpRequest) -> HttpResponse:
    """The receipt of the request this browser just filed (nothing in the URL)."""
    filed = _filed(request)
    if filed is None:
        return redirect("ppid:public_form")
    with unscoped("public page: the receipt of the request this browser just filed"):
        content = receipt_pdf(filed)
    return _pdf(content, "tanda-bukti-ppid.pdf")


class TrackForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("Registration number"), max_length=30)
    contact = forms.CharField(
        label=gettext_lazy("Mobile number or e-mail you gave (to download the answer or object)"),
        required=False,
        max_length=254,
    )


class ObjectionForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("Registration number"), max_length=30)
    contact = forms.CharField(label=gettext_lazy("Mobile number or e-mail you gave"), max_length=254)
    ground = forms.ChoiceField(label=gettext_lazy("Ground of the objection"), choices=ObjectionGround.choices)
    reason = forms.CharField(
        label=gettext_lazy("Why you object"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    information = forms.TypedChoiceField(
        label=gettext_lazy("For ground b: the periodic information concerned"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    topic = forms.CharField(
        label=gettext_lazy("…or its topic, when it is not in the Daftar Informasi Publik"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["information"]).choices = [("", "—"), *periodic_choices()]


@public
def public_track_view(request: HttpRequest) -> HttpResponse:
    """The number is POSTed, never put in the URL; the status shows no personal data. With the
    phone or e-mail given, the requester also gets the download links and the objection form."""
    form = TrackForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if _rate_limited(request, "track"):
            form.add_error(None, _("Too many look-ups from this connection. Please wait a few minutes."))
            status = 429
        elif form.is_valid():
            number, contact = form.cleaned_data["number"], form.cleaned_data["contact"]
            info = selectors.request_public_status(number)
            if info is None:
                form.add_error("number", _("No request has this number. Check the number on your receipt."))
                status = 404
            context["info"] = info
            if info is not None and contact:
                try:
                    proven = requester_request(number, contact)
                except NotFound as exc:
                    form.add_error("contact", str(exc.message))
                else:
                    context["requester"] = selectors.requester_view(proven)
                    context["objection_form"] = ObjectionForm(
                        initial={"number": info.number, "contact": contact}
                    )
                    context["link_days"] = link_days()
    return render(request, "ppid/public_track.html", context, status=status)


@public
def public_objection_view(request: HttpRequest) -> HttpResponse:
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if _rate_limited(request, "object"):
            form.add_error(None, _("Too many objections from this connection. Please try again later."))
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                objection = objection_file(
                    number=d["number"],
                    contact=d["contact"],
                    ground=d["ground"],
                    reason=d["reason"],
                    information_id=d.get("information"),
                    topic=d.get("topic") or "",
                )
            except ServiceError as exc:
                _onto(form, exc)
                status = exc.status
            else:
                return render(
                    request,
                    "ppid/public_objection_done.html",
                    {"number": objection.request.number, "due_on": objection.due_on},
                )
    return render(request, "ppid/public_objection.html", {"form": form}, status=status)


@public
def download_view(request: HttpRequest, token: str) -> FileResponse:
    """An answer document by its signed link; a forged or expired link is 404 (every download is
    audited)."""
    try:
        document = download_open(token)
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    return _file(
        document.file,
        document.content_type,
        f"{document.request.number.replace('/', '-')}-{document.pk}.{extension}",
    )


# --- Officers ----------------------------------------------------------------------------------------


class FilterForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=30)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Held by"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        cast(forms.ChoiceField, self.fields["status"]).choices = every + list(RequestStatus.choices)
        cast(forms.ChoiceField, self.fields["unit"]).choices = every + _units()


PER_PAGE = 50


@requires(caps.VIEW)
def list_view(request: HttpRequest) -> HttpResponseBase:
    """The PPID utama and the atasan: every request; a pembantu: what its unit holds. Escalated and
    overdue first, with the clock."""
    actor = page_actor(request)
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.RequestFilters(
        status=data.get("status", ""),
        unit_id=data.get("unit"),
        overdue=bool(data.get("overdue")),
        number=data.get("number", ""),
    )
    qs = selectors.requests_list(actor=actor, filters=filters)
    answer = table_response(request, tables.REQUESTS, qs, filters=form_filters(form, private=("number",)))
    if answer is not None:
        return answer
    return render(
        request,
        "ppid/list.html",
        {
            "form": form,
            # The count stops where the pager needs it: the list holds every request of the years.
            "page": paginate_bounded(request, qs, per_page=PER_PAGE),
            "counts": selectors.request_counts(actor=actor),
            "all": selectors.is_manager(actor),
            "today": timezone.localdate(),
            "can_register": actor.can(caps.REGISTER),
        },
    )


@requires(caps.REGISTER)
def new_view(request: HttpRequest) -> HttpResponse:
    """A request received at a desk, by letter or by e-mail, entered by an officer."""
    actor = page_actor(request)
    form = RequestForm(request.POST or None, request.FILES or None, officer=True)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            filed = request_file(
                actor=actor, channel=form.cleaned_data["channel"], data=form.to_input(_papers(request))
            )
            messages.success(request, _("Registered as %(number)s.") % {"number": filed.number})
            return redirect("ppid:detail", pk=filed.pk)
    return render(request, "ppid/new.html", {"form": form})


class ActionForm(StyledForm):
    action = forms.CharField(max_length=20, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note / reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), required=False)
    exemption_ground = forms.ChoiceField(label=gettext_lazy("Exemption ground (art. 17)"), required=False)
    consequence_test = forms.CharField(
        label=gettext_lazy("Consequence test reference"), required=False, max_length=200
    )
    exemption_entry = forms.TypedChoiceField(
        label=gettext_lazy("Entry of the exempted-information register"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("Its ground and consequence test fill the fields left empty."),
    )
    other_body = forms.CharField(label=gettext_lazy("Public body holding it"), required=False, max_length=200)
    copy_cost = forms.IntegerField(
        label=gettext_lazy("Copying cost (Rp)"), required=False, min_value=0, max_value=100_000_000
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        none = [("", "—")]
        cast(forms.ChoiceField, self.fields["unit"]).choices = none + _units()
        cast(forms.ChoiceField, self.fields["outcome"]).choices = none + list(Outcome.choices)
        cast(forms.ChoiceField, self.fields["exemption_ground"]).choices = none + list(
            ExemptionGround.choices
        )
        cast(forms.ChoiceField, self.fields["exemption_entry"]).choices = [*none, *exemption_choices()]


class AttachForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Document name"), max_length=120)
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


def _detail(
    request: HttpRequest, pk: int, form: ActionForm | None = None, attach: AttachForm | None = None
) -> HttpResponse:
    actor = page_actor(request)
    info = selectors.request_open(actor=actor, pk=pk)
    return render(
        request,
        "ppid/detail.html",
        {
            "r": info,
            "events": selectors.request_events(info),
            "documents": selectors.request_documents(info),
            "actions": selectors.available_actions(info, actor),
            "form": form or ActionForm(initial={"version": info.version}),
            "attach": attach or AttachForm(),
            "can_attach": selectors.can_attach(info, actor),
            "overdue": info.is_overdue(),
            "objections": list(info.objections.all()),
        },
    )


@requires(caps.VIEW)
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@requires(caps.HANDLE)
@require_POST
def act_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = ActionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with service_errors(request, form=form, aliases={"decision": "outcome"}):
            done = request_transition(
                actor=page_actor(request),
                request_id=pk,
                action=d["action"],
                note=d.get("note") or "",
                unit_id=d.get("unit"),
                decision=Decision(
                    outcome=d.get("outcome") or "",
                    exemption_ground=d.get("exemption_ground") or "",
                    consequence_test=d.get("consequence_test") or "",
                    other_body=d.get("other_body") or "",
                    copy_cost=d.get("copy_cost") or 0,
                    exemption_entry_id=d.get("exemption_entry"),
                ),
                expected_version=d.get("version"),
            )
            messages.success(
                request,
                _("Done: %(number)s is now “%(s)s”.")
                % {"number": done.number, "s": done.get_status_display()},
            )
            if d["action"] == "forward" and not page_actor(request).can(caps.MANAGE):
                return redirect("ppid:list")  # the unit no longer holds it
            return redirect("ppid:detail", pk=pk)
    return _detail(request, pk, form=form)


@requires(caps.HANDLE)
@require_POST
def attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    if _too_large(request):
        attach = AttachForm()
        attach.add_error(
            "file", _("The file is too large: at most %(mb)d MB.") % {"mb": max_file_bytes() // 2**20}
        )
        return _detail(request, pk, attach=attach)
    attach = AttachForm(request.POST, request.FILES)
    if attach.is_valid():
        upload: Any = request.FILES["file"]
        with service_errors(request, form=attach, aliases={"name": "name"}):
            document_attach(
                actor=page_actor(request),
                request_id=pk,
                name=attach.cleaned_data["name"],
                content=upload.read(max_file_bytes() + 1),
            )
            messages.success(request, _("The document was attached."))
            return redirect("ppid:detail", pk=pk)
    return _detail(request, pk, attach=attach)


@requires(caps.VIEW)
def document_view(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    document = selectors.document_open(actor=page_actor(request), request_id=pk, document_id=document_id)
    return _file(document.file, document.content_type, f"dokumen-{document.pk}")


@requires(caps.VIEW)
def papers_view(request: HttpRequest, pk: int) -> FileResponse:
    info = selectors.legal_papers_open(actor=page_actor(request), request_id=pk)
    return _file(info.legal_papers, info.legal_papers_type or "application/pdf", f"akta-{info.pk}")


@requires(caps.VIEW)
def receipt_view(request: HttpRequest, pk: int) -> HttpResponse:
    info = selectors.request_open(actor=page_actor(request), pk=pk)
    return _pdf(receipt_pdf(info), f"tanda-bukti-{info.pk}.pdf")


@requires(caps.VIEW)
def notice_view(request: HttpRequest, pk: int) -> HttpResponse:
    info = selectors.request_open(actor=page_actor(request), pk=pk)
    if not info.outcome:
        raise NotFound(_("No written notice yet."))
    return _pdf(notice_pdf(info), f"pemberitahuan-{info.pk}.pdf")


# --- Objections (the atasan PPID) --------------------------------------------------------------------


class ObjectionFilterForm(StyledForm):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("all")), *ObjectionStatus.choices]


@requires(caps.OBJECTIONS)
def objections_view(request: HttpRequest) -> HttpResponseBase:
    """The objections of the installation (`?format=csv|xlsx|print`: the same rows, audited)."""
    actor = page_actor(request)
    form = ObjectionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.objections_list(actor=actor, status=data.get("status", ""))
    answer = table_response(request, tables.OBJECTIONS, qs, filters=form_filters(form))
    if answer is not None:
        return answer
    return render(
        request,
        "ppid/objections.html",
        {"form": form, "page": paginate(request, qs), "today": timezone.localdate()},
    )


class DecideForm(StyledForm):
    upheld = forms.TypedChoiceField(
        label=gettext_lazy("Answer"),
        coerce=lambda v: v == "1",
        choices=[
            ("1", gettext_lazy("uphold: the information is to be given")),
            ("0", gettext_lazy("dismiss: the decision stands")),
        ],
    )
    answer = forms.CharField(
        label=gettext_lazy("Written answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DisputeForm(StyledForm):
    filed_on = forms.DateField(
        label=gettext_lazy("Filed at the Komisi Informasi on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=gettext_lazy("Register number"), required=False, max_length=80)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=DisputeOutcome.choices)
    decided_on = forms.DateField(
        label=gettext_lazy("Outcome on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _objection(
    request: HttpRequest, pk: int, decide: DecideForm | None = None, dispute: DisputeForm | None = None
) -> HttpResponse:
    actor = page_actor(request)
    objection = selectors.objection_open(actor=actor, pk=pk)
    return render(
        request,
        "ppid/objection.html",
        {
            "o": objection,
            "can_decide": actor.can(caps.DECIDE_OBJECTIONS),
            "decide": decide or DecideForm(),
            "dispute": dispute or DisputeForm(),
            "dispute_until": selectors.objection_dispute_until(objection),
        },
    )


@requires(caps.OBJECTIONS)
def objection_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _objection(request, pk)


@requires(caps.DECIDE_OBJECTIONS)
@require_POST
def objection_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecideForm(request.POST)
    if form.is_valid():
        with service_errors(request, form=form):
            objection_decide(
                actor=page_actor(request),
                objection_id=pk,
                upheld=form.cleaned_data["upheld"],
                answer=form.cleaned_data["answer"],
            )
            messages.success(request, _("The objection was answered."))
            return redirect("ppid:objection", pk=pk)
    return _objection(request, pk, decide=form)


@requires(caps.DECIDE_OBJECTIONS)
@require_POST
def dispute_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = DisputeForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with service_errors(request, form=form):
            dispute_record(
                actor=page_actor(request),
                objection_id=pk,
                filed_on=d["filed_on"],
                reference=d["reference"],
                outcome=d["outcome"],
                decided_on=d["decided_on"],
                note=d["note"],
            )
            messages.success(request, _("The dispute was recorded."))
            return redirect("ppid:objection", pk=pk)
    return _objection(request, pk, dispute=form)
