"""Write every catalogue's .mo in pure Python (Babel): installing and running Warga needs no gettext.

Django's `compilemessages` calls msgfmt from the system; this command does the same work without it.
Extracting and checking strings (scripts/messages.py) still use gettext, a developer's tool.
"""

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def catalogues_compile(root: Path, *, force: bool = False) -> int:
    """Each django.po under `root` → django.mo beside it, written atomically; returns how many were written."""
    written = 0
    for po in sorted(root.glob("**/locale/*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, abort_invalid=True)
        partial = mo.with_suffix(".mo.partial")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        partial.replace(mo)
        written += 1
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without gettext."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="rewrite every .mo, even when up to date")

    def handle(self, *args: Any, force: bool, verbosity: int, **options: Any) -> None:
        written = catalogues_compile(Path(settings.BASE_DIR) / "warga", force=force)
        if verbosity:
            self.stdout.write(f"{written} catalogue(s) compiled")
