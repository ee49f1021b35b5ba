from warga.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WARGA_REGION_CODE = "35.17"  # Kabupaten Jombang
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The raw limit is a bare view behind the same middleware (`/bench/bare`): /healthz also checks the
# SMS queue, which answers 503 here because no dispatcher runs beside the benchmark.
ROOT_URLCONF = "bench.foundation.urls"
# The consumer logs each task it runs (name and run time): the benchmark counts them from its log.
LOGGING["loggers"]["huey"]["level"] = "INFO"  # noqa: F405
