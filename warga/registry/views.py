"""Officer pages of the register. Thin: parse the form, call a service or selector, render.

No personal data travels in a GET URL: search is a POST, records are opened by numeric id.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotFound
from warga.core.forms import StyledForm
from warga.core.pages import service_errors
from warga.core.permissions import page_actor, public, requires
from warga.core.scoping import Actor
from warga.core.tables import FORMATS, form_filters, table_response
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import area_regions

from . import selectors, services, tables
from .capabilities import (
    REGISTRY_EXPORT,
    REGISTRY_RESIDENTS_EXPORT,
)
from .forms import (
    BirthForm,
    CorrectionForm,
    DeathForm,
    DivorceForm,
    FamilyAddressForm,
    FamilyMemberAddForm,
    FamilyMemberRemoveForm,
    FamilySplitForm,
    MarriageForm,
    MoveForm,
    MoveInForm,
    PhoneForm,
    ResidentEntryForm,
    SearchForm,
    StatsForm,
    VerifyForm,
)
from .models import Family, LifeStatus, Resident
from .prefill import event_prefill_take
from .ratelimit import nik_check_limited

PAGE_SIZE = 25


# --------------------------------------------------------------------------- search


def _search(actor: Actor, data: dict[str, Any]) -> Any:
    return selectors.resident_search(
        actor=actor,
        query=data["q"],
        filters=selectors.SearchFilters(
            desa=data["desa"],
            birth_year=data["birth_year"],
            sex=data["sex"],
            alive_only=data["alive_only"],
            birth_date=data["birth_date"],
            parent_name=data["parent_name"],
        ),
    )


@requires("registry.view")
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = SearchForm(request.POST or None, area_code=actor.area_code)
    page = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form=form, field="q"):
            page = Paginator(_search(actor, data), PAGE_SIZE).get_page(data.get("page") or 1)
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    context = {
        "form": form,
        "page": page,
        # Only worth saying while the two attributes that tell namesakes apart best are not told.
        "equally_first": 0
        if page is None or form.cleaned_data.get("birth_date") or form.cleaned_data.get("parent_name")
        else _equally_first(page),
        "can_export": actor.can(REGISTRY_RESIDENTS_EXPORT),
    }
    return render(request, template, context)


def _equally_first(page: Any) -> int:
    """How many residents on the first page share the best score: when more than one, nothing the
    officer told tells them apart, and the page says what would."""
    if page.number != 1:
        return 0
    scores = [getattr(r, "score", None) for r in page.object_list]
    if len(scores) < 2 or scores[0] is None or scores[1] != scores[0]:
        return 0
    return sum(1 for s in scores if s == scores[0])


# Searched names, a parent's name and a date of birth stay out of the export's audit row.
_PRIVATE_FILTERS = ("q", "parent_name", "birth_date")


@requires(REGISTRY_RESIDENTS_EXPORT)
@require_POST
def search_export_view(request: HttpRequest) -> HttpResponseBase:
    """The search's results as CSV, XLSX or a print page: the search's own filters, posted (no
    name or NIK in a URL), the officer's area, the columns the results list shows."""
    actor = page_actor(request)
    back = reverse("registry:search")
    form = SearchForm(request.POST, area_code=actor.area_code)
    fmt = request.POST.get("format", "")
    if not form.is_valid() or fmt not in FORMATS:
        messages.error(request, _("Check the filters of the export."))
        return redirect(back)
    try:
        found = _search(actor, form.cleaned_data)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    shown = [f for f in form_filters(form, private=_PRIVATE_FILTERS) if f.name != "page"]
    answer = table_response(request, tables.RESIDENTS, found, filters=shown, fmt=fmt, back=back)
    return answer if answer is not None else redirect(back)


# --------------------------------------------------------------------------- records


@requires("registry.view")
def resident_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    history = Paginator(selectors.resident_history(actor=actor, resident=resident), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/resident.html",
        {
            "resident": resident,
            "phones": selectors.resident_phones(actor=actor, resident=resident),
            "events": selectors.resident_events(actor=actor, resident=resident)[:50],
            "history": history,
            "page": history,
            "alive": resident.life_status == LifeStatus.ALIVE,
        },
    )


@requires("registry.view")
def family_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    members = selectors.family_members(actor=actor, family=family)
    history = selectors.family_history(actor=actor, family=family)[:30]
    return render(request, "registry/family.html", {"family": family, "members": members, "history": history})


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def resident_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    form = CorrectionForm(request.POST or None, initial=CorrectionForm.initial_for(resident))
    if request.method == "POST" and form.is_valid():
        changes = form.changes(resident)
        with service_errors(request, form=form):
            services.resident_correct(
                actor=actor,
                resident=resident,
                changes=changes,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("The correction was saved."))
            return redirect("registry:resident", pk=resident.pk)
    return render(request, "registry/edit.html", {"resident": resident, "form": form})


# --------------------------------------------------------------------------- life events


def _event_page(
    request: HttpRequest,
    template: str,
    form: forms.Form,
    context: dict[str, Any],
    call: Callable[[], Any],
    done: str,
) -> HttpResponse | None:
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            call()
            messages.success(request, done)
            return None
    return render(request, template, {"form": form, **context})


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def birth_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    members = selectors.family_members(actor=actor, family=family)
    initial = (
        event_prefill_take(request.session, form="birth", pk=family.pk) if request.method == "GET" else {}
    )
    form = BirthForm(request.POST or None, members=members, initial=initial)
    by_pk = {str(m.pk): m for m in members}
    result: dict[str, Resident] = {}

    def call() -> Resident:
        d = form.cleaned_data
        result["child"] = services.birth_register(
            actor=actor,
            family=family,
            full_name=d["full_name"],
            sex=d["sex"],
            birth_date=d["birth_date"],
            birth_place=d["birth_place"],
            mother=by_pk.get(d["mother"]),
            father=by_pk.get(d["father"]),
            reporter=d["reporter"],
            documents=d["documents"],
            event_ref=d["event_ref"],
        )
        return result["child"]

    response = _event_page(
        request,
        "registry/event_form.html",
        form,
        {"title": _("Register a birth"), "family": family},
        call,
        _("The birth was registered."),
    )
    if response is None:
        child = result["child"]
        messages.info(request, _("New NIK issued: %(nik)s") % {"nik": child.nik})
        return redirect("registry:resident", pk=child.pk)
    return response


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def death_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    initial = (
        event_prefill_take(request.session, form="death", pk=resident.pk) if request.method == "GET" else {}
    )
    form = DeathForm(request.POST or None, initial=initial)

    def call() -> Any:
        d = form.cleaned_data
        return services.death_register(
            actor=actor,
            resident=resident,
            died_on=d["died_on"],
            place=d["place"],
            reporter=d["reporter"],
            documents=d["documents"],
            event_ref=d["event_ref"],
        )

    response = _event_page(
        request,
        "registry/event_form.html",
        form,
        {"title": _("Register a death"), "resident": resident},
        call,
        _("The death was registered."),
    )
    return response or redirect("registry:resident", pk=resident.pk)


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def move_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    members = (
        [
            m
            for m in selectors.family_members(actor=actor, family=resident.family)
            if m.life_status == LifeStatus.ALIVE
        ]
        if resident.family
        else [resident]
    )
    form = MoveForm(request.POST or None, members=members, initial={"members": [str(resident.pk)]})
    by_pk = {str(m.pk): m for m in members}

    def call() -> Any:
        d = form.cleaned_data
        movers = [by_pk[k] for k in d["members"]]
        if d["kind"] == "out":
            return services.move_out(
                actor=actor,
                residents=movers,
                destination=d["destination"],
                moved_on=d["moved_on"],
                event_ref=d["event_ref"],
            )
        return services.move_within(
            actor=actor,
            residents=movers,
            to_desa=Region(code=d["to_desa"]),
            rw=d["rw"],
            rt=d["rt"],
            address=d["address"],
            moved_on=d["moved_on"],
            event_ref=d["event_ref"],
        )

    response = _event_page(
        request,
        "registry/event_form.html",
        form,
        {"title": _("Register a move"), "resident": resident},
        call,
        _("The move was registered."),
    )
    if response is not None:
        return response
    if _visible(actor, resident.pk):
        return redirect("registry:resident", pk=resident.pk)
    return redirect("registry:search")  # moved out of this officer's area


def _visible(actor: Actor, pk: int) -> bool:
    try:
        selectors.resident_get(actor=actor, pk=pk)
    except NotFound:
        return False
    return True


def _spouse_view(request: HttpRequest, pk: int, *, marriage: bool) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    form: MarriageForm | DivorceForm = (MarriageForm if marriage else DivorceForm)(request.POST or None)

    def call() -> Any:
        d = form.cleaned_data
        try:
            spouse = selectors.resident_get_by_nik(actor=actor, nik=d["spouse_nik"])
        except NotFound:
            raise InvalidInput(
                _("No resident with this NIK in your area."),
                details=[
                    {
                        "field": "spouse_nik",
                        "code": "not_found",
                        "message": _("No resident with this NIK in your area."),
                    }
                ],
            ) from None
        husband, wife = (resident, spouse) if resident.sex == "M" else (spouse, resident)
        common = {
            "actor": actor,
            "husband": husband,
            "wife": wife,
            "place": d["place"],
            "reporter": d["reporter"],
            "documents": d["documents"],
            "event_ref": d["event_ref"],
        }
        if marriage:
            return services.marriage_register(
                **common,
                married_on=d["occurred_on"],
                dispensation_ref=d["dispensation_ref"],
                new_family_address=d["new_family_address"] if d["new_family"] else None,
            )
        return services.divorce_register(**common, divorced_on=d["occurred_on"])

    title = _("Register a marriage") if marriage else _("Register a divorce")
    done = _("The marriage was registered.") if marriage else _("The divorce was registered.")
    response = _event_page(
        request, "registry/event_form.html", form, {"title": title, "resident": resident}, call, done
    )
    return response or redirect("registry:resident", pk=resident.pk)


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def marriage_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _spouse_view(request, pk, marriage=True)


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def divorce_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _spouse_view(request, pk, marriage=False)


@requires("registry.events")
@require_http_methods(["GET", "POST"])
def move_in_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = MoveInForm(request.POST or None, area_code=actor.area_code)
    result: dict[str, Any] = {}

    def call() -> Any:
        d = form.cleaned_data
        family = None
        if d["kk_number"]:
            try:
                family = selectors.family_get_by_kk(actor=actor, kk_number=d["kk_number"])
            except NotFound:
                message = _("No KK with this number in your area.")
                raise InvalidInput(message, details=[{"field": "kk_number", "message": message}]) from None
        person = {
            k: d[k]
            for k in (
                "nik",
                "full_name",
                "sex",
                "birth_date",
                "birth_place",
                "religion",
                "marital_status",
                "relationship",
            )
        }
        result["people"] = services.move_in(
            actor=actor,
            data=[person],
            family=family,
            desa=d["desa"],  # type: ignore[arg-type]  # the service resolves codes
            rw=d["rw"],
            rt=d["rt"],
            address=d["address"],
            moved_on=d["moved_on"],
            origin=d["origin"],
            event_ref=d["event_ref"],
        )
        return result["people"]

    response = _event_page(
        request,
        "registry/event_form.html",
        form,
        {"title": _("Register a move in")},
        call,
        _("The move in was registered."),
    )
    return response or redirect("registry:resident", pk=result["people"][0].pk)


# --------------------------------------------------------------------------- residents and families


def _not_found(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, details=[{"field": field, "code": "not_found", "message": message}])


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def resident_new_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Biodata entry of a resident missing from the register: into a KK (the family page's, or
    one given by number) or as head of a new KK. Not a life event; the reason is kept."""
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk) if pk is not None else None
    form = ResidentEntryForm(request.POST or None, area_code=actor.area_code, family=family)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def call() -> Resident:
            target = family
            if target is None and d["kk_number"]:
                try:
                    target = selectors.family_get_by_kk(actor=actor, kk_number=d["kk_number"])
                except NotFound:
                    raise _not_found("kk_number", _("No KK with this number in your area.")) from None
            return services.resident_enter(
                actor=actor,
                data=form.person(),
                family=target,
                relationship=d["relationship"],
                reason=d["reason"],
            )

        with service_errors(request, form=form, aliases={"family": "kk_number"}):
            resident = call()
            messages.success(request, _("The resident was added to the register."))
            if family is None and not d["kk_number"] and resident.family is not None:
                messages.info(request, _("New KK issued: %(kk)s") % {"kk": resident.family.kk_number})
            return redirect("registry:resident", pk=resident.pk)
    return render(
        request,
        "registry/resident_new.html",
        {"form": form, "family": family, "sections": form.sections()},
    )


def _family_page(
    request: HttpRequest, family: Family, form: forms.Form, *, title: str, intro: str, submit: str
) -> HttpResponse:
    return render(
        request,
        "registry/family_form.html",
        {"family": family, "form": form, "title": title, "intro": intro, "submit": submit},
    )


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def family_address_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a KK's address (desa, RT, RW, dusun/street); the members move with it."""
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    form = FamilyAddressForm(
        request.POST or None, area_code=actor.area_code, initial=FamilyAddressForm.initial_for(family)
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(family)
        with service_errors(request, form=form):
            services.family_update(
                actor=actor,
                family=family,
                changes=changes,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("The address of the KK was changed."))
            return redirect("registry:family", pk=family.pk)
    return _family_page(
        request,
        family,
        form,
        title=_("Change the address of the KK"),
        intro=_(
            "All members of the KK move to the new address. The old and new values, your name and "
            "the reason are kept in the history."
        ),
        submit=_("Save address"),
    )


def _living_members(actor: Actor, family: Family) -> list[Resident]:
    return [
        m for m in selectors.family_members(actor=actor, family=family) if m.life_status == LifeStatus.ALIVE
    ]


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def family_member_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident already in the register, in no KK, joins this KK."""
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    form = FamilyMemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def call() -> Resident:
            try:
                resident = selectors.resident_get_by_nik(actor=actor, nik=d["nik"])
            except NotFound:
                raise _not_found("nik", _("No resident with this NIK in your area.")) from None
            services.family_add_member(
                actor=actor,
                family=family,
                resident=resident,
                relationship=d["relationship"],
                reason=d["reason"],
            )
            return resident

        with service_errors(request, form=form, aliases={"resident": "nik"}):
            resident = call()
            messages.success(request, _("%(name)s joined the KK.") % {"name": resident.full_name})
            return redirect("registry:family", pk=family.pk)
    return _family_page(
        request,
        family,
        form,
        title=_("Add a member to the KK"),
        intro=_(
            "For a resident who is already in the register but in no KK. Someone who is not in "
            "the register yet is entered with their data instead."
        ),
        submit=_("Add to the KK"),
    )


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def family_member_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A member leaves the KK and stays in the register without one."""
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    members = _living_members(actor, family)
    by_pk = {str(m.pk): m for m in members}
    wanted = request.GET.get("resident", "")
    form = FamilyMemberRemoveForm(
        request.POST or None, members=members, initial={"resident": wanted if wanted in by_pk else ""}
    )
    if request.method == "POST" and form.is_valid():
        member = by_pk[form.cleaned_data["resident"]]

        def call() -> Resident:
            services.family_remove_member(
                actor=actor, family=family, resident=member, reason=form.cleaned_data["reason"]
            )
            return member

        with service_errors(request, form=form):
            call()
            messages.success(request, _("%(name)s was removed from the KK.") % {"name": member.full_name})
            return redirect("registry:family", pk=family.pk)
    return _family_page(
        request,
        family,
        form,
        title=_("Remove a member from the KK"),
        intro=_(
            "The resident stays in the register without a KK and can then be added to another one. "
            "For a death or a move, register the life event instead."
        ),
        submit=_("Remove from the KK"),
    )


@requires("registry.edit")
@require_http_methods(["GET", "POST"])
def family_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Members leave the KK for a new one, whose number is issued now."""
    actor = page_actor(request)
    family = selectors.family_open(actor=actor, pk=pk)
    members = _living_members(actor, family)
    by_pk = {str(m.pk): m for m in members}
    form = FamilySplitForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(request, form=form):
            new_family = services.family_split(
                actor=actor,
                family=family,
                members=[by_pk[k] for k in d["members"]],
                new_head=by_pk[d["new_head"]],
                address=d["address"] or None,
                reason=d["reason"],
            )
            messages.success(request, _("The KK was split."))
            messages.info(request, _("New KK issued: %(kk)s") % {"kk": new_family.kk_number})
            return redirect("registry:family", pk=new_family.pk)
    return _family_page(
        request,
        family,
        form,
        title=_("Split the KK"),
        intro=_(
            "The members chosen leave this KK for a new one with its own number, in the same desa, "
            "RT and RW. At least one member stays in this KK."
        ),
        submit=_("Split the KK"),
    )


# --------------------------------------------------------------------------- phones


@requires("registry.phones")
@require_http_methods(["GET", "POST"])
def phone_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    resident = selectors.resident_open(actor=actor, pk=pk)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(request, form=form):
            phone = services.phone_add(
                actor=actor,
                resident=resident,
                number=d["number"],
                consent_broadcast=d["consent_broadcast"],
                channel=d["channel"],
            )
            messages.success(request, _("A code was sent by SMS. Ask the resident to read it out."))
            return redirect("registry:phone_verify", pk=phone.pk)
    return render(request, "registry/phone_add.html", {"resident": resident, "form": form})


@requires("registry.phones")
@require_http_methods(["GET", "POST"])
def phone_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    phone = selectors.phone_get(actor=actor, pk=pk)
    form = VerifyForm(request.POST or None if "resend" not in request.POST else None)
    if request.method == "POST" and "resend" in request.POST:
        with service_errors(request, form=form):
            services.phone_resend_code(actor=actor, phone=phone)
            messages.info(request, _("A new code was sent."))
            return redirect("registry:phone_verify", pk=phone.pk)
    elif request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            services.phone_verify(actor=actor, phone=phone, code=form.cleaned_data["code"])
            messages.success(request, _("The number is verified."))
            return redirect("registry:resident", pk=phone.resident_id)
        phone.refresh_from_db()
    return render(request, "registry/phone_verify.html", {"phone": phone, "form": form})


# --------------------------------------------------------------------------- drive and statistics


def _kecamatan_param(request: HttpRequest, actor: Actor) -> tuple[list[Region], Region | None]:
    choices = selectors.kecamatan_choices(actor=actor)
    wanted = request.GET.get("kecamatan", "")
    chosen = next((k for k in choices if k.code == wanted), None)
    if chosen is None and choices:
        chosen = choices[0]
    return choices, chosen


@requires("registry.stats")
def drive_view(request: HttpRequest) -> HttpResponse:
    """Phone-number collection drive: adults with a verified number, per desa of a kecamatan."""
    actor = page_actor(request)
    choices, kecamatan = _kecamatan_param(request, actor)
    stats = selectors.phone_drive_stats(actor=actor, kecamatan=kecamatan) if kecamatan else None
    return render(
        request, "registry/drive.html", {"choices": choices, "kecamatan": kecamatan, "stats": stats}
    )


def _stats_area(request: HttpRequest, actor: Actor) -> tuple[StatsForm, Region]:
    own = Region.objects.filter(code=actor.area_code).first()
    if own is None:
        raise Http404
    areas = list(area_regions(own.code, [RegionLevel.KABUPATEN, RegionLevel.KECAMATAN], include_area=True))
    choices = [(r.code, r.display_name) for r in areas]
    form = StatsForm(request.GET or None, choices=choices)
    area = own
    if form.is_valid() and form.cleaned_data.get("area"):
        area = next(r for r in areas if r.code == form.cleaned_data["area"])
    return form, area


@requires("registry.stats")
def stats_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form, area = _stats_area(request, actor)
    on = form.cleaned_data["on"] if form.is_bound and form.is_valid() else None
    stats = selectors.population_stats(actor=actor, area=area, on=on)
    chart = {
        "labels": stats["groups"],
        "male": [stats["totals"]["groups"][g]["M"] for g in stats["groups"]],
        "female": [stats["totals"]["groups"][g]["F"] for g in stats["groups"]],
    }
    return render(
        request,
        "registry/stats.html",
        {"form": form, "stats": stats, "chart": chart, "can_export": actor.can(REGISTRY_EXPORT)},
    )


@requires("registry.export")
def stats_export_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form, area = _stats_area(request, actor)
    on = form.cleaned_data["on"] if form.is_bound and form.is_valid() else None
    stats = selectors.population_stats(actor=actor, area=area, on=on)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="penduduk-{area.code_plain}-{stats["on"]:%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    groups = stats["groups"]
    writer.writerow(
        [_("Code"), _("Region"), _("Male"), _("Female"), _("Total")]
        + [f"{g} {s}" for g in groups for s in (_("M"), _("F"))]
    )
    for row in [*stats["rows"]]:
        writer.writerow(
            [row["region"].code, row["region"].name, row["M"], row["F"], row["total"]]
            + [row["groups"][g][s] for g in groups for s in ("M", "F")]
        )
    totals = stats["totals"]
    writer.writerow(
        ["", _("Total"), totals["M"], totals["F"], totals["total"]]
        + [totals["groups"][g][s] for g in groups for s in ("M", "F")]
    )
    audit_record(actor=actor, action="registry.stats.export", obj=area, summary={"rows": len(stats["rows"])})
    return response


def home_panel_context(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    """The home panel: a search box and the area's living population."""
    area = Region.objects.filter(code=actor.area_code).first()
    count = None
    if area is not None:
        key = f"registry:population:{area.code}"
        count = cache.get(key)
        if count is None:
            living = selectors.residents_in_area(actor=actor, area_code=area.code).filter(
                life_status=LifeStatus.ALIVE
            )
            count = living.count()
            cache.set(key, count, timeout=600)
    return {"area": area, "population": count}


# --------------------------------------------------------------------------- public NIK check


class NikCheckForm(StyledForm):
    nik = forms.CharField(
        label=gettext_lazy("NIK (16 digits)"),
        max_length=32,
        error_messages={
            "required": gettext_lazy("Type the 16 digits of the NIK."),
            "max_length": gettext_lazy("A NIK has 16 digits; what was typed is much longer."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


@public
@never_cache
def nik_check_view(request: HttpRequest) -> HttpResponse:
    """Residents check how a NIK is built, as the public API does (one rate limit for both).
    The NIK is POSTed, never put in the URL; the answer is not kept by any cache."""
    form = NikCheckForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST":
        if nik_check_limited(request):
            return render(request, "registry/nik_check.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            result = selectors.nik_check_public(form.cleaned_data["nik"])
    return render(request, "registry/nik_check.html", {"form": form, "result": result})
