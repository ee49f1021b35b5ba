"""Account writes: sign-in with lockout, second factor, API tokens, staff creation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor

from .models import ApiToken, User, UserRole


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    needs_totp: bool = False


def sign_in_check(*, request: HttpRequest, username: str, password: str) -> SignInResult:
    """Check a password, counting failures; the account locks after LOGIN_MAX_FAILURES."""
    generic = _("Wrong username or password.")
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is not None and user.is_locked():
        return SignInResult(None, _("This account is locked after repeated failed logins. Try again later."))
    authed = authenticate(request, username=user.username if user else username, password=password)
    if authed is None:
        if user is not None:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
                user.refresh_from_db(fields=["failed_logins"])
                if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
                    User.objects.filter(pk=user.pk).update(
                        locked_until=timezone.now() + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS),
                        failed_logins=0,
                    )
                    audit_record(actor=None, action="accounts.locked", obj=user)
                else:
                    audit_record(actor=None, action="accounts.login_failed", obj=user)
        return SignInResult(None, generic)
    assert isinstance(authed, User)
    return SignInResult(authed, needs_totp=authed.totp_enabled)


def sign_in_succeeded(*, user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(actor=Actor.for_user(user), action="accounts.login", obj=user)


def totp_verify(*, user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    return pyotp.TOTP(user.totp_secret).verify(code.strip().replace(" ", ""), valid_window=1)


def totp_begin_setup(*, user: User) -> str:
    """The secret shown during set-up; kept across page loads until it is confirmed."""
    if user.totp_secret:
        return user.totp_secret
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> None:
    if not totp_verify(user=user, code=code):
        raise InvalidInput(_("The code is not correct. Check the time on your phone and try again."))
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_confirmed_at"])
    audit_record(actor=Actor.for_user(user), action="accounts.totp_enabled", obj=user)


def totp_uri(*, user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Warga")


@transaction.atomic
def api_token_create(
    *, actor: Actor, owner: User, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token and its raw key; the raw key is shown once and never stored."""
    if actor.user != owner and not actor.can("accounts.manage"):
        raise NotAllowed(_("You may only create tokens for your own account."))
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the token a name."), details={"field": "name"})
    raw, prefix, digest = ApiToken.generate()
    expires = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=owner, name=name[:100], key_prefix=prefix, key_hash=digest, expires_at=expires
    )
    audit_record(actor=actor, action="accounts.token_created", obj=token, summary={"owner": owner.pk})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    qs = ApiToken.objects.select_for_update().filter(pk=token_id)
    if not actor.can("accounts.manage"):
        qs = qs.filter(user=actor.user)
    token = qs.first()
    if token is None:
        raise NotFound(_("Not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accounts.token_revoked", obj=token)
    return token


@transaction.atomic
def staff_create(
    *,
    actor: Actor | None,
    username: str,
    password: str,
    full_name: str,
    roles: list[str],
    unit_id: int | None,
    area_code: str | None,
    is_superuser: bool = False,
) -> User:
    if actor is not None:
        actor.require("accounts.manage")
    username = username.strip()
    if not username:
        raise InvalidInput(_("Give a username."), code="accounts.username_required")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("This username is already taken."), code="accounts.username_taken")
    first, _sep, last = full_name.partition(" ")
    user = User(username=username, first_name=first, last_name=last, unit_id=unit_id, area_id=area_code)
    user.is_superuser = is_superuser
    user.is_staff = is_superuser
    user.set_password(password)
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in sorted(set(roles))])
    audit_record(
        actor=actor, action="accounts.staff_created", obj=user, summary={"roles": sorted(set(roles))}
    )
    return user


STAFF_FIELDS = ("first_name", "last_name", "phone", "unit_id", "area_id", "is_active")


@transaction.atomic
def staff_update(*, actor: Actor, user_id: int, changes: dict, roles: list[str] | None = None) -> User:
    """Change an account's details, unit, area, roles or active flag; audited field by field."""
    actor.require("accounts.manage")
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Not found."))
    if user.pk == actor.id and changes.get("is_active") is False:
        raise InvalidInput(_("You cannot deactivate your own account."), code="accounts.self_deactivate")
    changed = []
    for field in STAFF_FIELDS:
        if field in changes and getattr(user, field) != changes[field]:
            setattr(user, field, changes[field])
            changed.append(field)
    user.save()
    if roles is not None:
        wanted = set(roles)
        current = set(user.role_codes())
        if user.pk == actor.id and "system_admin" in current and "system_admin" not in wanted:
            raise InvalidInput(
                _("You cannot remove your own administrator role."), code="accounts.self_demote"
            )
        UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in sorted(wanted - current)])
        if wanted != current:
            changed.append("roles")
    audit_record(actor=actor, action="accounts.staff_updated", obj=user, summary={"fields": changed})
    return user


@transaction.atomic
def staff_unlock(*, actor: Actor, user_id: int) -> User:
    actor.require("accounts.manage")
    updated = User.objects.filter(pk=user_id).update(locked_until=None, failed_logins=0)
    if not updated:
        raise NotFound(_("Not found."))
    user = User.objects.get(pk=user_id)
    audit_record(actor=actor, action="accounts.unlocked", obj=user)
    return user


@transaction.atomic
def staff_set_password(*, actor: Actor, user_id: int, password: str) -> User:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    actor.require("accounts.manage")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Not found."))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="accounts.weak_password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="accounts.password_set", obj=user)
    return user


@transaction.atomic
def staff_reset_second_factor(*, actor: Actor, user_id: int) -> User:
    actor.require("accounts.manage")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Not found."))
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    audit_record(actor=actor, action="accounts.totp_reset", obj=user)
    return user
