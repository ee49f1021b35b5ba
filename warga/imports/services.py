"""Importing residents and families from CSV/XLSX, and exporting them.

The path of a file through an import:

1. `import_create` (request): the file is saved, hashed and sniffed by content; a wrong
   format, an empty file, missing columns or too many rows are refused here, before a batch
   exists. The same file already imported for the same area ends as "skipped".
2. `import_run` (Huey task): claims the batch (`queued` -> `validating`, one winner),
   checks each row and writes the valid ones to the staging table in chunks, then runs the
   checks that need the whole file in SQL.
3. `_publish`: one transaction turns staged rows into families, residents, memberships and
   history rows, with set-based INSERT ... SELECT. Residents already in the register (same
   NIK) are updated only where a value differs (upsert by NIK; families by KK number).

A batch killed before step 3 has touched only the staging table; step 3 is atomic.

The raw SQL here is composed from model metadata (table and column names) and constant
fragments only; every value is a bound parameter (hence the S608 exemptions).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, NotAllowed
from warga.core.scoping import Actor
from warga.core.tasks import enqueue_on_commit
from warga.regions.models import Region
from warga.registry.models import Family, FamilyChange, FamilyMembership, Resident, ResidentChange

from . import reader
from .models import ImportBatch, ImportIssue, ImportMode, ImportStatus, StagedRow
from .validation import STAGE_FIELDS, Issue, RowChecker

logger = logging.getLogger(__name__)

IMPORT_CAPABILITY = "registry.import"
CHUNK = 10_000


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 3_000_000))


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 1024 * 1024 * 1024))


def max_issues() -> int:
    return int(getattr(settings, "IMPORT_MAX_ISSUES", 100_000))


STALE_AFTER = timedelta(minutes=30)

# --------------------------------------------------------------------------- upload


def _copy_and_hash(source: IO[bytes], target: IO[bytes], limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise InvalidInput(
                _("The file is larger than %(mb)d MB. Split it, for example one file per kecamatan.")
                % {"mb": limit // (1024 * 1024)},
                code="imports.too_large",
            )
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def import_create(*, actor: Actor, source: IO[bytes], file_name: str, mode: str) -> ImportBatch:
    """Check an uploaded file and queue it for import. Refuses bad files before anything is stored."""
    actor.require(IMPORT_CAPABILITY)
    if mode not in ImportMode.values:
        raise InvalidInput(_("Choose how to import: all or nothing, or the valid rows."), code="imports.mode")
    if not actor.area_code:
        raise NotAllowed(_("Your account has no area; ask the administrator."))
    area = Region.objects.get(code=actor.area_code)
    with tempfile.NamedTemporaryFile(prefix="warga-import-", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            sha256, size = _copy_and_hash(source, tmp, max_bytes())
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    try:
        info = reader.sniff(tmp_path, max_rows=max_rows())
        with transaction.atomic():
            batch = ImportBatch(
                file_name=Path(file_name or "import").name[:200],
                file_sha256=sha256,
                file_size=size,
                file_format=info.file_format,
                encoding=info.encoding,
                delimiter=info.delimiter,
                layout=info.layout,
                mode=mode,
                area=area,
                created_by=actor.user,
                rows_expected=info.rows_expected,
            )
            earlier = (
                ImportBatch.objects.filter(file_sha256=sha256, area=area, status=ImportStatus.PUBLISHED)
                .order_by("-finished_at")
                .first()
            )
            with tmp_path.open("rb") as handle:
                batch.file.save(f"{sha256[:16]}.{info.file_format}", File(handle), save=False)
            if earlier is not None:
                batch.status = ImportStatus.SKIPPED
                batch.finished_at = timezone.now()
                batch.message = _("This file was already imported (import #%(id)d). Nothing was changed.") % {
                    "id": earlier.pk
                }
            batch.save()
            audit_record(
                actor=actor,
                action="imports.batch.create",
                obj=batch,
                summary={
                    "format": info.file_format,
                    "rows": info.rows_expected,
                    "mode": mode,
                    "skipped": earlier is not None,
                },
            )
            if earlier is None:
                from .tasks import import_run_task

                enqueue_on_commit(import_run_task, batch.pk)
        return batch
    finally:
        tmp_path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- running


class _Issues:
    """Buffers issues and writes them in bulk, keeping at most `max_issues()` per batch."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.buffer: list[ImportIssue] = []
        self.total = 0
        self.stored = 0
        self.limit = max_issues()

    def pending(self) -> int:
        return len(self.buffer)

    def add(self, issue: Issue, *, flush: bool = True) -> None:
        self.total += 1
        if self.stored + len(self.buffer) < self.limit:
            self.buffer.append(
                ImportIssue(
                    batch=self.batch,
                    row_number=issue.row_number,
                    column=issue.column[:40],
                    code=issue.code[:40],
                    message=issue.message[:300],
                )
            )
        if flush and len(self.buffer) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            ImportIssue.objects.bulk_create(self.buffer, batch_size=2000)
            self.stored += len(self.buffer)
            self.buffer = []


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


# --------------------------------------------------------------------------- whole-file checks


def _within(column: str) -> str:
    """SQL: the region code in `column` lies inside the area given as two parameters."""
    return f"({column} = %s OR {column} LIKE %s)"


def _mark(
    batch: ImportBatch, rows: list[tuple[int, int]], issues: _Issues, column: str, code: str, message_of: Any
) -> None:
    """Mark staged rows (id, row_number) as invalid and record an issue for each."""
    if not rows:
        return
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 900):
        StagedRow.objects.filter(pk__in=ids[start : start + 900], has_error=False).update(has_error=True)
    for staged_id, row_number in rows:
        issues.add(Issue(row_number, column, code, message_of(staged_id)))


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _check_whole_file(batch: ImportBatch, issues: _Issues) -> None:
    b = batch.pk
    area = [batch.area_id, batch.area_id + ".%"]
    siak = batch.layout == "siak"
    col = {
        "nik": "NIK" if siak else "nik",
        "kk": "NO_KK" if siak else "kk_number",
        "rel": "STAT_HBKEL" if siak else "relationship",
        "birth": "TGL_LHR" if siak else "birth_date",
    }
    s = StagedRow._meta.db_table
    r = Resident._meta.db_table
    f = Family._meta.db_table
    before = StagedRow.objects.filter(batch_id=b, has_error=True).count()

    # The same NIK twice in the file: every later row is refused.
    rows = _fetch(
        f"SELECT s.id, s.row_number, d.first_row FROM {s} s JOIN (SELECT nik, MIN(row_number) AS first_row "  # noqa: S608
        f"FROM {s} WHERE batch_id = %s GROUP BY nik HAVING COUNT(*) > 1) d ON d.nik = s.nik "
        f"WHERE s.batch_id = %s AND s.row_number > d.first_row",
        [b, b],
    )
    first = {row[0]: row[2] for row in rows}
    _mark(
        batch,
        [(x[0], x[1]) for x in rows],
        issues,
        col["nik"],
        "nik_twice",
        lambda i: _("this NIK is also in row %(row)d") % {"row": first[i]},
    )

    # Residents already registered outside the officer's area, dead, or retired by a merge.
    rows = _fetch(
        f"SELECT s.id, s.row_number FROM {s} s JOIN {r} r ON r.nik = s.nik "  # noqa: S608
        f"WHERE s.batch_id = %s AND NOT {_within('r.desa_id')}",
        [b, *area],
    )
    _mark(
        batch,
        rows,
        issues,
        col["nik"],
        "outside_area",
        lambda i: _("this NIK is registered outside your area; it cannot be changed by this import"),
    )
    rows = _fetch(
        f"SELECT s.id, s.row_number FROM {s} s JOIN {r} r ON r.nik = s.nik "  # noqa: S608
        f"WHERE s.batch_id = %s AND r.life_status <> 'alive'",
        [b],
    )
    _mark(
        batch,
        rows,
        issues,
        col["nik"],
        "not_alive",
        lambda i: _("this NIK belongs to a resident recorded as deceased or moved out"),
    )
    retired = _retired_nik_rows(b)
    _mark(
        batch,
        retired,
        issues,
        col["nik"],
        "merged",
        lambda i: _("this NIK was retired when two records of the same person were merged"),
    )
    rows = _fetch(
        f"SELECT s.id, s.row_number FROM {s} s JOIN {f} f ON f.kk_number = s.kk_number "  # noqa: S608
        f"WHERE s.batch_id = %s AND NOT {_within('f.desa_id')}",
        [b, *area],
    )
    _mark(
        batch,
        rows,
        issues,
        col["kk"],
        "kk_outside_area",
        lambda i: _("this KK number is registered outside your area"),
    )

    # Families: exactly one head and one desa per KK, counting the head already registered.
    bad = _fetch(
        f"SELECT s.kk_number, SUM(CASE WHEN s.relationship = 'kepala' THEN 1 ELSE 0 END), "  # noqa: S608
        f"COUNT(DISTINCT s.desa_code) FROM {s} s WHERE s.batch_id = %s AND s.has_error = %s "
        f"GROUP BY s.kk_number HAVING SUM(CASE WHEN s.relationship = 'kepala' THEN 1 ELSE 0 END) <> 1 "
        f"OR COUNT(DISTINCT s.desa_code) > 1",
        [b, False],
    )
    family_errors: dict[str, str] = {}
    registered_heads = (
        set(
            Resident.objects.filter(
                family__kk_number__in=[x[0] for x in bad if x[1] == 0], relationship="kepala"
            ).values_list("family__kk_number", flat=True)
        )
        if bad
        else set()
    )
    for kk, heads, desas in bad:
        if desas > 1:
            family_errors[kk] = _("the rows of KK %(kk)s give different desa/kelurahan") % {"kk": kk}
        elif heads > 1:
            family_errors[kk] = _("KK %(kk)s has %(n)d heads of family; a family has exactly one") % {
                "kk": kk,
                "n": heads,
            }
        elif heads == 0 and kk not in registered_heads:
            family_errors[kk] = _("KK %(kk)s has no head of family (STAT_HBKEL KEPALA KELUARGA)") % {"kk": kk}
    # A new head for a KK whose registered head stays head.
    rows = _fetch(
        f"SELECT s.kk_number FROM {s} s JOIN {f} f ON f.kk_number = s.kk_number "  # noqa: S608
        f"JOIN {r} r ON r.family_id = f.id AND r.relationship = 'kepala' "
        f"WHERE s.batch_id = %s AND s.has_error = %s AND s.relationship = 'kepala' AND r.nik <> s.nik "
        f"AND NOT EXISTS (SELECT 1 FROM {s} s2 WHERE s2.batch_id = s.batch_id AND s2.nik = r.nik "
        f"AND (s2.relationship <> 'kepala' OR s2.kk_number <> s.kk_number))",
        [b, False],
    )
    for (kk,) in rows:
        family_errors.setdefault(
            kk, _("KK %(kk)s already has another head of family in the register") % {"kk": kk}
        )
    for kk, message in family_errors.items():
        members = list(
            StagedRow.objects.filter(batch_id=b, kk_number=kk, has_error=False).values_list(
                "id", "row_number"
            )
        )
        _mark(batch, members, issues, col["rel"], "family_structure", lambda i, m=message: m)

    # A child born before a parent, a parent born after the head.
    rows = _fetch(
        f"SELECT DISTINCT c.id, c.row_number FROM {s} c JOIN {s} p ON p.batch_id = c.batch_id "  # noqa: S608
        f"AND p.kk_number = c.kk_number AND p.relationship IN ('kepala', 'istri', 'suami') AND p.has_error = %s "
        f"WHERE c.batch_id = %s AND c.has_error = %s AND c.relationship = 'anak' AND c.birth_date <= p.birth_date",
        [False, b, False],
    )
    _mark(
        batch,
        rows,
        issues,
        col["birth"],
        "child_older_than_parent",
        lambda i: _("the child is born before a parent in the same KK"),
    )
    rows = _fetch(
        f"SELECT DISTINCT o.id, o.row_number FROM {s} o JOIN {s} h ON h.batch_id = o.batch_id "  # noqa: S608
        f"AND h.kk_number = o.kk_number AND h.relationship = 'kepala' AND h.has_error = %s "
        f"WHERE o.batch_id = %s AND o.has_error = %s AND o.relationship IN ('orang_tua', 'mertua') "
        f"AND o.birth_date >= h.birth_date",
        [False, b, False],
    )
    _mark(
        batch,
        rows,
        issues,
        col["birth"],
        "parent_younger_than_child",
        lambda i: _("a parent (ORANG TUA/MERTUA) is younger than the head of family"),
    )

    after = StagedRow.objects.filter(batch_id=b, has_error=True).count()
    ImportBatch.objects.filter(pk=b).update(rows_invalid=F("rows_invalid") + (after - before))


def _retired_nik_rows(batch_id: int) -> list[tuple[int, int]]:
    try:
        from warga.dedupe.models import ResidentMerge
    except ImportError:
        return []
    s, r, m = StagedRow._meta.db_table, Resident._meta.db_table, ResidentMerge._meta.db_table
    return [
        (row[0], row[1])
        for row in _fetch(
            f"SELECT s.id, s.row_number FROM {s} s JOIN {r} r ON r.nik = s.nik JOIN {m} m ON m.retired_id = r.id "  # noqa: S608
            f"WHERE s.batch_id = %s",
            [batch_id],
        )
    ]


# --------------------------------------------------------------------------- publishing

#: Resident fields an import may set, staged column -> resident column.
_RESIDENT_FROM_STAGE = {
    "nik": "nik", "full_name": "full_name", "name_key": "name_key", "birth_place": "birth_place",
    "birth_date": "birth_date", "sex": "sex", "religion": "religion", "marital_status": "marital_status",
    "occupation": "occupation", "education": "education", "blood_type": "blood_type", "citizenship": "citizenship",
    "father_name": "father_name", "mother_name": "mother_name", "desa_id": "desa_code", "rw": "rw", "rt": "rt",
    "address": "address", "relationship": "relationship", "ever_married": "ever_married",
}  # fmt: skip
#: Fields compared for an update; empty values in the file never erase what is registered.
_UPDATABLE = (
    "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status", "occupation", "education",
    "blood_type", "citizenship", "father_name", "mother_name", "desa_id", "rw", "rt", "address", "relationship",
)  # fmt: skip


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """SQL building {"key": [null, value], ...} on either database."""
    if connection.vendor == "postgresql":
        inner = ", ".join(f"'{k}', jsonb_build_array(NULL, {v})" for k, v in pairs)
        return f"jsonb_build_object({inner})"
    inner = ", ".join(f"'{k}', json_array(NULL, {v})" for k, v in pairs)
    return f"json_object({inner})"


def _insert_select(model: Any, values: dict[str, str], from_sql: str, params: list[Any]) -> int:
    """INSERT INTO model's table (every concrete column) SELECT ...; unset columns get their defaults."""
    now = timezone.now()
    columns, exprs, pre = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in values:
            exprs.append(values[field.attname])
        else:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default: Any = now
            else:
                default = field.get_default()
            if field.get_internal_type() == "JSONField":
                default = field.get_db_prep_value(default, connection)
            exprs.append("%s")
            pre.append(default)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {from_sql}"
    with connection.cursor() as cursor:
        # `values` hold column references and literals only, so the parameters are the
        # defaults (in column order) followed by those of the FROM clause.
        cursor.execute(sql, [*pre, *params])
        return cursor.rowcount


def publish_hook(stage: str, batch: ImportBatch) -> None:
    """Called between the steps of publishing; tests raise here to prove nothing half-done stays."""


@transaction.atomic
def _publish(batch: ImportBatch, *, actor: Actor) -> None:
    b = batch.pk
    s, f, r = StagedRow._meta.db_table, Family._meta.db_table, Resident._meta.db_table
    reason = _("Import #%(id)d") % {"id": b}
    family_top = Family.objects.aggregate(top=Max("pk"))["top"] or 0
    resident_top = Resident.objects.aggregate(top=Max("pk"))["top"] or 0
    today = timezone.localdate()
    if connection.vendor == "postgresql":
        # The staged rows are sorted by row number in memory rather than in temporary files.
        _raw("SET LOCAL work_mem = '64MB'", [])

    _insert_select(
        Family,
        {
            "kk_number": "s.kk_number",
            "desa_id": "s.desa_code",
            "rw": "s.rw",
            "rt": "s.rt",
            "address": "s.address",
        },
        f"FROM {s} s WHERE s.batch_id = %s AND s.kk_first = %s AND s.has_error = %s "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {f} f WHERE f.kk_number = s.kk_number)",
        [b, True, False],
    )
    families_created = Family.objects.filter(pk__gt=family_top).count()
    _family_history(family_top, actor=actor, reason=reason)
    publish_hook("families", batch)

    updated, unchanged = _update_existing(batch, actor=actor, reason=reason, today=today)
    publish_hook("updates", batch)

    select = {col: f"s.{stage}" for col, stage in _RESIDENT_FROM_STAGE.items()}
    select["family_id"] = "f.id"
    select["life_status"] = "'alive'"
    _insert_select(
        Resident,
        select,
        f"FROM {s} s JOIN {f} f ON f.kk_number = s.kk_number WHERE s.batch_id = %s AND s.has_error = %s "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {r} x WHERE x.nik = s.nik) ORDER BY s.row_number",
        [b, False],
    )
    created = Resident.objects.filter(pk__gt=resident_top)
    created_count = created.count()
    publish_hook("residents", batch)
    _raw(
        f"INSERT INTO {FamilyMembership._meta.db_table} (family_id, resident_id, relationship, started_on, "  # noqa: S608
        f"ended_on, end_reason) SELECT family_id, id, relationship, %s, NULL, '' FROM {r} WHERE id > %s",
        [today, resident_top],
    )
    _raw(
        f"INSERT INTO {ResidentChange._meta.db_table} (at, action, reason, changes, actor_id, event_id, resident_id) "  # noqa: S608
        f"SELECT %s, 'import', %s, "
        + _json_object(
            [
                ("nik", "nik"),
                ("full_name", "full_name"),
                ("birth_date", "birth_date"),
                ("sex", "sex"),
                ("desa", "desa_id"),
                ("family", "family_id"),
                ("relationship", "relationship"),
            ]
        )
        + f", %s, NULL, id FROM {r} WHERE id > %s",
        [timezone.now(), reason, actor.id, resident_top],
    )
    bounds = created.aggregate(first=Min("pk"), last=Max("pk"))
    ImportBatch.objects.filter(pk=b).update(
        status=ImportStatus.PUBLISHED,
        finished_at=timezone.now(),
        message=_("Imported: %(created)d new residents, %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": created_count, "updated": updated, "unchanged": unchanged},
        residents_created=created_count,
        residents_updated=updated,
        residents_unchanged=unchanged,
        families_created=families_created,
        first_resident_id=bounds["first"],
        last_resident_id=bounds["last"],
    )
    audit_record(
        actor=actor,
        action="imports.batch.published",
        obj=batch,
        summary={
            "created": created_count,
            "updated": updated,
            "unchanged": unchanged,
            "families_created": families_created,
            "invalid": batch.rows_invalid,
        },
    )
    if created_count:
        from warga.dedupe.tasks import dedupe_check_range_task

        enqueue_on_commit(dedupe_check_range_task, bounds["first"], bounds["last"])


def _raw(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _family_history(family_top: int, *, actor: Actor, reason: str) -> None:
    f = Family._meta.db_table
    _raw(
        f"INSERT INTO {FamilyChange._meta.db_table} (at, action, reason, changes, actor_id, event_id, family_id) "  # noqa: S608
        f"SELECT %s, 'import', %s, "
        + _json_object(
            [
                ("kk_number", "kk_number"),
                ("desa", "desa_id"),
                ("rw", "rw"),
                ("rt", "rt"),
                ("address", "address"),
            ]
        )
        + f", %s, NULL, id FROM {f} WHERE id > %s",
        [timezone.now(), reason, actor.id, family_top],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _update_existing(batch: ImportBatch, *, actor: Actor, reason: str, today: date) -> tuple[int, int]:
    """Upsert by NIK: registered residents get the file's values where they differ (history kept)."""
    s, r, f = StagedRow._meta.db_table, Resident._meta.db_table, Family._meta.db_table
    stage_cols = [_RESIDENT_FROM_STAGE[c] for c in _UPDATABLE]
    sql = (
        f"SELECT s.id, s.kk_number, {', '.join('s.' + c for c in stage_cols)}, r.id, r.family_id, fam.kk_number, "  # noqa: S608
        f"{', '.join('r.' + c for c in _UPDATABLE)}, r.ever_married FROM {s} s JOIN {r} r ON r.nik = s.nik "
        f"LEFT JOIN {f} fam ON fam.id = r.family_id "
        f"WHERE s.batch_id = %s AND s.has_error = %s AND s.id > %s ORDER BY s.id"
    )
    n = len(_UPDATABLE)
    updated = unchanged = 0
    last = 0
    history: list[ResidentChange] = []
    while True:
        chunk = _fetch(sql + " LIMIT 2000", [batch.pk, False, last])
        if not chunk:
            break
        # Heads last, so a family is never left with two heads between two updates.
        chunk.sort(key=lambda row: row[2 + _UPDATABLE.index("relationship")] == "kepala")
        for row in chunk:
            last = max(last, row[0])
            kk = row[1]
            new = dict(zip(_UPDATABLE, row[2 : 2 + n], strict=True))
            resident_id, current_kk = row[2 + n], row[4 + n]
            old = dict(zip(_UPDATABLE, row[5 + n : 5 + 2 * n], strict=True))
            was_married = bool(row[5 + 2 * n])
            changes: dict[str, Any] = {}
            for field in _UPDATABLE:
                value = new[field]
                if value in ("", None):
                    continue
                if isinstance(old[field], str) and isinstance(value, date):
                    value = value.isoformat()
                if _plain(old[field]) != _plain(value):
                    changes[field] = [_plain(old[field]), _plain(value)]
            moved = kk != current_kk
            if not changes and not moved:
                unchanged += 1
                continue
            values: dict[str, Any] = {k: new[k] for k in changes}
            if "full_name" in values:
                from warga.registry.names import name_key

                values["name_key"] = name_key(values["full_name"])[:120]
            if "marital_status" in values and values["marital_status"] != "belum_kawin":
                values["ever_married"] = True
            elif was_married:
                values.pop("ever_married", None)
            if moved:
                family = Family.objects.get(kk_number=kk)
                values["family_id"] = family.pk
                FamilyMembership.objects.filter(resident_id=resident_id, ended_on__isnull=True).update(
                    ended_on=today, end_reason="import"
                )
                FamilyMembership.objects.create(
                    family_id=family.pk,
                    resident_id=resident_id,
                    relationship=new["relationship"] or "lainnya",
                    started_on=today,
                )
                changes["family"] = [current_kk, kk]
            Resident.objects.filter(pk=resident_id).update(
                **values, version=F("version") + 1, updated_at=timezone.now()
            )
            history.append(
                ResidentChange(
                    resident_id=resident_id,
                    actor=actor.user,
                    action="import",
                    reason=reason[:300],
                    changes=changes,
                )
            )
            updated += 1
        if len(history) >= 2000:
            ResidentChange.objects.bulk_create(history)
            history = []
    ResidentChange.objects.bulk_create(history)
    return updated, unchanged


# --------------------------------------------------------------------------- housekeeping


def imports_purge_stale() -> int:
    """Batches whose worker died (no heartbeat for 30 minutes) are failed and their staging emptied."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        ImportBatch.objects.filter(
            status__in=[ImportStatus.VALIDATING, ImportStatus.PUBLISHING], heartbeat_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        ImportBatch.objects.filter(pk=pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=_("The import stopped before it finished; nothing was imported. Upload the file again."),
        )
        StagedRow.objects.filter(batch_id=pk).delete()
    return len(stale)


# --------------------------------------------------------------------------- reports


def issues_csv(batch: ImportBatch) -> Iterator[str]:
    """The error report: row, column, message (in the language active now for file-level text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Code"), _("Message")])
    yield "\ufeff" + buffer.getvalue()
    for issue in batch.issues.order_by("row_number", "id").iterator(chunk_size=5000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([issue.row_number, issue.column, issue.code, issue.message])
        yield buffer.getvalue()


@dataclass(frozen=True)
class ImportSummary:
    batch: ImportBatch
    issues_shown: list[ImportIssue]
