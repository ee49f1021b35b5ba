"""Pages of cases: the handler's inbox, the unit's inbox, a case with its actions, photos, the
routing rules, and the public form and tracking page. Thin: forms parse, services decide."""

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

from warga.core.errors import ServiceError
from warga.core.forms import StyledForm, style_fields
from warga.core.middleware import client_ip
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import unscoped
from warga.core.tables import form_filters, table_response
from warga.org.models import Unit
from warga.regions.models import Region, RegionLevel

from . import capabilities as caps
from . import selectors, tables
from .models import CATEGORIES_OF_KIND, CaseCategory, CaseKind, CaseStatus
from .services import (
    MAX_PHOTOS,
    MAX_TEXT,
    case_file,
    case_reporter_act,
    case_transition,
    routing_rule_delete,
    routing_rule_save,
)
from .services.intake import MAX_PHOTO_BYTES

ANY_VIEW = (caps.VIEW, caps.OVERSEE, caps.RESPOND)


def _units() -> list[tuple[str, str]]:
    return [(str(u.pk), u.name) for u in Unit.objects.filter(is_active=True).order_by("kind", "name")]


# --- Inboxes --------------------------------------------------------------------------------------


class CaseFilterForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("Code"), required=False, max_length=20)
    q = forms.CharField(label=gettext_lazy("Search the text"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    desa = forms.ChoiceField(label=gettext_lazy("Desa"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, area_code: str | None = None, unit_filter: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        self.choice(
            "status",
            [
                ("", _("open (the inbox)")),
                (selectors.ALL_STATUSES, _("all, closed ones included")),
                *CaseStatus.choices,
            ],
        )
        self.choice("kind", every + list(CaseKind.choices))
        self.choice("category", every + list(CaseCategory.choices))
        if unit_filter:
            self.choice("unit", every + _units())
        else:
            del self.fields["unit"]
        from warga.regions.selectors import area_regions

        regions = area_regions(area_code, [RegionLevel.KECAMATAN, RegionLevel.DESA])
        self.choice("desa", every + [(r.code, r.display_name) for r in regions])

    def choice(self, name: str, choices: list[tuple[str, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


def _filters(form: CaseFilterForm, *, mine: bool = False) -> selectors.CaseFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.CaseFilters(
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        category=data.get("category", ""),
        unit_id=data.get("unit"),
        desa_code=data.get("desa", ""),
        overdue=bool(data.get("overdue")),
        code=data.get("code", ""),
        query=data.get("q", ""),
        mine=mine,
    )


def _inbox(request: HttpRequest, *, mine: bool, oversee: bool = False) -> HttpResponseBase:
    actor = page_actor(request)
    form = CaseFilterForm(request.GET or None, area_code=actor.area_code, unit_filter=not mine)
    filters = _filters(form, mine=mine)
    qs = selectors.cases_list(actor=actor, filters=filters)
    if oversee:
        qs = selectors.cases_overdue_first(qs)
    answer = table_response(request, tables.INBOX, qs, filters=form_filters(form, private=("code", "q")))
    if answer is not None:
        return answer
    counts = selectors.case_counts(actor=actor, mine=mine)
    unfiltered = filters == selectors.CaseFilters(mine=mine)  # the inbox as it opens: the open cases
    can_assign = actor.can(caps.HANDLE) and not mine and not oversee
    context = {
        "form": form,
        "page": paginate(request, qs, count=counts["total"] if unfiltered else None),
        "counts": counts,
        "mine": mine,
        "today": timezone.localdate(),
        "oversee": oversee,
        "statuses": CaseStatus.choices,
        "can_export": actor.can(caps.EXPORT) and not mine,
        # Bulk assignment (bulk_views.py): the handler's inbox only.
        "can_assign": can_assign,
        "assign_units": _units() if can_assign else [],
    }
    template = "reports/_rows.html" if request.headers.get("HX-Request") else "reports/list.html"
    return render(request, template, context)


@requires(caps.VIEW)
def report_list_view(request: HttpRequest) -> HttpResponseBase:
    """The complaint handler's inbox (and every area office's list of its area's cases)."""
    return _inbox(request, mine=False)


@requires(caps.OVERSEE)
def oversee_view(request: HttpRequest) -> HttpResponseBase:
    """The regional secretary's view: every case of the area, the escalated and overdue first."""
    return _inbox(request, mine=False, oversee=True)


@requires(caps.RESPOND)
def unit_inbox_view(request: HttpRequest) -> HttpResponseBase:
    """The cases assigned to my unit."""
    return _inbox(request, mine=True)


# --- One case -------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    target = forms.CharField(
        label=gettext_lazy("Code of the case to merge into"), required=False, max_length=20
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("as routed")), *_units()]
        style_fields(self)


def _detail(request: HttpRequest, pk: int, form: ActionForm | None = None, status: int = 200) -> HttpResponse:
    actor = page_actor(request)
    case = selectors.case_open(actor=actor, pk=pk)
    return render(
        request,
        "reports/detail.html",
        {
            "case": case,
            "events": selectors.case_events(case),
            "photos": selectors.case_photos(case),
            "actions": selectors.available_actions(case, actor),
            "show_reporter": selectors.reporter_visible(case, actor),
            "can_publish": actor.can(caps.HANDLE),
            "form": form or ActionForm(initial={"version": case.version}),
            "overdue": case.is_overdue(),
            "due": case.due_on(),
        },
        status=status,
    )


@requires(*ANY_VIEW)
def case_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@requires(caps.HANDLE, caps.RESPOND)
@require_POST
def case_act_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    form = ActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form=form, aliases={"target": "target", "unit": "unit"}):
            case = case_transition(
                actor=actor,
                case_id=pk,
                action=data["action"],
                note=data.get("note") or "",
                unit_id=data.get("unit"),
                target_code=data.get("target") or "",
                expected_version=data.get("version"),
            )
            messages.success(request, _("Done: the case is now “%(s)s”.") % {"s": case.get_status_display()})
            if data["action"] == "hand_back":  # the unit no longer holds it
                return redirect("reports:unit_inbox")
            return redirect("reports:case", pk=pk)
    return _detail(request, pk, form=form)


@requires(*ANY_VIEW)
def case_photo_view(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    photo = selectors.case_photo_open(actor=page_actor(request), case_id=pk, photo_id=photo_id)
    response = FileResponse(photo.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Routing rules --------------------------------------------------------------------------------


class RuleForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), coerce=int)
    priority = forms.IntegerField(label=gettext_lazy("Priority"), initial=0, min_value=-1000, max_value=1000)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from warga.regions.selectors import area_regions

        anyone = [("", _("any"))]
        cast(forms.ChoiceField, self.fields["kind"]).choices = anyone + list(CaseKind.choices)
        cast(forms.ChoiceField, self.fields["category"]).choices = anyone + list(CaseCategory.choices)
        regions = area_regions(area_code, [RegionLevel.KECAMATAN, RegionLevel.DESA])
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("the whole region"))] + [
            (r.code, r.display_name) for r in regions
        ]
        cast(forms.ChoiceField, self.fields["unit"]).choices = _units()


def _rule_save(request: HttpRequest, form: RuleForm, rule_id: int | None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    with service_errors(request, form=form):
        routing_rule_save(
            actor=page_actor(request),
            rule_id=rule_id,
            kind=data["kind"],
            category=data["category"],
            area_code=data["area"] or None,
            unit_id=data["unit"],
            priority=data["priority"],
            is_active=data["is_active"],
            note=data["note"],
        )
        messages.success(request, _("The routing rule was saved."))
        return redirect("reports:routing")
    return None


@requires(caps.ROUTING_MANAGE)
def routing_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = RuleForm(request.POST or None, area_code=actor.area_code)
    if request.method == "POST":
        done = _rule_save(request, form, None)
        if done is not None:
            return done
    rules = selectors.routing_rules_list(actor=actor)
    return render(request, "reports/routing.html", {"rules": rules, "form": form})


@requires(caps.ROUTING_MANAGE)
def routing_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    rule = selectors.routing_rule_get(actor=actor, pk=pk)
    initial = {
        "kind": rule.kind,
        "category": rule.category,
        "area": rule.area_id or "",
        "unit": rule.unit_id,
        "priority": rule.priority,
        "is_active": rule.is_active,
        "note": rule.note,
    }
    form = RuleForm(request.POST or None, initial=initial, area_code=actor.area_code)
    if request.method == "POST":
        done = _rule_save(request, form, rule.pk)
        if done is not None:
            return done
    return render(request, "reports/routing_edit.html", {"rule": rule, "form": form})


@requires(caps.ROUTING_MANAGE)
@require_POST
def routing_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    with service_errors(request):
        routing_rule_delete(actor=page_actor(request), rule_id=pk)
        messages.success(request, _("The routing rule was deleted."))
    return redirect("reports:routing")


# --- Public: the form and the tracking page ------------------------------------------------------


def _rate_limited(request: HttpRequest, bucket: str, limit: int, window: int) -> bool:
    return over_limit(f"reports:rl:{bucket}:{client_ip(request) or 'unknown'}", limit=limit, window=window)


def _limits(bucket: str) -> tuple[int, int]:
    defaults = {"file": (5, 3600), "track": (20, 600)}
    return tuple(getattr(settings, "REPORTS_RATE_LIMITS", {}).get(bucket, defaults[bucket]))  # type: ignore[return-value]


@unscoped("public form: the desa list of the installation")
def _desa_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    from warga.regions.selectors import installation_region

    region = installation_region()
    if region is None:
        return []
    kecamatans = Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN).order_by("name")
    desas: dict[str, list[tuple[str, str]]] = {}
    for desa in Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("name"):
        desas.setdefault(desa.parent_id or "", []).append((desa.code, desa.display_name))
    grouped: list[Any] = [("", _("Choose the desa"))]
    grouped += [(f"Kec. {k.name}", desas.get(k.code, [])) for k in kecamatans]
    return grouped


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Up to three files; their content is checked by the service (`case_file`)."""

    widget = MultipleFileInput

    def clean(self, value: Any) -> Any:
        return value


class PublicCaseForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("What is it?"), choices=CaseKind.choices, initial="laporan")
    category = forms.ChoiceField(label=gettext_lazy("About"), required=False)
    desa = forms.ChoiceField(label=gettext_lazy("Desa/kelurahan where it happened"))
    text = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_TEXT}),
    )
    photos = PhotosField(
        label=gettext_lazy("Photos (at most 3)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    name = forms.CharField(label=gettext_lazy("Your name (optional)"), required=False, max_length=120)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number (optional)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("We send the tracking code and each step by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous: do not keep my name or number"), required=False
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("Confidential: only the complaint handler may see who I am"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        seen: set[str] = set()
        categories = []
        for kind in CaseKind.values:
            for code in CATEGORIES_OF_KIND[kind]:
                if code not in seen:
                    seen.add(code)
                    categories.append((code, CaseCategory(code).label))
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("let the text decide")),
            *categories,
        ]
        cast(forms.ChoiceField, self.fields["desa"]).choices = _desa_choices()


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024


@public
def public_file_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _too_large(request):
        form = PublicCaseForm()
        form.add_error(None, _("At most 3 photos of at most 8 MB each."))
        return render(request, "reports/public_file.html", {"form": form, "max_text": MAX_TEXT}, status=413)
    form = PublicCaseForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if _rate_limited(request, "file", *_limits("file")):
            form.add_error(
                None,
                _("Too many reports from this connection. Please try again later; in an emergency call 112."),
            )
            status = 429
        elif form.is_valid():
            files = request.FILES.getlist("photos")
            if len(files) > MAX_PHOTOS or any((f.size or 0) > MAX_PHOTO_BYTES for f in files):
                form.add_error("photos", _("At most 3 photos of at most 8 MB each."))
            else:
                data = form.cleaned_data
                with unscoped("public form: the desa chosen is any desa of the installation"):
                    desa = Region.objects.filter(code=data["desa"], level=RegionLevel.DESA).first()
                try:
                    case = case_file(
                        actor=None,
                        text=data["text"],
                        channel="web",
                        kind=data["kind"],
                        category=data["category"],
                        desa=desa,
                        name=data["name"],
                        phone=data["phone"],
                        anonymous=data["anonymous"],
                        confidential=data["confidential"],
                        photos=[f.read() for f in files],
                    )
                except ServiceError as exc:
                    _onto(form, exc)
                else:
                    request.session["reports_filed"] = case.tracking_code
                    return redirect("reports:public_done")
    return render(request, "reports/public_file.html", {"form": form, "max_text": MAX_TEXT}, status=status)


def _onto(form: forms.Form, exc: ServiceError) -> None:
    fields = [d.get("field") for d in (exc.details or []) if isinstance(d, dict)]
    field = next((f for f in fields if f in form.fields), None)
    form.add_error(field, str(exc.message))


@public(ok=302)
def public_done_view(request: HttpRequest) -> HttpResponse:
    code = request.session.get("reports_filed")
    if not code:
        return redirect("reports:public_file")
    return render(request, "reports/public_done.html", {"code": code})


class TrackForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("Tracking code"), max_length=20)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number you gave (to rate, reopen or add information)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    action = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("reopen", "reopen"), ("rate", "rate"), ("add_info", "add_info")],
        widget=forms.HiddenInput,
    )
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(str(n), str(n)) for n in range(1, 6)]],
    )
    note = forms.CharField(
        label=gettext_lazy("Comment or information"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@public
def public_track_view(request: HttpRequest) -> HttpResponse:
    """The code is POSTed, never put in the URL; what is shown holds no personal data."""
    form = TrackForm(request.POST or None)
    status_info = None
    status = 200
    if request.method == "POST":
        if _rate_limited(request, "track", *_limits("track")):
            form.add_error(
                None, _("Too many look-ups from this connection. Please wait a few minutes and try again.")
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            if data["action"]:
                try:
                    case_reporter_act(
                        tracking_code=data["code"],
                        phone=data["phone"],
                        action=data["action"],
                        note=data["note"],
                        rating=data["rating"],
                    )
                except ServiceError as exc:
                    _onto(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("Thank you, it was recorded."))
            status_info = selectors.case_public_status(data["code"])
            if status_info is None:
                form.add_error("code", _("No report has this code. Check the code in your SMS or receipt."))
                status = 404
    return render(request, "reports/public_track.html", {"form": form, "info": status_info}, status=status)
