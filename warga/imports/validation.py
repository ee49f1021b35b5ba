"""Checks of one row, without the database: everything is looked up in tables loaded once.

The checks that need other rows (one head per KK, a child older than a parent, the same
NIK twice, records outside the officer's area) run later in SQL on the staging table.
Messages are in the active language and name the value, not the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from warga.regions.models import Region, RegionLevel
from warga.registry.identity import check_kk, check_nik
from warga.registry.names import name_key

from . import layouts
from .reader import cell_text

OLDEST = date(1880, 1, 1)
_NAME_RE = re.compile(r"^[^\W\d_][\w .,'`’\-]*$", re.UNICODE)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%y", "%d/%m/%y")


@dataclass(frozen=True)
class Issue:
    row_number: int
    column: str
    code: str
    message: str


class RowChecker:
    """Turns raw cells into the values of a StagedRow, or says what is wrong with them."""

    def __init__(self, *, columns: dict[str, int], layout: str, area_code: str, today: date | None = None):
        self.columns = columns
        self.layout = layout
        self.today = today or timezone.localdate()
        self.area_code = area_code
        regions = Region.objects.filter(level__lte=RegionLevel.DESA)
        self.kecamatan: dict[str, str] = {}
        self.regions_plain: set[str] = set()
        self.desa: set[str] = set()
        names: dict[str, list[str]] = {}
        for code, plain, level, name in regions.values_list("code", "code_plain", "level", "name"):
            if level == RegionLevel.KECAMATAN:
                self.kecamatan[plain] = code
            if level in (RegionLevel.KABUPATEN, RegionLevel.KECAMATAN):
                self.regions_plain.add(plain)
            if level == RegionLevel.DESA and (code == area_code or code.startswith(area_code + ".")):
                self.desa.add(code)
                names.setdefault(layouts.normal_header(name), []).append(code)
        self.desa_names = names
        self._choices: dict[int, dict[str, str]] = {}

    def header(self, field: str) -> str:
        siak, simple, _others = layouts.COLUMNS[field]
        return siak if self.layout == "siak" else simple

    def _cell(self, cells: list[Any], field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cell_text(cells[index])

    def _date(self, raw: Any) -> date | None:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = cell_text(raw)
        match = _DMY.fullmatch(text)
        if match:  # the usual DD-MM-YYYY, without strptime's cost
            try:
                return date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                return None
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        return None

    def _desa(self, cells: list[Any], issues: list[Issue], number: int) -> str:
        code = self._cell(cells, "desa_code")
        if not code and "no_kel" in self.columns:
            parts = [self._cell(cells, f) for f in ("no_prop", "no_kab", "no_kec", "no_kel")]
            if all(p.isdigit() for p in parts):
                code = f"{int(parts[0]):02d}.{int(parts[1]):02d}.{int(parts[2]):02d}.{int(parts[3]):04d}"
        if code:
            if "." not in code and code.isdigit() and len(code) == 10:
                code = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
            if code in self.desa:
                return code
            issues.append(
                Issue(
                    number,
                    self.header("desa_code"),
                    "unknown_desa",
                    _("desa/kelurahan code %(code)s is unknown or outside your area") % {"code": code[:24]},
                )
            )
            return ""
        name = self._cell(cells, "desa_name")
        if not name:
            issues.append(
                Issue(number, self.header("desa_code"), "required", _("the desa/kelurahan is missing"))
            )
            return ""
        found = self.desa_names.get(layouts.normal_header(name), [])
        if len(found) == 1:
            return found[0]
        message = (
            _("desa/kelurahan %(name)s is not in your area")
            if not found
            else _("several desa/kelurahan in your area are called %(name)s; give KODE_DESA")
        ) % {"name": name[:60]}
        issues.append(Issue(number, self.header("desa_name"), "unknown_desa", message))
        return ""

    def _name(self, cells: list[Any], field: str, issues: list[Issue], number: int, *, required: bool) -> str:
        text = " ".join(self._cell(cells, field).split())
        if not text:
            if required:
                issues.append(Issue(number, self.header(field), "required", _("the name is missing")))
            return ""
        if len(text) > 120 or not _NAME_RE.match(text):
            issues.append(
                Issue(
                    number,
                    self.header(field),
                    "invalid_name",
                    _("a name may contain letters, spaces and . , ' - only"),
                )
            )
        return text

    def _choice(
        self,
        cells: list[Any],
        field: str,
        table: dict[str, str],
        issues: list[Issue],
        number: int,
        *,
        default: str | None = None,
    ) -> str:
        raw = self._cell(cells, field)
        if not raw:
            if default is None:
                issues.append(
                    Issue(number, self.header(field), "required", _("this column must be filled in"))
                )
                return ""
            return default
        cache = self._choices.setdefault(id(table), {})
        value = cache.get(raw)
        if value is None:
            value = layouts.lookup(table, raw)
            if value is not None and len(cache) < 1000:
                cache[raw] = value
        if value is None:
            issues.append(
                Issue(
                    number,
                    self.header(field),
                    "invalid_choice",
                    _("%(value)s is not a known value for this column") % {"value": raw[:40]},
                )
            )
            return default or ""
        return value

    def _small(self, cells: list[Any], field: str, issues: list[Issue], number: int) -> int | None:
        raw = self._cell(cells, field)
        if not raw:
            return None
        if raw.isdigit() and 1 <= int(raw) <= 999:
            return int(raw)
        issues.append(Issue(number, self.header(field), "invalid", _("must be a number from 1 to 999")))
        return None

    def check(self, number: int, cells: list[Any]) -> tuple[dict[str, Any] | None, list[Issue]]:
        issues: list[Issue] = []
        full_name = self._name(cells, "full_name", issues, number, required=True)
        sex = self._choice(cells, "sex", layouts.SEX, issues, number)
        birth_raw = cells[self.columns["birth_date"]] if self.columns["birth_date"] < len(cells) else ""
        birth_date = self._date(birth_raw)
        if birth_date is None:
            shown = cell_text(birth_raw)
            issues.append(
                Issue(
                    number,
                    self.header("birth_date"),
                    "invalid_date",
                    _("date of birth %(value)s is not a date (use DD-MM-YYYY)") % {"value": shown[:20]}
                    if shown
                    else _("date of birth is missing"),
                )
            )
        elif birth_date > self.today:
            issues.append(
                Issue(number, self.header("birth_date"), "future_date", _("date of birth is in the future"))
            )
        elif birth_date < OLDEST:
            issues.append(
                Issue(
                    number,
                    self.header("birth_date"),
                    "impossible_date",
                    _("date of birth is too far in the past"),
                )
            )
        nik = self._cell(cells, "nik").replace(" ", "")
        result = check_nik(
            nik,
            kecamatan_lookup=self.kecamatan.get,
            sex=sex or None,
            birth_date=birth_date if birth_date and birth_date <= self.today else None,
            today=self.today,
        )
        for error in result.errors:
            issues.append(
                Issue(number, self.header("nik"), error.code.replace("nik.", "nik_"), error.message)
            )
        kk = self._cell(cells, "kk_number").replace(" ", "")
        kk_result = check_kk(kk, region_lookup=self.regions_plain.__contains__, today=self.today)
        for error in kk_result.errors:
            issues.append(
                Issue(number, self.header("kk_number"), error.code.replace("kk.", "kk_"), error.message)
            )
        relationship = self._choice(cells, "relationship", layouts.RELATIONSHIP, issues, number)
        religion = self._choice(cells, "religion", layouts.RELIGION, issues, number, default="")
        marital = self._choice(
            cells, "marital_status", layouts.MARITAL, issues, number, default="belum_kawin"
        )
        education = self._choice(cells, "education", layouts.EDUCATION, issues, number, default="")
        blood = self._choice(cells, "blood_type", layouts.BLOOD, issues, number, default="")
        citizenship = self._choice(cells, "citizenship", layouts.CITIZENSHIP, issues, number, default="WNI")
        father = self._name(cells, "father_name", issues, number, required=False)
        mother = self._name(cells, "mother_name", issues, number, required=False)
        desa = self._desa(cells, issues, number)
        rw = self._small(cells, "rw", issues, number)
        rt = self._small(cells, "rt", issues, number)
        if issues:
            return None, issues
        return {
            "row_number": number, "nik": result.nik, "kk_number": kk, "full_name": full_name,
            "name_key": _key(full_name), "birth_place": " ".join(self._cell(cells, "birth_place").split())[:80],
            "birth_date": birth_date, "sex": sex, "religion": religion, "marital_status": marital,
            "occupation": " ".join(self._cell(cells, "occupation").split())[:80], "education": education,
            "blood_type": blood, "citizenship": citizenship, "father_name": father, "mother_name": mother,
            "relationship": relationship, "desa_code": desa, "rw": rw, "rt": rt,
            "address": " ".join(self._cell(cells, "address").split())[:200], "ever_married": marital != "belum_kawin",
        }, []  # fmt: skip


_KEYS: dict[str, str] = {}


def _key(full_name: str) -> str:
    # Names repeat a great deal in a kabupaten; a bounded cache keeps key computation cheap.
    key = _KEYS.get(full_name)
    if key is None:
        key = name_key(full_name)[:120]
        if len(_KEYS) > 200_000:
            _KEYS.clear()
        _KEYS[full_name] = key
    return key
