from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.permissions import Role


class StaffManager(UserManager["User"]):
    """`create_user`/`create_superuser` (and so `manage.py createsuperuser`, even with --noinput
    or when told to bypass validation) check the password against AUTH_PASSWORD_VALIDATORS."""

    def _create_user_object(self, username, email, password, **extra_fields):  # type: ignore[no-untyped-def]
        user = super()._create_user_object(username, email, None, **extra_fields)  # type: ignore[misc]
        if password is not None:
            validate_password(password, user)
            user.set_password(password)
        return user


class User(AbstractUser):
    """A staff account. Residents do not log in with accounts: they use tracking codes and SMS."""

    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("unit"),
    )
    area = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("The region subtree whose records this person may see."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[StaffManager] = StaffManager()
    # The last TOTP time step accepted: a code is refused when its step is not newer (no replay).
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    # Where the person last signed in: the account-wide back-off does not apply there.
    last_login_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def role_codes(self) -> list[str]:
        cache = getattr(self, "_role_codes", None)
        if cache is None:
            cache = list(self.roles.values_list("role", flat=True))
            self._role_codes = cache
        return cache

    def roles_from_rows(self, rows: Iterable[Any]) -> None:
        """Keep the roles read with the account (the rows of a query annotated with
        `role_rows()`) as this request's `role_codes()`."""
        self._role_codes = sorted({row.held_role for row in rows if row.held_role})

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)

    def needs_totp(self) -> bool:
        return Role.SYSTEM_ADMIN in self.role_codes() or self.is_superuser

    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


def role_rows(path: str = "") -> dict[str, F]:
    """The annotation that reads an account's roles in the same statement as the account: one row
    per role, a role of None for an account without any (`User.roles_from_rows` gathers them).
    `path`: the way from the model queried to the account, e.g. "user__"."""
    return {"held_role": F(f"{path}roles__role")}


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]
        verbose_name = _("role")

    def __str__(self) -> str:
        return self.get_role_display()


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an integration. Only its hash is stored; it acts as its owner."""

    PREFIX = "wrg_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return raw, raw[:12], _hash(raw)

    @classmethod
    def find_active(cls, raw: str) -> ApiToken | None:
        # The token, its account, the account's unit and roles: one statement (a row per role).
        rows = list(
            cls.objects.select_related("user", "user__unit")
            .filter(key_hash=_hash(raw))
            .annotate(**role_rows("user__"))
        )
        token = rows[0] if rows else None
        if token is None or token.revoked_at or not token.user.is_active:
            return None
        token.user.roles_from_rows(rows)
        if token.expires_at and token.expires_at <= timezone.now():
            return None
        return token

    @property
    def is_active(self) -> bool:
        return not self.revoked_at and not (self.expires_at and self.expires_at <= timezone.now())


class BackupCode(models.Model):
    """A one-time recovery code for two-step login. Only a keyed hash (HMAC with SECRET_KEY) is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="unique_backup_code")]
        verbose_name = _("backup code")

    def __str__(self) -> str:
        return f"{self.user_id}:{'used' if self.used_at else 'unused'}"


class LoginFailure(models.Model):
    """One failed password or second-factor attempt, counted per (name, address), per address
    and per account. `name_hash` is a keyed hash of the name as typed (lower-cased), so unknown
    names count too and nothing typed by mistake into the name field is kept."""

    name_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["name_hash", "ip", "at"], name="loginfailure_pair"),
            models.Index(fields=["ip", "at"], name="loginfailure_ip"),
            models.Index(fields=["at"], name="loginfailure_at"),
        ]
        verbose_name = _("failed login")

    def __str__(self) -> str:
        return f"{self.name_hash[:8]}@{self.ip} {self.at:%Y-%m-%d %H:%M:%S}"
