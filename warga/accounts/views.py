from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warga.core.forms import StyledForm
from warga.core.middleware import client_ip
from warga.core.pages import service_errors
from warga.core.permissions import login_only, page_actor, public, requires

from . import services
from .backends import STAFF_BACKEND
from .models import ApiToken, User

PENDING_KEY = "pending_2fa_user"


class LoginForm(StyledForm):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)


class CodeForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("6-digit code"), max_length=8)


class SecondStepForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or an unused backup code."),
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@public
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.sign_in_check(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.error or result.user is None:
            form.add_error(None, result.error or "")
        elif result.needs_totp:
            request.session[PENDING_KEY] = result.user.pk
            return redirect(f"/account/2fa/?next={_safe_next(request)}")
        else:
            login(request, result.user)
            services.sign_in_succeeded(user=result.user, ip=client_ip(request))
            return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@public(ok=302)  # without a pending sign-in it sends the caller to the login page
def second_factor_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = services.second_factor_check(request=request, user=user, code=form.cleaned_data["code"])
        if error:
            form.add_error("code", error)
        else:
            del request.session[PENDING_KEY]
            login(request, user, backend=STAFF_BACKEND)
            services.sign_in_succeeded(user=user, ip=client_ip(request))
            left = services.backup_codes_left(user=user)
            if left <= 3:
                messages.warning(
                    request,
                    _("Only %(left)d backup codes are left. Make new ones on the two-step login page.")
                    % {"left": left},
                )
            return redirect(_safe_next(request))
    return render(request, "accounts/second_factor.html", {"form": form})


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_only
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.totp_enabled:
        return render(
            request,
            "accounts/totp_setup.html",
            {"enabled": True, "form": CodeForm(), "left": services.backup_codes_left(user=user)},
        )
    secret = services.totp_begin_setup(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form, field="code"):
            codes = services.totp_confirm(user=user, code=form.cleaned_data["code"])
            messages.success(request, _("Two-step login is on."))
            return render(request, "accounts/backup_codes.html", {"codes": codes})
    qr_svg = segno.make(services.totp_uri(user=user)).svg_inline(scale=4)
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": secret, "qr_svg": qr_svg, "enabled": False},
    )


@login_only
@require_POST
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once; the old ones stop working."""
    user = request.user
    assert isinstance(user, User)
    if not user.totp_enabled:
        return redirect("accounts:totp_setup")
    form = CodeForm(request.POST)
    if form.is_valid():
        with service_errors(request, form=form, field="code"):
            codes = services.backup_codes_regenerate(user=user, code=form.cleaned_data["code"])
            return render(request, "accounts/backup_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/totp_setup.html",
        {"enabled": True, "form": form, "left": services.backup_codes_left(user=user)},
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=730, required=False
    )


@requires("accounts.tokens")
def tokens_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        with service_errors(request, form=form):
            _token, new_key = services.api_token_create(
                actor=actor,
                owner=user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
            form = TokenForm()
    tokens = ApiToken.objects.filter(user_id=request.user.pk or 0)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@requires("accounts.tokens")
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    with service_errors(request):
        services.api_token_revoke(actor=page_actor(request), token_id=token_id)
        messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
