"""Pages of the registers: the Daftar Informasi Publik (DIP) and the exempted information.

Public (front door, no login): each register with filters (category or art. 17 ground, unit),
text search, pages, CSV/XLSX export of what the filters show, and the DIP's documents to
download. Officers (`ppid.registers`; the PPID utama every unit's entries, a pembantu its unit's):
the same lists with withdrawn entries, forms to create, correct and withdraw, documents to upload,
and the export. Thin: forms parse, services decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from warga.core.forms import StyledForm
from warga.core.middleware import client_ip
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import Actor, in_scope, unscoped
from warga.core.tables import Table, form_filters, table_response

from . import capabilities as caps
from . import register_selectors as rs
from . import tables
from .models import (
    ExemptInformation,
    ExemptionGround,
    InformationCategory,
    InformationFormat,
    PublicInformation,
)
from .services import (
    ExemptionInput,
    InformationInput,
    exemption_save,
    exemption_withdraw,
    information_document_attach,
    information_save,
    information_withdraw,
    registers_visible,
    request_units,
)
from .services._common import max_file_bytes

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units() -> list[tuple[str, str]]:
    return [(str(u.pk), u.name) for u in request_units()]


class RegisterFilterForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=gettext_lazy("Entries"),
        required=False,
        choices=[
            (rs.ACTIVE, gettext_lazy("in the register")),
            (rs.WITHDRAWN, gettext_lazy("withdrawn")),
            (rs.EVERY, gettext_lazy("all")),
        ],
    )

    def __init__(self, *args: Any, exempt: bool = False, officer: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        kinds = ExemptionGround.choices if exempt else InformationCategory.choices
        cast(forms.ChoiceField, self.fields["kind"]).choices = every + list(kinds)
        if exempt:
            self.fields["kind"].label = gettext_lazy("Ground (art. 17)")
        cast(forms.ChoiceField, self.fields["unit"]).choices = every + _units()
        if not officer:
            del self.fields["state"]

    def filters(self) -> rs.RegisterFilters:
        d = self.cleaned_data if self.is_valid() else {}
        return rs.RegisterFilters(
            kind=d.get("kind") or "",
            unit_id=d.get("unit"),
            text=d.get("q") or "",
            state=d.get("state") or rs.ACTIVE,
        )


def _filter_form(request: HttpRequest, *, exempt: bool, officer: bool) -> tuple[RegisterFilterForm, int]:
    """The filters, and 200 — or 400 when one is not a choice (an unknown category, say): the page
    then says so and lists nothing."""
    data = request.GET.copy()
    data.pop("page", None)
    data.pop("format", None)
    form = RegisterFilterForm(data or None, exempt=exempt, officer=officer)
    return form, (400 if data and not form.is_valid() else 200)


def _document_link(request: HttpRequest) -> Callable[[int], str]:
    return lambda pk: request.build_absolute_uri(reverse("ppid:dip_document", args=[pk]))


def _table(request: HttpRequest, *, exempt: bool) -> Table:
    return tables.EXEMPTIONS if exempt else tables.information_table(_document_link(request))


def _export(
    request: HttpRequest, table: Table, rows: Any, form: RegisterFilterForm, *, audit: bool
) -> HttpResponseBase:
    """CSV (the default) or XLSX through `core.tables`, in Indonesian whatever the page's language
    (the registers are published in Indonesian); the searched text is named, never recorded."""
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    with translation.override("id"):
        answer = table_response(
            request, table, rows, filters=form_filters(form, private=("q",)), fmt=fmt, audit=audit
        )
    assert answer is not None  # a format is given
    return answer


def _export_limited(request: HttpRequest) -> bool:
    limit, window = getattr(settings, "PPID_RATE_LIMITS", {}).get("export", (30, 600))
    return over_limit(f"ppid:rl:export:{client_ip(request) or 'unknown'}", limit=limit, window=window)


# --- Public pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRegister:
    exempt: bool
    template: str


DIP = PublicRegister(False, "ppid/dip_public.html")
EXEMPT = PublicRegister(True, "ppid/exempt_public.html")


def _public_list(request: HttpRequest, register: PublicRegister) -> HttpResponse:
    form, status = _filter_form(request, exempt=register.exempt, officer=False)
    filters = form.filters()
    with unscoped("public register: anybody may read it"):
        qs: Any = rs.exemptions_public(filters) if register.exempt else rs.information_public(filters)
        if status != 200:
            qs = qs.none()
        page = paginate(request, qs, per_page=25)
        page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, register.template, {"form": form, "page": page, "query": query.urlencode()}, status=status
    )


def _public_export(request: HttpRequest, register: PublicRegister) -> HttpResponseBase:
    form, status = _filter_form(request, exempt=register.exempt, officer=False)
    if status != 200:
        return render(request, register.template, {"form": form, "page": None}, status=400)
    if _export_limited(request):
        return HttpResponse(
            _("Too many exports from this connection. Please wait a few minutes."), status=429
        )
    filters = form.filters()
    with unscoped("public register export: anybody may read it"):
        qs: Any = rs.exemptions_public(filters) if register.exempt else rs.information_public(filters)
        # Read here, inside `unscoped`: a streamed CSV is read after the view returned, in the
        # request's scope, which an anonymous visitor does not have. A register holds hundreds
        # of entries, not millions (and `EXPORT_MAX_ROWS` still applies).
        rows = list(qs)
    return _export(request, _table(request, exempt=register.exempt), rows, form, audit=False)


@public
@require_GET
def dip_public_view(request: HttpRequest) -> HttpResponse:
    """The Daftar Informasi Publik: every entry in the register, by category and unit."""
    return _public_list(request, DIP)


@public
@require_GET
def dip_public_export_view(request: HttpRequest) -> HttpResponseBase:
    return _public_export(request, DIP)


@public
@require_GET
def exempt_public_view(request: HttpRequest) -> HttpResponse:
    """The register of exempted information, by art. 17 ground and unit."""
    return _public_list(request, EXEMPT)


@public
@require_GET
def exempt_public_export_view(request: HttpRequest) -> HttpResponseBase:
    return _public_export(request, EXEMPT)


@public
@require_GET
def dip_document_view(request: HttpRequest, document_id: int) -> FileResponse:
    """A document of an entry in the register, as an attachment with its checked content type; a
    withdrawn entry's documents are not found."""
    document = rs.information_document_public(document_id)
    if document is None:
        raise Http404
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    name = slugify(document.name)[:60] or "dokumen"
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        content_type=document.content_type,
        filename=f"{name}-{document.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Officers: forms ------------------------------------------------------------------------------


class InformationForm(StyledForm):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=InformationCategory.choices)
    unit = forms.TypedChoiceField(
        label=gettext_lazy("Unit responsible"), required=False, coerce=int, empty_value=None
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    summary = forms.CharField(
        label=gettext_lazy("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=InformationFormat.choices)
    retention = forms.CharField(label=gettext_lazy("Retention period"), max_length=100)
    period = forms.CharField(
        label=gettext_lazy("Period covered"),
        max_length=100,
        help_text=gettext_lazy("For example “2025”, “January–June 2026” or a date."),
    )
    published_on = forms.DateField(label=gettext_lazy("Published on"), widget=DATE_INPUT)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("my unit")), *_units()]

    def to_input(self) -> InformationInput:
        d = self.cleaned_data
        return InformationInput(
            category=d["category"],
            unit_id=d.get("unit"),
            title=d["title"],
            summary=d["summary"],
            format=d["format"],
            retention=d["retention"],
            period=d["period"],
            published_on=d["published_on"],
        )


class ExemptionForm(StyledForm):
    ground = forms.ChoiceField(
        label=gettext_lazy("Exemption ground (art. 17)"), choices=ExemptionGround.choices
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    title = forms.CharField(label=gettext_lazy("Information exempted"), max_length=300)
    test_reference = forms.CharField(label=gettext_lazy("Consequence test number"), max_length=200)
    tested_on = forms.DateField(label=gettext_lazy("Consequence test date"), widget=DATE_INPUT)
    consequence = forms.CharField(
        label=gettext_lazy("Consequence if disclosed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    period = forms.CharField(
        label=gettext_lazy("Exemption period"),
        max_length=100,
        help_text=gettext_lazy("For example “5 years” or “until the investigation ends”."),
    )
    exempt_until = forms.DateField(label=gettext_lazy("Exempted until"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("my unit")), *_units()]

    def to_input(self) -> ExemptionInput:
        d = self.cleaned_data
        return ExemptionInput(
            ground=d["ground"],
            unit_id=d.get("unit"),
            title=d["title"],
            test_reference=d["test_reference"],
            tested_on=d["tested_on"],
            consequence=d["consequence"],
            period=d["period"],
            exempt_until=d.get("exempt_until"),
        )


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Document name"), required=False, max_length=120)
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


def _initial(entry: PublicInformation | ExemptInformation, fields: list[str]) -> dict[str, Any]:
    initial = {name: getattr(entry, name) for name in fields if name not in ("unit", "version")}
    return {**initial, "unit": entry.unit_id, "version": entry.version}


# --- Officers: the DIP ----------------------------------------------------------------------------


def _officer_list(request: HttpRequest, *, exempt: bool) -> HttpResponse:
    actor = page_actor(request)
    form, status = _filter_form(request, exempt=exempt, officer=True)
    filters = form.filters()
    qs: Any = (
        rs.exemptions_kept(actor=actor, filters=filters)
        if exempt
        else rs.information_kept(actor=actor, filters=filters)
    )
    if status != 200:
        qs = qs.none()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ppid/exempt_list.html" if exempt else "ppid/dip_list.html",
        {
            "form": form,
            "page": paginate(request, qs, per_page=25),
            "query": query.urlencode(),
            "all": actor.can(caps.MANAGE),
        },
        status=status,
    )


def _officer_export(request: HttpRequest, *, exempt: bool) -> HttpResponseBase:
    actor = page_actor(request)
    form, status = _filter_form(request, exempt=exempt, officer=True)
    if status != 200:
        messages.error(request, _("Check the filters of the export."))
        return redirect("ppid:exempt_list" if exempt else "ppid:dip_list")
    filters = form.filters()
    qs: Any = (
        rs.exemptions_kept(actor=actor, filters=filters)
        if exempt
        else rs.information_kept(actor=actor, filters=filters)
    )
    return _export(request, _table(request, exempt=exempt), qs, form, audit=True)


@requires(caps.REGISTERS)
def dip_list_view(request: HttpRequest) -> HttpResponse:
    """The entries the officer keeps (the PPID utama: every unit's), withdrawn ones on request."""
    return _officer_list(request, exempt=False)


@requires(caps.REGISTERS)
def dip_export_view(request: HttpRequest) -> HttpResponseBase:
    return _officer_export(request, exempt=False)


@requires(caps.REGISTERS)
def dip_new_view(request: HttpRequest) -> HttpResponse:
    form = InformationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            entry = information_save(actor=page_actor(request), data=form.to_input())
            messages.success(request, _("The entry was added to the Daftar Informasi Publik."))
            return redirect("ppid:dip_edit", pk=entry.pk)
    return render(request, "ppid/dip_form.html", {"form": form})


def _dip_page(
    request: HttpRequest,
    actor: Actor,
    pk: int,
    *,
    form: InformationForm | None = None,
    attach: DocumentForm | None = None,
    withdraw: WithdrawForm | None = None,
) -> HttpResponse:
    entry = in_scope(registers_visible(actor, PublicInformation), pk=pk)
    return render(
        request,
        "ppid/dip_form.html",
        {
            "entry": entry,
            "form": form or InformationForm(initial=_initial(entry, list(InformationForm.base_fields))),
            "attach": attach or DocumentForm(),
            "withdraw": withdraw or WithdrawForm(),
            "documents": list(entry.documents.all()),
        },
    )


@requires(caps.REGISTERS)
def dip_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    if request.method != "POST":
        return _dip_page(request, actor, pk)
    form = InformationForm(request.POST)
    if form.is_valid():
        with service_errors(request, form=form):
            information_save(
                actor=actor, data=form.to_input(), entry_id=pk, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, _("The entry was saved."))
            return redirect("ppid:dip_edit", pk=pk)
    return _dip_page(request, actor, pk, form=form)


@requires(caps.REGISTERS)
@require_POST
def dip_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > max_file_bytes() + 256 * 1024
    except ValueError:
        too_large = False
    if too_large:
        attach = DocumentForm()
        attach.add_error(
            "file", _("The file is too large: at most %(mb)d MB.") % {"mb": max_file_bytes() // 2**20}
        )
        return _dip_page(request, actor, pk, attach=attach)
    attach = DocumentForm(request.POST, request.FILES)
    if attach.is_valid():
        upload: Any = request.FILES["file"]
        with service_errors(request, form=attach):
            information_document_attach(
                actor=actor,
                entry_id=pk,
                name=attach.cleaned_data["name"],
                content=upload.read(max_file_bytes() + 1),
            )
            messages.success(request, _("The document was attached."))
            return redirect("ppid:dip_edit", pk=pk)
    return _dip_page(request, actor, pk, attach=attach)


@requires(caps.REGISTERS)
@require_POST
def dip_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    withdraw = WithdrawForm(request.POST)
    if withdraw.is_valid():
        with service_errors(request, form=withdraw):
            information_withdraw(actor=actor, entry_id=pk, reason=withdraw.cleaned_data["reason"])
            messages.success(request, _("The entry was withdrawn from the public register."))
            return redirect("ppid:dip_edit", pk=pk)
    return _dip_page(request, actor, pk, withdraw=withdraw)


# --- Officers: the exempted information -------------------------------------------------------------


@requires(caps.REGISTERS)
def exempt_list_view(request: HttpRequest) -> HttpResponse:
    return _officer_list(request, exempt=True)


@requires(caps.REGISTERS)
def exempt_export_view(request: HttpRequest) -> HttpResponseBase:
    return _officer_export(request, exempt=True)


@requires(caps.REGISTERS)
def exempt_new_view(request: HttpRequest) -> HttpResponse:
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            entry = exemption_save(actor=page_actor(request), data=form.to_input())
            messages.success(request, _("The entry was added to the register of exempted information."))
            return redirect("ppid:exempt_edit", pk=entry.pk)
    return render(request, "ppid/exempt_form.html", {"form": form})


def _exempt_page(
    request: HttpRequest,
    actor: Actor,
    pk: int,
    *,
    form: ExemptionForm | None = None,
    withdraw: WithdrawForm | None = None,
) -> HttpResponse:
    entry = in_scope(registers_visible(actor, ExemptInformation), pk=pk)
    return render(
        request,
        "ppid/exempt_form.html",
        {
            "entry": entry,
            "form": form or ExemptionForm(initial=_initial(entry, list(ExemptionForm.base_fields))),
            "withdraw": withdraw or WithdrawForm(),
        },
    )


@requires(caps.REGISTERS)
def exempt_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    if request.method != "POST":
        return _exempt_page(request, actor, pk)
    form = ExemptionForm(request.POST)
    if form.is_valid():
        with service_errors(request, form=form):
            exemption_save(
                actor=actor, data=form.to_input(), entry_id=pk, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, _("The entry was saved."))
            return redirect("ppid:exempt_edit", pk=pk)
    return _exempt_page(request, actor, pk, form=form)


@requires(caps.REGISTERS)
@require_POST
def exempt_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    withdraw = WithdrawForm(request.POST)
    if withdraw.is_valid():
        with service_errors(request, form=withdraw):
            exemption_withdraw(actor=actor, entry_id=pk, reason=withdraw.cleaned_data["reason"])
            messages.success(request, _("The exemption was withdrawn from the register."))
            return redirect("ppid:exempt_edit", pk=pk)
    return _exempt_page(request, actor, pk, withdraw=withdraw)
