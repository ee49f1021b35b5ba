from warga.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WARGA_REGION_CODE = "32.14"
# Background work goes to the Huey consumer the benchmark starts beside the server, as installed
# (Huey on Redis with REDIS_URL, on SQLite without); it logs each task so the benchmark counts them.
LOGGING["loggers"]["huey"]["level"] = "INFO"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
