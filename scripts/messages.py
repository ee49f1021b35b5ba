#!/usr/bin/env python
"""Translations: `update [app …] [project]` extracts strings into each app's locale/id, `check` fails when any
Indonesian string is missing or fuzzy. Each app keeps its own catalogue (warga/<app>/locale);
the shared templates and project modules use warga/locale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARGA = ROOT / "warga"
APPS = sorted(p.name for p in WARGA.iterdir() if (p / "apps.py").exists())
QUIET = {"stdout": subprocess.DEVNULL}
DJANGO_ADMIN = [sys.executable, "-m", "django"]


def update(only: list[str]) -> None:
    # PYTHONSAFEPATH: an app folder holds selectors.py, which must not shadow the standard library.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "warga.settings_test",
        "PYTHONPATH": str(ROOT),
        "PYTHONSAFEPATH": "1",
    }
    for app in [a for a in only if a != "project"] if only else APPS:
        (WARGA / app / "locale").mkdir(exist_ok=True)
        subprocess.run(
            [*DJANGO_ADMIN, "makemessages", "-l", "id", "--no-obsolete", "-i", "tests/*", "-i", "static/*"],
            cwd=WARGA / app,
            check=True,
            env=env,
        )
    if only and "project" not in only:
        return
    (WARGA / "locale").mkdir(exist_ok=True)
    ignores = []
    for app in APPS:
        ignores += ["-i", f"{app}/*"]
    subprocess.run(
        [*DJANGO_ADMIN, "makemessages", "-l", "id", "--no-obsolete", "-i", "static/*", *ignores],
        cwd=WARGA,
        check=True,
        env=env,
    )


def check() -> int:
    """Extract the strings afresh into a copy of the tree, so that a string added to the code but
    not to a catalogue (or an app with no catalogue at all) counts as untranslated."""
    import shutil
    import tempfile

    global ROOT, WARGA
    real_root = ROOT
    with tempfile.TemporaryDirectory(prefix="warga-messages-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(
            real_root, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "bench")
        )
        ROOT, WARGA = copy, copy / "warga"
        try:
            update([])
            return _check_catalogues()
        finally:
            ROOT, WARGA = real_root, real_root / "warga"


def _check_catalogues() -> int:
    problems = 0
    for po in sorted(WARGA.glob("**/locale/id/LC_MESSAGES/django.po")):
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True
        )
        stats = result.stderr.strip()
        rel = po.relative_to(ROOT)
        if result.returncode != 0 or "untranslated" in stats or "fuzzy" in stats:
            problems += 1
            print(f"{rel}: {stats}")
    if problems:
        print(f"{problems} catalogue(s) incomplete: run `make messages` and translate the new strings.")
        return 1
    print("translations complete")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update(sys.argv[2:])  # optional: app names, and/or "project" for warga/locale
    else:
        sys.exit(check())
