"""Settings for Warga processes a test starts (the SMS dispatcher, `manage.py serve`): the
production settings, read from the environment as in production, on the test run's database
(WARGA_TEST_DB_NAME: the SQLite file or PostgreSQL database the test runner created)."""

import os

from warga.settings import *  # noqa: F403
from warga.settings import DATABASES

if os.environ.get("WARGA_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["WARGA_TEST_DB_NAME"]
