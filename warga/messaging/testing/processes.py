"""Start Warga's own processes from a test, on the test database (no Django imports at module level)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a Warga process that must see this test run's database."""
    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "warga.messaging.testing.subprocess_settings",
        "WARGA_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "SECRET_KEY": str(settings.SECRET_KEY),
        "PYTHONPATH": str(settings.BASE_DIR),
        "HUEY_IMMEDIATE": "0",
        "SMS_DISPATCH_INLINE": "0",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


class ManagedProcess:
    """`manage.py <command>` as a child in its own process group, output to a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path):
        from django.conf import settings

        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *argv],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def wait_for_line(self, pattern: re.Pattern[str], what: str, timeout: float = 60) -> re.Match[str]:
        """The first match of `pattern` in the child's output; fails with its log if it exits first."""
        found = wait_for(
            lambda: pattern.search(self.log()) or (not self.alive() and self.log() + "\n(exited)"),
            timeout,
            what,
        )
        assert isinstance(found, re.Match), found
        return found

    def kill_hard(self) -> None:
        """SIGKILL to the child's whole process group, as `kill -9` or the OOM killer would."""
        os.killpg(self.pid, signal.SIGKILL)
        assert self.wait(10) == -signal.SIGKILL

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.alive():
            self.signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self._log.close()
        return self.popen.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def __enter__(self) -> ManagedProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout} s")
