"""Shared set-up of the SMS benchmarks: Django on a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/warga_bench_sms"


def django_setup(*, fresh: bool) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    # Huey's queue file and the media directory of a benchmark never mix with a real installation.
    import tempfile

    os.environ.setdefault("WARGA_DATA_DIR", tempfile.mkdtemp(prefix="warga-bench-sms-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warga.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-0123456789-0123456789")
    sys.path.insert(0, str(ROOT))
    if fresh:
        import psycopg

        url = os.environ["DATABASE_URL"]
        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT)
    import django

    django.setup()


def rss_mb() -> float:
    """Current resident memory of this process (Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
