"""Step 2: running a batch: claiming it, checking each row and staging the valid ones."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotAllowed
from warga.core.scoping import Actor
from warga.registry.services import register_analyze

from .. import reader
from ..models import ImportBatch, ImportMode, ImportStatus, StagedRow
from ..validation import STAGE_FIELDS, Issue, RowChecker
from ._common import IMPORT_CAPABILITY, _Issues, max_rows
from .checks import _check_whole_file
from .publishing import _publish

logger = logging.getLogger(__name__)
CHUNK = 10_000


def _progress(batch: ImportBatch, **values: Any) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now(), **values)


def import_run(*, batch_id: int) -> ImportBatch | None:
    """Run a queued import to the end. Returns None when another worker already claimed it."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.VALIDATING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if claimed != 1:
        return None
    batch = ImportBatch.objects.select_related("created_by", "area").get(pk=batch_id)
    actor = Actor.for_user(batch.created_by)
    with _sqlite_unmapped():
        return _import_run(batch, actor)


@contextmanager
def _sqlite_unmapped() -> Iterator[None]:
    """SQLite: an import writes most pages of the database once; with the file memory-mapped
    (`mmap_size` in the settings) those pages would all count in the worker's resident memory.
    Unmapped for the import, mapped again after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size={size}")


def _import_run(batch: ImportBatch, actor: Actor) -> ImportBatch:
    batch_id = batch.pk
    try:
        if not actor.can(IMPORT_CAPABILITY) or not actor.covers(batch.area_id):
            raise NotAllowed(_("The account that uploaded this file may no longer import here."))
        issues = _Issues(batch)
        _stage(batch, issues)
        _check_whole_file(batch, issues)
        issues.flush()
        batch.refresh_from_db()
        invalid = batch.rows_invalid
        valid = batch.rows_read - invalid
        batch.issues_total = issues.total
        if invalid and batch.mode == ImportMode.ALL_OR_NOTHING:
            _finish(
                batch,
                ImportStatus.REJECTED,
                _(
                    "%(n)d rows have errors; nothing was imported. Correct them and upload the file again, "
                    "or choose to import the valid rows."
                )
                % {"n": invalid},
                actor=actor,
            )
        elif valid == 0:
            _finish(batch, ImportStatus.REJECTED, _("No row is valid; nothing was imported."), actor=actor)
        else:
            _progress(batch, status=ImportStatus.PUBLISHING, issues_total=issues.total)
            batch.status = ImportStatus.PUBLISHING
            _publish(batch, actor=actor)
    except InvalidInput as exc:
        _fail(batch, str(exc.message), actor=actor)
    except NotAllowed as exc:
        _fail(batch, str(exc.message), actor=actor)
    except Exception:
        logger.exception("import %s failed", batch_id)
        _fail(batch, _("The import stopped because of an internal error; nothing was imported."), actor=actor)
    finally:
        StagedRow.objects.filter(batch_id=batch_id).delete()
    batch.refresh_from_db()
    if batch.status == ImportStatus.PUBLISHED:
        # Committed: the planner must see the new rows before the next search plans on them.
        register_analyze()
    return batch


def _finish(batch: ImportBatch, status: str, message: str, *, actor: Actor) -> None:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=status, message=message[:500], finished_at=timezone.now(), issues_total=batch.issues_total
        )
        audit_record(
            actor=actor,
            action=f"imports.batch.{status}",
            obj=batch,
            summary={"rows": batch.rows_read, "invalid": batch.rows_invalid},
        )


def _fail(batch: ImportBatch, message: str, *, actor: Actor) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )
    audit_record(actor=actor, action="imports.batch.failed", obj=batch, summary={})


def _stage(batch: ImportBatch, issues: _Issues) -> None:
    path = Path(batch.file.path) if _local(batch) else _local_copy(batch)
    info = reader.sniff(path, max_rows=max_rows())  # again: the column positions
    checker = RowChecker(columns=info.columns, layout=info.layout, area_code=batch.area_id)
    # batch_id, has_error, kk_first: a head of family gives the family its address (the
    # whole-file checks may still mark the row as an error; publishing skips those).
    tails = {True: (batch.pk, False, True), False: (batch.pk, False, False)}
    head = STAGE_FIELDS.index("relationship")
    read = invalid = 0
    limit = max_rows()
    writer = _StageWriter()
    try:
        # One process: the worker that runs this may hold other database connections in other
        # threads, which a forked child would share.
        for values, row_issues in _checked(checker, _limited(reader.rows(path, info), limit)):
            read += 1
            if values is None:
                invalid += 1
                for issue in row_issues:
                    issues.add(issue, flush=False)
            else:
                writer.add(values + tails[values[head] == "kepala"])
            if read % CHUNK == 0 or issues.pending() >= 5000:
                writer.close()  # the connection is free again for the issues and the progress
                issues.flush()
                _progress(batch, rows_read=read, rows_invalid=invalid)
    except BaseException as exc:
        writer.abort(exc)
        raise
    writer.close()
    if read == 0:
        raise InvalidInput(_("The file has column names but no rows of data."), code="imports.no_rows")
    issues.flush()
    _progress(batch, rows_read=read, rows_invalid=invalid, rows_expected=read)


#: Staging columns in the order rows are written: the checked values, then batch and flags.
_STAGED_COLUMNS = (*STAGE_FIELDS, "batch_id", "has_error", "kk_first")


class _StageWriter:
    """Appends checked rows to the staging table, one transaction per chunk.

    PostgreSQL: a COPY is opened at the first row of a chunk and each row is written as soon
    as it is checked, so the server stores rows while the next ones are being checked; the
    connection can run nothing else until `close()`. SQLite: rows are kept until `close()`
    and written with executemany.
    """

    def __init__(self) -> None:
        self.table = connection.ops.quote_name(StagedRow._meta.db_table)
        self.cols = ", ".join(connection.ops.quote_name(c) for c in _STAGED_COLUMNS)
        self.postgres = connection.vendor == "postgresql"
        self.rows: list[tuple[Any, ...]] = []
        self.stack: ExitStack | None = None
        self.copy: Any = None

    def add(self, row: tuple[Any, ...]) -> None:
        if not self.postgres:
            self.rows.append(row)
            return
        if self.copy is None:
            stack = ExitStack()
            stack.enter_context(transaction.atomic())
            cursor = stack.enter_context(connection.cursor())
            self.copy = stack.enter_context(cursor.copy(f"COPY {self.table} ({self.cols}) FROM STDIN"))
            self.stack = stack
        self.copy.write_row(row)

    def abort(self, exc: BaseException) -> None:
        """Give up the open chunk (its COPY and transaction are rolled back)."""
        self.rows = []
        if self.stack is not None:
            stack, self.stack, self.copy = self.stack, None, None
            try:
                stack.__exit__(type(exc), exc, exc.__traceback__)
            except Exception:  # the original error is the one to report
                logger.debug("staging chunk rolled back", exc_info=True)

    def close(self) -> None:
        if self.stack is not None:
            stack, self.stack, self.copy = self.stack, None, None
            stack.close()
        if self.rows:
            marks = ", ".join(["%s"] * len(_STAGED_COLUMNS))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks})", self.rows)  # noqa: S608
            self.rows = []


def _limited(rows: Iterator[tuple[int, list[Any]]], limit: int) -> Iterator[tuple[int, list[Any]]]:
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise InvalidInput(reader._too_many(count, limit), code="imports.too_many_rows")
        yield row


def _checked(
    checker: RowChecker, rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[tuple[Any, ...] | None, list[Issue]]]:
    """Row checks in file order (values in `STAGE_FIELDS` order)."""
    check = checker.check_row
    for number, cells in rows:
        yield check(number, cells)


def _local(batch: ImportBatch) -> bool:
    try:
        batch.file.path  # noqa: B018 - raises for storages without local paths
    except NotImplementedError:
        return False
    return True


def _local_copy(batch: ImportBatch) -> Path:
    tmp = tempfile.NamedTemporaryFile(prefix="warga-import-", delete=False)  # noqa: SIM115
    with batch.file.open("rb") as src, tmp:
        shutil.copyfileobj(src, tmp)
    return Path(tmp.name)
