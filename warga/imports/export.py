"""Exports of residents within the officer's scope, in the SIAK layout the import reads back.

An export round-trips: importing it again changes nothing. CSV streams row by row; XLSX
is written by openpyxl in write-only mode to a temporary file, then streamed.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput
from warga.core.scoping import Actor, scoped
from warga.regions.models import Region
from warga.registry.models import Resident

from .layouts import COLUMNS, SIAK_WORDS, TEMPLATE_FIELDS

EXPORT_CAPABILITY = "registry.export"
EXPORT_FIELDS = (*(f for f in TEMPLATE_FIELDS if f != "desa_name"), "desa_name")
HEADERS = [COLUMNS[f][0] for f in EXPORT_FIELDS]


@dataclass(frozen=True)
class ExportFilters:
    area_code: str
    sex: str = ""
    life_status: str = "alive"
    min_age: int | None = None
    max_age: int | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "area": self.area_code,
            "sex": self.sex,
            "life_status": self.life_status,
            "min_age": self.min_age,
            "max_age": self.max_age,
        }


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def export_queryset(*, actor: Actor, filters: ExportFilters) -> QuerySet[Resident]:
    actor.require(EXPORT_CAPABILITY)
    if not Region.objects.filter(code=filters.area_code).exists() or not actor.covers(filters.area_code):
        raise InvalidInput(_("Choose an area inside your own area."), code="imports.export_area")
    qs = scoped(Resident.objects.all(), actor).filter(desa__within=filters.area_code)
    if filters.life_status:
        qs = qs.filter(life_status=filters.life_status)
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    today = timezone.localdate()
    if filters.min_age is not None:
        qs = qs.filter(birth_date__lte=_years_ago(today, filters.min_age))
    if filters.max_age is not None:
        qs = qs.filter(birth_date__gt=_years_ago(today, filters.max_age + 1))
    try:
        from warga.dedupe.models import ResidentMerge  # noqa: F401 - retired records are not exported

        qs = qs.filter(merge_record__isnull=True)
    except ImportError:
        pass
    return qs.order_by("desa_id", "family__kk_number", "id")


def _rows(qs: QuerySet[Resident]) -> Iterator[list[Any]]:
    values = qs.values_list(
        "nik", "family__kk_number", "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status",
        "occupation", "education", "blood_type", "father_name", "mother_name", "relationship", "address", "rt",
        "rw", "desa_id", "desa__name",
    )  # fmt: skip
    words = SIAK_WORDS
    for row in values.iterator(chunk_size=5000):
        (nik, kk, name, place, born, sex, religion, marital, occupation, education, blood, father, mother,
         relationship, address, rt, rw, desa, desa_name) = row  # fmt: skip
        yield [
            nik, kk or "", name, place, born.strftime("%d-%m-%Y"), words["sex"].get(sex, sex),
            words["religion"].get(religion, ""), words["marital_status"].get(marital, ""), occupation,
            words["education"].get(education, ""), blood or "TIDAK TAHU", father, mother,
            words["relationship"].get(relationship, ""), address, f"{rt:03d}" if rt else "",
            f"{rw:03d}" if rw else "", desa, desa_name,
        ]  # fmt: skip


def export_csv(*, actor: Actor, filters: ExportFilters) -> Iterator[str]:
    qs = export_queryset(actor=actor, filters=filters)
    audit_record(
        actor=actor,
        action="registry.resident.export",
        object_type="registry.resident",
        summary={"format": "csv", "rows": qs.count(), **filters.summary()},
    )
    return _csv_lines(qs)


def _csv_lines(qs: QuerySet[Resident]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    yield "\ufeff" + buffer.getvalue()
    for row in _rows(qs):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


def export_xlsx(*, actor: Actor, filters: ExportFilters) -> IO[bytes]:
    """Writes the workbook to a temporary file (write-only mode: constant memory) and returns it."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    qs = export_queryset(actor=actor, filters=filters)
    audit_record(
        actor=actor,
        action="registry.resident.export",
        object_type="registry.resident",
        summary={"format": "xlsx", "rows": qs.count(), **filters.summary()},
    )
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Penduduk")
    sheet.append(HEADERS)
    for row in _rows(qs):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "@"  # NIK and KK stay text: Excel would round 16 digits
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return out


def template_csv() -> str:
    example = ["3214010101900001", "3214010101150001", "Asep Saepudin", "Purwakarta", "01-01-1990", "LAKI-LAKI",
               "ISLAM", "KAWIN", "WIRASWASTA", "SLTA/SEDERAJAT", "O", "Dadang Sudrajat", "Euis Kartini",
               "KEPALA KELUARGA", "Kp. Babakan", "001", "002", "32.14.01.1001", ""]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerow(example)
    return "\ufeff" + buffer.getvalue()


def template_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Penduduk"
    rows = list(csv.reader(io.StringIO(template_csv().lstrip("\ufeff"))))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.number_format = "@"
    for c in range(1, len(HEADERS) + 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def household_rows(households: Any) -> Iterator[list[str]]:
    """SIAK-layout rows for synthetic households (test files, benchmark files, demo files)."""
    words = SIAK_WORDS
    for h in households:
        for p in h.members:
            yield [
                p.nik, h.kk_number, p.full_name, p.birth_place, p.birth_date.strftime("%d-%m-%Y"),
                words["sex"][p.sex], words["religion"].get(p.religion, ""), words["marital_status"][p.marital_status],
                p.occupation, words["education"].get(p.education, ""), p.blood_type or "TIDAK TAHU", p.father_name,
                p.mother_name, words["relationship"][p.relationship], h.address, f"{h.rt:03d}", f"{h.rw:03d}",
                h.desa_code, "",
            ]  # fmt: skip
