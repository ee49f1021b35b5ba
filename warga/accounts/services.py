"""Account writes: sign-in with lockout, second factor, API tokens, staff creation."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotAllowed, NotFound
from warga.core.middleware import client_ip
from warga.core.scoping import Actor

from .models import ApiToken, BackupCode, LoginFailure, User, UserRole

SECOND_FACTOR_REQUIRED_MESSAGE = gettext_lazy(
    "Set up two-step login first: open /account/2fa/setup/ in the browser."
)


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    needs_totp: bool = False


def _name_key(username: str) -> str:
    """A keyed hash of the name as typed: people type passwords into the username field too."""
    normal = username.strip().lower()
    return salted_hmac("warga.accounts.login_name", normal, algorithm="sha256").hexdigest()


def sign_in_refusal(*, username: str, ip: str | None, user: User | None) -> str | None:
    """Why an attempt is refused before any password or code is checked, or None.

    Failures are limited per (username, address) and per address, so someone who knows an
    officer's username cannot lock them out from elsewhere. An account that keeps failing from
    many addresses gets a short back-off, which does not apply at the address of its last login.
    """
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(ip=ip).count() >= settings.LOGIN_IP_MAX_FAILURES:
        return _("Too many failed logins from this address. Try again in a few minutes.")
    if recent.filter(name_hash=_name_key(username), ip=ip).count() >= settings.LOGIN_MAX_FAILURES:
        return _("This account is locked after repeated failed logins. Try again later.")
    if user is not None and user.is_locked() and (ip is None or ip != user.last_login_ip):
        return _("This account had many failed logins. Wait a minute and try again.")
    return None


@transaction.atomic
def sign_in_failed(*, username: str, ip: str | None, user: User | None) -> None:
    """Count one failed password or second-factor attempt and audit it."""
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    LoginFailure.objects.filter(at__lt=now - window).delete()
    key = _name_key(username)
    LoginFailure.objects.create(name_hash=key, ip=ip, at=now)
    recent = LoginFailure.objects.filter(ip=ip, at__gte=now - window)
    if recent.count() == settings.LOGIN_IP_MAX_FAILURES:
        # The address is refused from now on; the audit row carries it (request context).
        audit_record(actor=None, action="accounts.address_throttled")
    pair = recent.filter(name_hash=key).count()
    if user is None:
        return
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    excess = user.failed_logins - settings.LOGIN_ACCOUNT_MAX_FAILURES
    if excess >= 0:
        # Doubles from the base delay up to the lockout window; a success resets it.
        delay = min(
            settings.LOGIN_ACCOUNT_BACKOFF_SECONDS * 2 ** min(excess, 16), settings.LOGIN_LOCKOUT_SECONDS
        )
        User.objects.filter(pk=user.pk).update(locked_until=now + timedelta(seconds=delay))
        audit_record(actor=None, action="accounts.backoff", obj=user, summary={"seconds": delay})
    elif pair == settings.LOGIN_MAX_FAILURES:
        audit_record(actor=None, action="accounts.locked", obj=user, summary={"scope": "address"})
    else:
        audit_record(actor=None, action="accounts.login_failed", obj=user)


def login_failures_recent(*, username: str) -> int:
    """Failed attempts on this name within the lockout window, from every address."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return LoginFailure.objects.filter(name_hash=_name_key(username), at__gte=since).count()


def sign_in_check(*, request: HttpRequest, username: str, password: str) -> SignInResult:
    """Check a password; failures are counted by `sign_in_failed`."""
    generic = _("Wrong username or password.")
    ip = client_ip(request)
    user = User.objects.filter(username__iexact=username.strip()).first()
    refusal = sign_in_refusal(username=username, ip=ip, user=user)
    if refusal:
        return SignInResult(None, refusal)
    authed = authenticate(request, username=user.username if user else username, password=password)
    if authed is None:
        sign_in_failed(username=username, ip=ip, user=user)
        return SignInResult(None, generic)
    assert isinstance(authed, User)
    return SignInResult(authed, needs_totp=authed.totp_enabled)


def sign_in_succeeded(*, user: User, ip: str | None = None) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login_ip=ip)
        LoginFailure.objects.filter(name_hash=_name_key(user.username), ip=ip).delete()
        audit_record(actor=Actor.for_user(user), action="accounts.login", obj=user)


def second_factor_check(*, request: HttpRequest, user: User, code: str) -> str | None:
    """The second login step: a TOTP code or a backup code. Returns an error message or None."""
    ip = client_ip(request)
    refusal = sign_in_refusal(username=user.username, ip=ip, user=user)
    if refusal:
        return refusal
    code = code.strip().replace(" ", "")
    if totp_verify(user=user, code=code) or backup_code_use(user=user, code=code):
        return None
    sign_in_failed(username=user.username, ip=ip, user=user)
    return _("The code is not correct.")


def totp_verify(*, user: User, code: str) -> bool:
    """A code of the current step or one either side, and newer than the last one accepted:
    a code seen once (shoulder-surfed, phished and replayed) is refused the second time."""
    code = code.strip().replace(" ", "")
    if not user.totp_secret or not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for offset in (-1, 0, 1):
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = (
                User.objects.filter(pk=user.pk)
                .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
                .update(totp_last_step=step)
            )
            if claimed:
                user.totp_last_step = step
            return bool(claimed)
    return False


def totp_begin_setup(*, user: User) -> str:
    """The secret shown during set-up; kept across page loads until it is confirmed."""
    if user.totp_secret:
        return user.totp_secret
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-step login on; revokes every API token made before and returns new backup codes."""
    if not totp_verify(user=user, code=code):
        raise InvalidInput(_("The code is not correct. Check the time on your phone and try again."))
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_confirmed_at"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    actor = Actor.for_user(user)
    audit_record(actor=actor, action="accounts.totp_enabled", obj=user, summary={"tokens_revoked": revoked})
    return _backup_codes_replace(actor=actor, user=user)


def totp_uri(*, user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Warga")


BACKUP_CODE_COUNT = 10
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _backup_hash(user: User, code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return salted_hmac("warga.accounts.backup_code", f"{user.pk}:{normal}", algorithm="sha256").hexdigest()


def _backup_codes_replace(*, actor: Actor, user: User) -> list[str]:
    codes = []
    for _i in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    BackupCode.objects.filter(user=user).delete()
    BackupCode.objects.bulk_create([BackupCode(user=user, code_hash=_backup_hash(user, c)) for c in codes])
    audit_record(
        actor=actor, action="accounts.backup_codes_generated", obj=user, summary={"count": len(codes)}
    )
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New backup codes replace the old ones; a current TOTP code proves the phone is at hand."""
    if not user.totp_enabled:
        raise NotAllowed(_("Turn on two-step login first."), code="second_factor_required")
    if not totp_verify(user=user, code=code):
        raise InvalidInput(_("The code is not correct."), code="accounts.wrong_code")
    return _backup_codes_replace(actor=Actor.for_user(user), user=user)


def backup_code_use(*, user: User, code: str) -> bool:
    """Spend one backup code; each works once."""
    if not user.totp_enabled or len(code) < 10:
        return False
    with transaction.atomic():
        used = BackupCode.objects.filter(
            user=user, code_hash=_backup_hash(user, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            left = BackupCode.objects.filter(user=user, used_at__isnull=True).count()
            audit_record(
                actor=Actor.for_user(user),
                action="accounts.backup_code_used",
                obj=user,
                summary={"left": left},
            )
    return bool(used)


def backup_codes_left(*, user: User) -> int:
    return BackupCode.objects.filter(user=user, used_at__isnull=True).count()


def second_factor_missing(user: object) -> bool:
    """True for an account that must use two-step login and has not set it up yet."""
    return bool(getattr(user, "is_authenticated", False) and user.needs_totp() and not user.totp_enabled)  # type: ignore[attr-defined]


@transaction.atomic
def api_token_create(
    *, actor: Actor, owner: User, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token and its raw key; the raw key is shown once and never stored."""
    if actor.user != owner and not actor.can("accounts.manage"):
        raise NotAllowed(_("You may only create tokens for your own account."))
    if second_factor_missing(owner):
        raise NotAllowed(SECOND_FACTOR_REQUIRED_MESSAGE, code="second_factor_required")
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


def _password_check(password: str, user: User) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), for every path that sets one."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            " ".join(exc.messages),
            code="accounts.weak_password",
            details=[{"field": "password", "message": m} for m in exc.messages],
        ) from exc


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
    _password_check(password, user)
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
def staff_update(
    *, actor: Actor, user_id: int, changes: dict[str, Any], roles: list[str] | None = None
) -> User:
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
    LoginFailure.objects.filter(name_hash=_name_key(user.username)).delete()
    audit_record(actor=actor, action="accounts.unlocked", obj=user)
    return user


@transaction.atomic
def staff_set_password(*, actor: Actor, user_id: int, password: str) -> User:
    actor.require("accounts.manage")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Not found."))
    _password_check(password, user)
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
    user.totp_last_step = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    BackupCode.objects.filter(user=user).delete()
    audit_record(actor=actor, action="accounts.totp_reset", obj=user)
    return user
