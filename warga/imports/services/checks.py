"""The checks that need the whole file, run in SQL over the staging table.

The SQL is composed from model metadata and constant fragments only; every value is a bound
parameter (hence the S608 exemptions).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from warga.registry.models import Family, Resident

from ..models import ImportBatch, StagedRow
from ..validation import Issue
from ._common import _Issues


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
