"""Staff administration pages for system administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warga.core.errors import ServiceError
from warga.core.forms import StyledForm
from warga.core.pagination import paginate
from warga.core.permissions import Role, requires
from warga.core.scoping import Actor
from warga.core.tables import Filter, table_response
from warga.org.models import Unit
from warga.regions.selectors import region_get

from . import services, tables
from .models import User


def _admin(request: HttpRequest) -> Actor:
    actor = Actor.for_user(request.user)
    if not actor.can("accounts.manage"):
        raise PermissionDenied
    return actor


class StaffForm(StyledForm):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    area_code = forms.CharField(
        label=gettext_lazy("Area code"),
        max_length=24,
        help_text=gettext_lazy(
            "Kemendagri code of the region whose records this person may see, e.g. 32.14 or 32.14.01."
        ),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean_area_code(self) -> str:
        region = region_get(self.cleaned_data["area_code"])
        if region is None:
            raise forms.ValidationError(_("No region with this code."))
        return region.code


class StaffCreateForm(StaffForm):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Initial password"), widget=forms.PasswordInput, min_length=10
    )
    field_order = ["username", "password", "full_name"]


class PasswordForm(StyledForm):
    password = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput, min_length=10)


@requires("accounts.manage")
def staff_list_view(request: HttpRequest) -> HttpResponseBase:
    _admin(request)
    qs = User.objects.select_related("unit", "area").prefetch_related("roles").order_by("username")
    shown: list[Filter] = []
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
        shown.append(Filter("q", _("Search"), q, private=True))
    role = request.GET.get("role", "")
    if role:
        qs = qs.filter(roles__role=role)
        shown.append(Filter("role", _("Role"), dict(Role.choices).get(role, role), role))
    if request.GET.get("inactive") != "1":
        qs = qs.filter(is_active=True)
    else:
        shown.append(Filter("inactive", _("Show inactive"), _("Yes"), "1"))
    answer = table_response(request, tables.STAFF, qs, filters=shown)
    if answer is not None:
        return answer
    return render(request, "accounts/staff_list.html", {"page": paginate(request, qs), "roles": Role.choices})


@requires("accounts.manage")
def staff_create_view(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                actor=actor,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                roles=data["roles"],
                unit_id=data["unit"].pk if data["unit"] else None,
                area_code=data["area_code"],
            )
            services.staff_update(
                actor=actor, user_id=user.pk, changes={"phone": data["phone"], "is_active": data["is_active"]}
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Account created."))
            return redirect("accounts:staff_edit", user_id=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@requires("accounts.manage")
def staff_edit_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _admin(request)
    user = get_object_or_404(User, pk=user_id)
    initial: dict[str, Any] = {
        "full_name": user.get_full_name(),
        "phone": user.phone,
        "unit": user.unit,
        "area_code": user.area_id or "",
        "roles": user.role_codes(),
        "is_active": user.is_active,
    }
    form = StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first, _sep, last = data["full_name"].partition(" ")
        try:
            services.staff_update(
                actor=actor,
                user_id=user.pk,
                roles=data["roles"],
                changes={
                    "first_name": first,
                    "last_name": last,
                    "phone": data["phone"],
                    "unit_id": data["unit"].pk if data["unit"] else None,
                    "area_id": data["area_code"],
                    "is_active": data["is_active"],
                },
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:staff_edit", user_id=user.pk)
    return render(
        request,
        "accounts/staff_form.html",
        {
            "form": form,
            "staff": user,
            "password_form": PasswordForm(),
            "creating": False,
            "recent_failures": services.login_failures_recent(username=user.username),
        },
    )


@requires("accounts.manage")
@require_POST
def staff_action_view(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    actor = _admin(request)
    try:
        if action == "unlock":
            services.staff_unlock(actor=actor, user_id=user_id)
            messages.success(request, _("Account unlocked."))
        elif action == "reset-2fa":
            services.staff_reset_second_factor(actor=actor, user_id=user_id)
            messages.success(
                request, _("Two-step login was reset; the person sets it up again at next login.")
            )
        elif action == "password":
            form = PasswordForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
            else:
                services.staff_set_password(
                    actor=actor, user_id=user_id, password=form.cleaned_data["password"]
                )
                messages.success(request, _("Password changed."))
        else:
            raise PermissionDenied
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("accounts:staff_edit", user_id=user_id)
