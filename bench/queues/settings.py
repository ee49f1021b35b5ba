from warga.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WARGA_REGION_CODE = "32.14"  # Kabupaten Purwakarta
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The raw limit is a bare view behind the same middleware (`/bench/bare`).
ROOT_URLCONF = "bench.foundation.urls"
