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

Each step lives in its own module (upload, running, checks, publishing); this package
re-exports the public names, so callers import from `warga.imports.services`.
"""

from __future__ import annotations

from ._common import IMPORT_CAPABILITY, max_issues, max_rows
from .housekeeping import STALE_AFTER, imports_purge_stale
from .publishing import publish_hook
from .reports import ImportSummary, issues_csv
from .running import CHUNK, import_run
from .upload import import_create, max_bytes

__all__ = [
    "CHUNK",
    "IMPORT_CAPABILITY",
    "STALE_AFTER",
    "ImportSummary",
    "import_create",
    "import_run",
    "imports_purge_stale",
    "issues_csv",
    "max_bytes",
    "max_issues",
    "max_rows",
    "publish_hook",
]
