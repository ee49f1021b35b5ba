import os

from warga.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WARGA_REGION_CODE = "32.14"  # Kabupaten Purwakarta (17 kecamatan, 192 desa/kelurahan)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The raw limit is a bare view behind the same middleware (`/bench/bare`).
ROOT_URLCONF = "bench.foundation.urls"
# The incoming SMS is handled as in production: the callback queues a task and a real consumer
# (`manage.py run_huey`, started by the benchmark; Huey on Redis when REDIS_URL is set) files
# the case and queues the reply. BENCH_INLINE_TASKS=1 runs the task in the request instead.
if os.environ.get("BENCH_INLINE_TASKS") == "1":
    HUEY = {**HUEY, "immediate": True}  # noqa: F405
KANNEL_CALLBACK_SECRET = "bench-callback-secret"
KANNEL_CALLBACK_ALLOWED_IPS = None
SMS_INCOMING_LIMIT = 1_000_000
REPORTS_SMS_LIMIT = 1_000_000
