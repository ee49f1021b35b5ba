"""Warga settings: everything comes from the environment, with safe defaults for the
embedded set-up (SQLite in WAL mode, Huey on SQLite, files on local disk under DATA_DIR).

Production switches by variable: DATABASE_URL (PostgreSQL), REDIS_URL (Huey on Redis),
S3_BUCKET (S3-compatible storage). Any secret may also be given as <NAME>_FILE.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read a setting from NAME, or from the file named by NAME_FILE (docker/k8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("WARGA_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    # Embedded set-up: a random key is created once and kept in the data directory, so a
    # fresh install is never shipped with a known key.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The kabupaten/kota this installation serves (Kemendagri code, e.g. 32.14 for Purwakarta).
WARGA_REGION_CODE = env("WARGA_REGION_CODE", "32.14")
WARGA_REGION_NAME_OVERRIDE = env("WARGA_REGION_NAME", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",
    "warga.core",
    "warga.regions",
    "warga.org",
    "warga.accounts",
    "warga.audit",
    "warga.messaging",
    "warga.registry",
    "warga.facts",
    "warga.imports",
    "warga.dedupe",
    "warga.applications",
    "warga.cards",
    "warga.outreach",
    "warga.boards",
    "warga.reports",
    "warga.ppid",
    "warga.stakeholders",
    "warga.survey",
    "warga.queues",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "warga.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "warga.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "warga.core.hygiene.InputHygieneMiddleware",
    "warga.core.middleware.RequestContextMiddleware",
    "warga.core.scoping.ScopeMiddleware",
    "warga.accounts.middleware.SecondFactorMiddleware",
    "warga.core.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "warga.urls"
WSGI_APPLICATION = "warga.wsgi.application"
# The project's API and periodic schedule, named like ROOT_URLCONF so that the shared layer
# (core's system checks and start-up) reaches them without importing the apps above it.
WARGA_API = "warga.api.api"
WARGA_PERIODIC_TASKS = "warga.periodic"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "warga" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "warga.core.context_processors.shell",
                "warga.regions.context_processors.installation",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "warga.sqlite3"),
            # Keep connections: opening one runs the PRAGMAs below, which costs more than a query.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE makes a write
                # transaction take the lock up front, so concurrent writers queue on the busy
                # timeout instead of failing with "database is locked" half-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA cache_size=-64000;"
                    "PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The applications queue index carries INCLUDE columns on PostgreSQL; SQLite builds it as a plain
# index, which is what it should do there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache (rate limits, lockout windows) ------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "warga_cache"}
    }

# --- Background tasks (Huey) ---------------------------------------------------------------
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "warga",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 4), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "warga",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        # SQLite is polled: back off to at most one poll a second when idle (Huey's default is
        # 10 s), so an incoming SMS is answered within about a second on the embedded set-up.
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread", "max_delay": 1.0},
    }

# --- Auth --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Sessions made before this backend (Django's ModelBackend) ask for a new sign-in once.
AUTHENTICATION_BACKENDS = ["warga.accounts.backends.StaffBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
LOGIN_IP_MAX_FAILURES = env_int("LOGIN_IP_MAX_FAILURES", 30)
LOGIN_ACCOUNT_MAX_FAILURES = env_int("LOGIN_ACCOUNT_MAX_FAILURES", 50)
LOGIN_ACCOUNT_BACKOFF_SECONDS = env_int("LOGIN_ACCOUNT_BACKOFF_SECONDS", 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken

# --- i18n --------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
# Display formats per language ("07 Des 2026, 14.30 WIB"): warga/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["warga.formats"]
LOCALE_PATHS = [BASE_DIR / "warga" / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "warga" / "static"]
# Files browsers ask for at the site root (favicon.ico, apple-touch-icon.png), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "warga" / "public_root"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"  # never served publicly: every file goes through a permission-checked view
S3_BUCKET = env("S3_BUCKET")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            "region_name": env("S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# --- Security ----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); behind a TLS proxy
# on the same machine, loopback by default. Used for rate limits, audit rows and Kannel callbacks.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES") or (
    ["127.0.0.1", "::1"] if env_bool("BEHIND_TLS_PROXY") else []
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (warga.core.csp): scripts from Warga or nonced only. The field app's
# pages use Alpine's standard build, which evaluates its expressions ('unsafe-eval', decision 0013).
CSP_ENABLED = env_bool("CSP_ENABLED", True)
CSP_UNSAFE_EVAL_PATHS = ["/outreach/app/"]
CSP_IMG_SRC_EXTRA = env_list("CSP_IMG_SRC_EXTRA")  # e.g. the S3 endpoint when scans are shown from it

# --- Cases: the public map, external bodies' links, e-mail --------------------------------
# Tile URL template of the public map of cases (/lapor/daftar/), e.g.
# https://tile.example.go.id/{z}/{x}/{y}.png; empty: the page shows the list only. Its host is
# added to the CSP's img-src (warga.core.csp.tile_source).
MAP_TILE_URL = env("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")
# The installation's extent "south,west,north,east" in degrees: a case's point outside it is refused
# (empty: only points outside Indonesia are refused).
WARGA_AREA_BBOX = env("WARGA_AREA_BBOX", "")
REPORTS_LINK_DAYS = env_int("REPORTS_LINK_DAYS", 14)  # an external body's link to a case expires
# Satisfaction survey (IKM): invite residents after a hand-over, a closed case or an answered
# information request; the link and the SMS code expire after SURVEY_EXPIRY_DAYS.
SURVEY_INVITES_ENABLED = env_bool("SURVEY_INVITES_ENABLED", True)
SURVEY_EXPIRY_DAYS = env_int("SURVEY_EXPIRY_DAYS", 14)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "warga@localhost")

# --- SMS ---------------------------------------------------------------------------------
SMS_GATEWAY = env("SMS_GATEWAY", "development")  # development | kannel
SMS_SENDER_ID = env("SMS_SENDER_ID", "WARGA")
# The number residents send SMS keywords to, shown on the residents' portal (none: not shown).
SMS_CENTER_NUMBER = env("SMS_CENTER_NUMBER", "")
KANNEL_SENDSMS_URL = env("KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
KANNEL_USERNAME = env("KANNEL_USERNAME", "warga")
KANNEL_PASSWORD = env("KANNEL_PASSWORD")
KANNEL_CALLBACK_SECRET = env("KANNEL_CALLBACK_SECRET")
SMS_RATE_PER_SECOND = env_int("SMS_RATE_PER_SECOND", 50)
# sendsms requests in flight per dispatcher (the rate itself is SMS_RATE_PER_SECOND).
SMS_SEND_CONCURRENCY = env_int("SMS_SEND_CONCURRENCY", 32)
SMS_QUIET_HOURS = env("SMS_QUIET_HOURS", "21:00-06:00")
# The dispatcher process (`manage.py sms_dispatcher`, started by `serve`): lease length (a dead
# holder is replaced after at most this), idle poll of the outbox, and how long a due message may
# wait without a live dispatcher before /healthz answers 503. SMS_DISPATCH_INLINE sends each
# message in the process that queued it (tests; never with a dispatcher running).
SMS_LEASE_SECONDS = env_int("SMS_LEASE_SECONDS", 30)
SMS_DISPATCHER_POLL_SECONDS = float(env("SMS_DISPATCHER_POLL_SECONDS", "0.5"))
SMS_HEALTH_MAX_WAIT_SECONDS = env_int("SMS_HEALTH_MAX_WAIT_SECONDS", 120)
SMS_DISPATCH_INLINE = env_bool("SMS_DISPATCH_INLINE", False)
# A refused message is tried again after SMS_RETRY_BASE_SECONDS × 2^(attempt−1), at most 1 h.
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 30)

# --- Logging: nothing personal goes to logs (no NIK, names, phone numbers, message text) ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler masks NIK/KK numbers and phone numbers (warga.core.logmask); gunicorn's access
    # log gets the same filter through `--logger-class warga.core.logmask.GunicornLogger`.
    "filters": {"mask_personal": {"()": "warga.core.logmask.MaskPersonalFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Configured here so Django's own default handlers (unmasked) are replaced by the root's.
        "django": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # A handler of its own, so `run_huey` does not add an unmasked one.
        "huey": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

# Django's admin bypasses Warga's scoping and audit; off unless an administrator turns it on.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", False)

# --- Service rules an office may tune (all optional) -------------------------------------
KANNEL_CALLBACK_BASE_URL = env(
    "KANNEL_CALLBACK_BASE_URL"
)  # how Kannel reaches Warga, e.g. http://127.0.0.1:8000
KANNEL_CALLBACK_ALLOWED_IPS = env_list("KANNEL_CALLBACK_ALLOWED_IPS") or None
KANNEL_SMSC_ID = env("KANNEL_SMSC_ID")
# Delivery reports asked of Kannel: 19 = delivered + not delivered + rejected by the SMSC; 27 adds
# "accepted by the SMSC" (one more callback per message).
KANNEL_DLR_MASK = int(env("KANNEL_DLR_MASK", "19"))
SMS_PRICE_PER_SEGMENT = env("SMS_PRICE_PER_SEGMENT", "350")  # rupiah, for broadcast cost previews
SMS_INVITATION_MONTHLY_QUOTA = env_int("SMS_INVITATION_MONTHLY_QUOTA", 2)
SMS_INVITATION_MAX_CHARS = env_int("SMS_INVITATION_MAX_CHARS", 300)
SMS_INVITATION_ALLOW_LINKS = env_bool("SMS_INVITATION_ALLOW_LINKS", False)
UPLOAD_MAX_PAGES = env_int("UPLOAD_MAX_PAGES", 20)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 3_000_000)
# Lists exported (CSV/XLSX) or printed from a page (warga.core.tables): more rows are refused.
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 200_000)
PRINT_MAX_ROWS = env_int("PRINT_MAX_ROWS", 2_000)
CARDS_SUKET_VALID_DAYS = env_int("CARDS_SUKET_VALID_DAYS", 180)
CARDS_UNCOLLECTED_DAYS = env_int("CARDS_UNCOLLECTED_DAYS", 30)
NIK_CHECK_RATE_PER_MINUTE = env_int("NIK_CHECK_RATE_PER_MINUTE", 30)
