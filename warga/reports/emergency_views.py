"""Pages of the 112 desk: the call form (few fields, keyboard first) beside the live list of open
emergencies, one emergency with its bodies and their times, and the response-time statistics.
Thin: forms parse, `services.emergency` decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warga.core.forms import StyledForm
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, requires
from warga.regions.models import Region, RegionLevel

from . import capabilities as caps
from . import emergency_selectors as selectors
from .models import DispatchStage, EmergencyKind
from .services.emergency import (
    MAX_ADDRESS,
    emergency_call_record,
    emergency_close,
    emergency_dispatch,
    emergency_mark_duplicate,
    emergency_mark_prank,
    emergency_time_log,
)

VIEWERS = (caps.EMERGENCY_DESK, caps.EMERGENCY_VIEW)
OPENED_SALT = "reports.emergency.opened"


def _desas(area_code: str | None) -> list[tuple[str, str]]:
    from warga.regions.selectors import area_regions

    return [("", _("unknown"))] + [
        (r.code, r.display_name) for r in area_regions(area_code, [RegionLevel.DESA])
    ]


class CallForm(StyledForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Emergency"), choices=EmergencyKind.choices, widget=forms.RadioSelect
    )
    phone = forms.CharField(
        label=gettext_lazy("Caller's number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "autofocus": True}),
    )
    desa = forms.ChoiceField(label=gettext_lazy("Desa"), required=False)
    address = forms.CharField(
        label=gettext_lazy("Address as said (street, RT/RW, landmark)"),
        max_length=MAX_ADDRESS,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    text = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    latitude = forms.DecimalField(
        label=gettext_lazy("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    units = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Send"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opened = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    ref = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, area_code: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["desa"]).choices = _desas(area_code)
        cast(forms.ChoiceField, self.fields["units"]).choices = [
            (u.pk, u.name) for u in selectors.dispatch_units()
        ]


def _opened_token() -> str:
    """When the desk form was shown: the call was answered then (signed, so it is the server's)."""
    return signing.dumps(timezone.now().timestamp(), salt=OPENED_SALT)


def _opened(value: str) -> datetime | None:
    try:
        stamp = signing.loads(value, salt=OPENED_SALT, max_age=6 * 3600)
        return datetime.fromtimestamp(float(stamp), tz=timezone.get_current_timezone())
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None


def _fresh_form(actor: Any) -> CallForm:
    import secrets

    return CallForm(
        initial={"opened": _opened_token(), "ref": "112-" + secrets.token_hex(8)}, area_code=actor.area_code
    )


@requires(caps.EMERGENCY_DESK)
def desk_view(request: HttpRequest) -> HttpResponse:
    """The call-taker's page: the call form and the open emergencies (refreshed by htmx)."""
    actor = page_actor(request)
    form = CallForm(request.POST or None, area_code=actor.area_code) if request.method == "POST" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        desa = (
            Region.objects.filter(code=data["desa"], level=RegionLevel.DESA).first() if data["desa"] else None
        )
        with service_errors(request, form=form, aliases={"phone": "phone", "units": "units"}):
            case = emergency_call_record(
                actor=actor,
                kind=data["kind"],
                text=data["text"],
                address=data["address"],
                caller_phone=data["phone"],
                desa=desa,
                latitude=data["latitude"],
                longitude=data["longitude"],
                unit_ids=data["units"] or [],
                received_at=_opened(data["opened"]),
                client_ref=data["ref"],
            )
            messages.success(request, _("Emergency %(code)s recorded.") % {"code": case.tracking_code})
            return redirect("reports:emergency", pk=case.pk)
    return render(
        request,
        "reports/emergency/desk.html",
        {"form": form or _fresh_form(actor), "rows": _rows(actor)},
    )


def _rows(actor: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [selectors.open_row(case, now) for case in selectors.emergencies_open(actor)]


@requires(*VIEWERS)
def open_list_view(request: HttpRequest) -> HttpResponse:
    """The live list of open emergencies (the desk polls it; also a page of its own)."""
    rows = _rows(page_actor(request))
    template = (
        "reports/emergency/_open.html" if request.headers.get("HX-Request") else "reports/emergency/open.html"
    )
    return render(request, template, {"rows": rows})


class DispatchForm(forms.Form):
    units = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Send"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["units"]).choices = [
            (u.pk, u.name) for u in selectors.dispatch_units()
        ]


class TimeForm(forms.Form):
    stage = forms.ChoiceField(choices=DispatchStage.choices)
    at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class MarkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("mark_prank", "mark_prank"),
            ("mark_duplicate", "mark_duplicate"),
            ("emergency_close", "close"),
        ]
    )
    original = forms.CharField(label=gettext_lazy("Code of the first call"), required=False, max_length=20)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)


def _detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    case = selectors.emergency_get(actor=actor, pk=pk)
    from .selectors import reporter_visible

    return render(
        request,
        "reports/emergency/detail.html",
        {
            "case": case,
            "call": selectors.emergency_call(case),
            "dispatches": selectors.emergency_dispatches(case),
            "desk": actor.can(caps.EMERGENCY_DESK),
            "show_caller": reporter_visible(case, actor) or actor.can(caps.EMERGENCY_DESK),
            "dispatch_form": DispatchForm(),
            "mark_form": MarkForm(),
            "stages": DispatchStage.choices,
            "now": timezone.now(),
        },
    )


@requires(*VIEWERS)
def emergency_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@requires(caps.EMERGENCY_DESK)
@require_POST
def dispatch_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = DispatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the body to send."))
        return redirect("reports:emergency", pk=pk)
    with service_errors(request):
        emergency_dispatch(actor=page_actor(request), case_id=pk, unit_ids=form.cleaned_data["units"])
        messages.success(request, _("Sent."))
    return redirect("reports:emergency", pk=pk)


@requires(caps.EMERGENCY_DESK)
@require_POST
def time_log_view(request: HttpRequest, pk: int, dispatch_id: int) -> HttpResponse:
    actor = page_actor(request)
    selectors.emergency_get(actor=actor, pk=pk)  # 404 outside the desk's area
    form = TimeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the step and a valid time."))
        return redirect("reports:emergency", pk=pk)
    if not selectors.dispatch_of(case_id=pk, dispatch_id=dispatch_id):
        raise Http404
    with service_errors(request):
        emergency_time_log(
            actor=actor, dispatch_id=dispatch_id, stage=form.cleaned_data["stage"], at=form.cleaned_data["at"]
        )
        messages.success(request, _("Logged."))
    return redirect("reports:emergency", pk=pk)


@requires(caps.EMERGENCY_DESK)
@require_POST
def mark_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("reports:emergency", pk=pk)
    data = form.cleaned_data
    with service_errors(request):
        if data["action"] == "mark_prank":
            emergency_mark_prank(actor=actor, case_id=pk, note=data["note"])
        elif data["action"] == "mark_duplicate":
            emergency_mark_duplicate(
                actor=actor, case_id=pk, original_code=data["original"], note=data["note"]
            )
        else:
            emergency_close(actor=actor, case_id=pk, note=data["note"])
        messages.success(request, _("Done."))
        return redirect("reports:emergency_desk")
    return redirect("reports:emergency", pk=pk)


class StatsForm(StyledForm):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@requires(*VIEWERS)
def stats_view(request: HttpRequest) -> HttpResponse:
    """Median and 90th percentile of the response times per kind, for a chosen period."""
    actor = page_actor(request)
    form = StatsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    stats: list[Any] = []
    period: tuple[Any, Any] = (None, None)
    with service_errors(request, form=form):
        period = selectors.stats_period(data.get("start"), data.get("end"))
        stats = selectors.emergency_stats(actor=actor, start=period[0], end=period[1])
    return render(
        request,
        "reports/emergency/stats.html",
        {"form": form, "stats": stats, "start": period[0], "end": period[1]},
    )
