from warga.settings import *  # noqa: F403

ROOT_URLCONF = "bench.foundation.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
