"""Import residents and families from a CSV/XLSX file on the server, with a progress line."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warga.accounts.models import User
from warga.core.errors import ServiceError
from warga.core.scoping import Actor, unscoped
from warga.imports.models import ImportBatch, ImportMode
from warga.imports.services import import_create, import_run


class Command(BaseCommand):
    help = (
        "Import residents and families from a CSV or XLSX file (SIAK or simple layout), as a staff account."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.ALL_OR_NOTHING)
        parser.add_argument("--user", required=True, help="username of the officer the import is made for")

    def handle(self, *args: Any, file: str, mode: str, user: str, **options: Any) -> None:
        with unscoped("command: an import checks the officer's area row by row"):
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"no such file: {file}")
            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"no active account {user!r}")
            actor = Actor.for_user(account)
            try:
                with path.open("rb") as handle:
                    batch = import_create(actor=actor, source=handle, file_name=path.name, mode=mode)
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from exc
            done = threading.Event()
            watcher = threading.Thread(target=self._watch, args=(batch.pk, done), daemon=True)
            watcher.start()
            import_run(batch_id=batch.pk)  # returns at once if the queue already ran it
            done.set()
            watcher.join()
            batch = ImportBatch.objects.get(pk=batch.pk)
            self.stdout.write("")
            style = self.style.SUCCESS if batch.status in ("published", "skipped") else self.style.ERROR
            self.stdout.write(style(f"import #{batch.pk}: {batch.get_status_display()} — {batch.message}"))
            if batch.issues_total:
                self.stdout.write(f"{batch.issues_total} problems; first ones:")
                for issue in batch.issues.all()[:20]:
                    self.stdout.write(f"  row {issue.row_number} {issue.column}: {issue.message}")
            if batch.status not in ("published", "skipped"):
                sys.exit(1)

    def _watch(self, batch_id: int, done: threading.Event) -> None:
        from django.db import connection

        tty = self.stdout.isatty()
        started = time.monotonic()
        try:
            while not done.wait(2.0):
                # A thread starts outside the command's scope.
                with unscoped("command: the progress of the import this command started"):
                    batch = ImportBatch.objects.filter(pk=batch_id).first()
                if batch is None:
                    break
                rate = batch.rows_read / max(time.monotonic() - started, 1e-6)
                line = (
                    f"{batch.get_status_display():<28} {batch.rows_read:>10,} / {batch.rows_expected:,} rows "
                    f"{batch.percent:3d}%  {rate:,.0f} rows/s  {batch.rows_invalid:,} invalid"
                )
                self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
                self.stdout.flush()
        finally:
            connection.close()
