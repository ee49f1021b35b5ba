"""Test settings: fast hashing, tasks run immediately, embedded or PostgreSQL by DATABASE_URL."""

import os
import tempfile

os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from warga.settings import *  # noqa: F403
from warga.settings import DATABASES, HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The test runner makes its own database; a file (not :memory:) lets live-server
    # browser tests and threads share it.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["WARGA_DATA_DIR"], "test.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SMS_GATEWAY = "development"
# Messages are sent by the process that queued them, as tasks run immediately (tests that run
# the dispatcher process set SMS_DISPATCH_INLINE=0 in its environment).
SMS_DISPATCH_INLINE = env_bool("SMS_DISPATCH_INLINE", True)  # noqa: F405
LANGUAGE_CODE = "id"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# SMS queued by a session-wide fixture (the permission grid's world) would otherwise turn
# /healthz to 503 once a slow run passes two minutes; the tests of that rule set their own limit.
SMS_HEALTH_MAX_WAIT_SECONDS = 24 * 3600
