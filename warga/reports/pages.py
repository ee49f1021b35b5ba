"""More pages of cases: the external body's link, the public list and map, filing at a counter,
the export for SP4N-LAPOR!, the publication of a case, and the tasks of reported deaths and
births. Thin: forms parse, services decide."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from warga.core.errors import NotFound, ServiceError
from warga.core.forms import StyledForm
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import unscoped
from warga.regions.models import Region, RegionLevel

from . import capabilities as caps
from . import public as public_reads
from . import selectors, worklists
from .models import CaseCategory, CaseStatus, CaseTaskKind, CaseTaskStatus
from .services import MAX_PHOTOS, MAX_TEXT, case_file
from .services.export import cases_export_csv, cases_export_xlsx
from .services.intake import MAX_PHOTO_BYTES
from .services.links import LINK_STATUSES, link_open, link_photo_open
from .services.links import case_link_act as link_act
from .services.publication import case_publication_set
from .services.tasks import task_cancel, task_open
from .views import CaseFilterForm, PublicCaseForm, _filters, _onto

# --- The external body's link ----------------------------------------------------------------------


class LinkActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("acknowledge", ""), ("answer", ""), ("close", ""), ("hand_back", "")]
    )
    note = forms.CharField(required=False, max_length=MAX_TEXT)
    close = forms.BooleanField(required=False)


_R = TypeVar("_R", bound=HttpResponseBase)


def _link_headers(response: _R) -> _R:
    response["Cache-Control"] = "private, no-store"
    # The token is in the path: never sent to another site (and, unlike no-referrer, the POST
    # keeps its Origin for the CSRF check).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public
def link_view(request: HttpRequest, token: str) -> HttpResponse:
    """An external body's page for one case: no menu, no other page, no other case. Any token
    that does not open its case answers the same 404."""
    status = 200
    error = ""
    if request.method == "POST":
        form = LinkActForm(request.POST)
        if not form.is_valid():
            error, status = _("Choose an action."), 422
        else:
            data = form.cleaned_data
            try:
                case = link_act(token=token, action=data["action"], note=data["note"], close=data["close"])
            except NotFound:
                raise Http404 from None
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                if case.status in LINK_STATUSES:
                    messages.success(request, _("Thank you, it was recorded."))
                    return redirect("reports:link", token=token)
                # Closed or handed back: the link stops here.
                done = render(request, "reports/link_done.html", {"status": case.get_status_display()})
                return _link_headers(done)
    try:
        link = link_open(token=token)
    except NotFound:
        raise Http404 from None
    with unscoped("an external body's link: the case the service opened"):
        info = public_reads.link_view(link)
    response = render(
        request,
        "reports/link.html",
        {"info": info, "error": error, "max_text": MAX_TEXT, "token": token},
        status=status,
    )
    return _link_headers(response)


@public
@require_GET
def link_photo_view(request: HttpRequest, token: str, photo_id: int) -> FileResponse:
    """A photo of the link's case, for the external body; any other answers the same 404."""
    try:
        photo = link_photo_open(token=token, photo_id=photo_id)
    except NotFound:
        raise Http404 from None
    response = FileResponse(photo.file.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    _link_headers(response)
    return response


# --- The public list and map -------------------------------------------------------------------------


class PublicListForm(forms.Form):
    desa = forms.ChoiceField(label=gettext_lazy("Desa/kelurahan"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from warga.regions.selectors import installation_region

        every = [("", _("all"))]
        region = installation_region()
        with unscoped("the public list: the desa of the installation"):
            desas = (
                list(Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("name"))
                if region is not None
                else []
            )
        cast(forms.ChoiceField, self.fields["desa"]).choices = every + [
            (d.code, d.display_name) for d in desas
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = every + list(CaseCategory.choices)
        cast(forms.ChoiceField, self.fields["status"]).choices = every + [
            (s, CaseStatus(s).label) for s in public_reads.PUBLIC_STATUSES
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


@public
def public_list_view(request: HttpRequest) -> HttpResponse:
    """Moderated, published cases with their status and time to answer; a map of those with a
    point when a tile server is configured (`MAP_TILE_URL`)."""
    form = PublicListForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = public_reads.PublicFilters(
        desa_code=data.get("desa", ""), category=data.get("category", ""), status=data.get("status", "")
    )
    page = paginate(request, public_reads.cases_public(filters), per_page=20)
    rows = public_reads.public_rows(page.object_list)
    tile_url = getattr(settings, "MAP_TILE_URL", "") or ""
    points = [
        {
            "lat": float(r.latitude),
            "lon": float(r.longitude),
            "title": f"{r.category} · {r.status}",
            "desa": r.desa,
        }
        for r in rows
        if r.latitude is not None and r.longitude is not None
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "tile_url": tile_url,
        "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        "points": points if tile_url else [],
        "query": query.urlencode(),
    }
    return render(request, "reports/public_list.html", context)


# --- Filing at a counter -----------------------------------------------------------------------------


class CounterCaseForm(PublicCaseForm):
    """The public form for an officer: the desa among those of their area."""

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from warga.regions.selectors import area_regions

        desas = area_regions(area_code, [RegionLevel.DESA])
        cast(forms.ChoiceField, self.fields["desa"]).choices = [("", _("Choose the desa"))] + [
            (d.code, d.display_name) for d in desas
        ]
        self.fields["name"].label = _("Reporter's name")
        self.fields["phone"].label = _("Reporter's mobile number")
        self.fields["phone"].help_text = _("The reporter gets the tracking code and each step by SMS.")


@requires(caps.CREATE)
def counter_file_view(request: HttpRequest) -> HttpResponse:
    """A case told at an office counter (kecamatan, desa, the complaint handler), with photos."""
    actor = page_actor(request)
    form = CounterCaseForm(request.POST or None, request.FILES or None, area_code=actor.area_code)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            files = request.FILES.getlist("photos")
            if len(files) > MAX_PHOTOS or any((f.size or 0) > MAX_PHOTO_BYTES for f in files):
                form.add_error("photos", _("At most 3 photos of at most 8 MB each."))
            else:
                data = form.cleaned_data
                desa = Region.objects.filter(code=data["desa"], level=RegionLevel.DESA).first()
                try:
                    case = case_file(
                        actor=actor,
                        text=data["text"],
                        channel="counter",
                        kind=data["kind"],
                        category=data["category"],
                        desa=desa,
                        name=data["name"],
                        phone=data["phone"],
                        anonymous=data["anonymous"],
                        confidential=data["confidential"],
                        photos=[f.read() for f in files],
                    )
                except NotFound:
                    form.add_error("desa", _("Choose a desa of your area."))
                except ServiceError as exc:
                    _onto(form, exc)
                else:
                    messages.success(
                        request,
                        _("The case was filed with code %(code)s. Give this code to the reporter.")
                        % {"code": case.tracking_code},
                    )
                    if actor.can(caps.VIEW):
                        return redirect("reports:case", pk=case.pk)
                    return redirect("reports:counter_file")
    return render(request, "reports/counter_file.html", {"form": form, "max_text": MAX_TEXT}, status=status)


# --- Export for SP4N-LAPOR! -----------------------------------------------------------------------------


@requires(caps.EXPORT)
def export_view(request: HttpRequest) -> HttpResponseBase:
    """The inbox's filters as query parameters (no personal data: codes and choices), `format`
    csv (default) or xlsx."""
    actor = page_actor(request)
    form = CaseFilterForm(request.GET or None, area_code=actor.area_code)
    if request.GET and not form.is_valid():
        messages.error(request, _("Check the filters of the export."))
        return redirect("reports:list")
    filters = _filters(form)
    qs = selectors.cases_list(actor=actor, filters=filters)
    summary = {k: v for k, v in vars(filters).items() if v not in ("", None, False)}
    summary.pop("query", None)  # free text stays out of the audit row
    summary.pop("code", None)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"lapor-{stamp}"
    if request.GET.get("format") == "xlsx":
        return FileResponse(
            cases_export_xlsx(actor=actor, qs=qs, filters=summary),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(
        cases_export_csv(actor=actor, qs=qs, filters=summary), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- Publication ---------------------------------------------------------------------------------------


class PublicationForm(StyledForm):
    public = forms.BooleanField(label=gettext_lazy("Show on the public list"), required=False)
    public_text = forms.CharField(
        label=gettext_lazy("Public summary (no names, addresses or phone numbers)"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@requires(caps.HANDLE)
@require_POST
def publication_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = PublicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the public summary."))
        return redirect("reports:case", pk=pk)
    with service_errors(request):
        case_publication_set(
            actor=page_actor(request),
            case_id=pk,
            public=form.cleaned_data["public"],
            public_text=form.cleaned_data["public_text"],
        )
        messages.success(request, _("The publication was saved."))
    return redirect("reports:case", pk=pk)


# --- Tasks of reported deaths and births ---------------------------------------------------------------


@requires(caps.TASKS)
def tasks_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    show = request.GET.get("status", "open")
    page = paginate(request, worklists.tasks_list(actor=actor, status=show if show != "all" else ""))
    return render(
        request,
        "reports/tasks.html",
        {
            "page": page,
            "show": show,
            "statuses": [*CaseTaskStatus.choices, ("all", _("all"))],
            "can_register": actor.can("registry.events"),
        },
    )


class TaskRegisterForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("NIK or KK number"), max_length=16, min_length=16)

    def clean_number(self) -> str:
        value = "".join(self.cleaned_data["number"].split())
        if not value.isdigit() or len(value) != 16:
            raise forms.ValidationError(_("16 digits."))
        return value


@requires(caps.TASKS)
def task_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One task: the case it came from and, for an officer who registers life events, the
    register's form to open (the person who died by NIK, the family of the newborn by KK)."""
    actor = page_actor(request)
    task = task_open(actor=actor, pk=pk)
    form = TaskRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and actor.can("registry.events"):
        target = _register_target(request, task, form)
        if target is not None:
            return target
    return render(
        request,
        "reports/task.html",
        {
            "task": task,
            "form": form,
            "can_register": actor.can("registry.events"),
            "show_reporter": selectors.reporter_visible(task.case, actor),
        },
    )


def _register_target(request: HttpRequest, task: Any, form: TaskRegisterForm) -> HttpResponse | None:
    """Find the person (death) or the family (birth) in the register and open its form, with the
    task's reference (and the reporter's name when it may be shown) put in the session."""
    from warga.registry import selectors as registry
    from warga.registry.prefill import event_prefill_put

    actor = page_actor(request)
    if task.status != "open":
        form.add_error(None, _("This task is no longer open."))
        return None
    reporter = task.case.reporter_name if selectors.reporter_visible(task.case, actor) else ""
    number = form.cleaned_data["number"]
    try:
        if task.kind == CaseTaskKind.REGISTER_DEATH:
            resident = registry.resident_open(actor=actor, nik=number, purpose="case_task")
            event_prefill_put(
                request.session,
                form="death",
                pk=resident.pk,
                initial={"event_ref": task.reference, "reporter": reporter},
            )
            return redirect("registry:death", pk=resident.pk)
        family = registry.family_open(actor=actor, kk_number=number)
        event_prefill_put(
            request.session,
            form="birth",
            pk=family.pk,
            initial={"event_ref": task.reference, "reporter": reporter},
        )
        return redirect("registry:birth", pk=family.pk)
    except NotFound:
        form.add_error(
            "number",
            _("Nobody with this NIK in your area.")
            if task.kind == CaseTaskKind.REGISTER_DEATH
            else _("No KK with this number in your area."),
        )
        return None


class TaskCancelForm(forms.Form):
    reason = forms.CharField(max_length=500)


@requires(caps.TASKS)
@require_POST
def task_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = TaskCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why there is nothing to register."))
        return redirect("reports:task", pk=pk)
    with service_errors(request):
        task_cancel(actor=page_actor(request), pk=pk, reason=form.cleaned_data["reason"])
        messages.success(request, _("The task was closed without a registration."))
    return redirect("reports:tasks")
