"""Step 3: publishing staged rows into the register in one transaction, set-based.

The SQL is composed from model metadata and constant fragments only; every value is a bound
parameter (hence the S608 exemptions).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.scoping import Actor
from warga.core.tasks import enqueue_on_commit
from warga.registry.models import Family, FamilyChange, FamilyMembership, Resident, ResidentChange

from ..models import ImportBatch, ImportStatus, StagedRow
from .checks import _fetch

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
