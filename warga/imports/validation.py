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

from warga.core.scoping import code_within
from warga.regions.models import Region, RegionLevel
from warga.registry import rules
from warga.registry.names import name_key
from warga.registry.rules import RuleError

from . import layouts
from .reader import cell_text

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
            if level == RegionLevel.DESA and code_within(code, area_code):
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
        try:
            return rules.person_name(
                self._cell(cells, field), field=field, label=_NAME_LABELS[field](), required=required
            )
        except RuleError as error:
            issues.append(Issue(number, self.header(field), error.code, error.message))
            return ""

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
        try:
            return rules.rt_rw(self._cell(cells, field), field=field, label=field.upper())
        except RuleError as error:
            issues.append(Issue(number, self.header(field), error.code, error.message))
            return None

    def check(self, number: int, cells: list[Any]) -> tuple[dict[str, Any] | None, list[Issue]]:
        """The row's staged values by field, or None and every problem found in it."""
        row = self._fast(number, cells)
        if row is not None:
            return dict(zip(STAGE_FIELDS, row, strict=True)), []
        return self._check_slow(number, cells)

    def check_row(self, number: int, cells: list[Any]) -> tuple[tuple[Any, ...] | None, list[Issue]]:
        """As `check`, with the values as a tuple in `STAGE_FIELDS` order (what staging writes)."""
        row = self._fast(number, cells)
        if row is not None:
            return row, []
        values, issues = self._check_slow(number, cells)
        if values is None:
            return None, issues
        return tuple(values[f] for f in STAGE_FIELDS), []

    def _check_slow(self, number: int, cells: list[Any]) -> tuple[dict[str, Any] | None, list[Issue]]:
        """Every check, one by one, collecting every issue: the reference `_fast` must agree with."""
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
        else:
            try:
                rules.birth_date(birth_date, today=self.today)
            except RuleError as error:
                issues.append(Issue(number, self.header("birth_date"), error.code, error.message))
                birth_date = None
        nik = ""
        try:
            nik = rules.nik(
                self._cell(cells, "nik"),
                kecamatan_lookup=self.kecamatan.get,
                sex=sex or None,
                birth_date=birth_date,
                today=self.today,
            )
        except RuleError as error:
            for problem in error.problems:
                issues.append(
                    Issue(number, self.header("nik"), problem.code.replace("nik.", "nik_"), problem.message)
                )
        kk = ""
        try:
            kk = rules.kk_number(
                self._cell(cells, "kk_number"),
                region_lookup=self.regions_plain.__contains__,
                today=self.today,
            )
        except RuleError as error:
            for problem in error.problems:
                issues.append(
                    Issue(
                        number, self.header("kk_number"), problem.code.replace("kk.", "kk_"), problem.message
                    )
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
            "row_number": number, "nik": nik, "kk_number": kk, "full_name": full_name,
            "name_key": _key(full_name), "birth_place": _text(self._cell(cells, "birth_place"), "birth_place"),
            "birth_date": birth_date, "sex": sex, "religion": religion, "marital_status": marital,
            "occupation": _text(self._cell(cells, "occupation"), "occupation"), "education": education,
            "blood_type": blood, "citizenship": citizenship, "father_name": father, "mother_name": mother,
            "relationship": relationship, "desa_code": desa, "rw": rw, "rt": rt,
            "address": _text(self._cell(cells, "address"), "address"), "ever_married": marital != "belum_kawin",
        }, []  # fmt: skip

    # ------------------------------------------------------------------ the common case, quickly
    #
    # Most rows of a real file are valid and repeat the same few words, dates, KK numbers and
    # names. `_fast` accepts a row only when every value is one that the checks in
    # `_check_slow` accept, and gives exactly the values `_check_slow` would; at the first
    # doubt it returns None and the row goes through `_check_slow`, which finds and words
    # every issue. The caches hold accepted values only, each bounded.

    def _prepare_fast(self) -> None:
        # Column positions; a missing column points at the "" appended to every row's texts.
        self._fx = {f: (-1 if self.columns.get(f) is None else self.columns[f]) for f in layouts.COLUMNS}
        self._fx_width = 1 + max(self.columns.values(), default=0)
        self._fx_usable = all(f in self.columns for f in ("full_name", "sex", "birth_date", "nik"))
        # Accepted words per column; an empty cell gives the column's default where it has one.
        self._fx_choice: dict[str, dict[str, str]] = {f: {} for f in _CHOICE_TABLES}
        for field, default in _CHOICE_DEFAULTS.items():
            self._fx_choice[field][""] = default
        self._fx_names: dict[str, str] = {}
        self._fx_dates: dict[str, date] = {}
        self._fx_kk: set[str] = set()
        self._fx_small: dict[str, int] = {}
        self._fx_desa: dict[str, str] = {}
        self._fx_nik_date: dict[tuple[date, str], str] = {}
        # A birth date whose own year is one of the two centuries a NIK's YY is read in.
        self._fx_first_year = self.today.year // 100 * 100 - 100

    def _fx_pick(self, field: str, raw: str) -> str | None:
        """A word not seen yet in this column: its value, or None when `_choice` would refuse it."""
        if not raw:
            return None  # a required column (the others have their default cached)
        value = layouts.lookup(_CHOICE_TABLES[field], raw)
        cache = self._fx_choice[field]
        if value is not None and len(cache) < 2000:
            cache[raw] = value
        return value

    def _fx_name(self, raw: str) -> str | None:
        """A name as `_name` writes it, or None when `_name` would report it."""
        try:
            text = rules.person_name(raw, required=False)
        except RuleError:
            return None
        if len(self._fx_names) > 200_000:
            self._fx_names.clear()
        self._fx_names[raw] = text
        return text

    def _fast(self, number: int, cells: list[Any]) -> tuple[Any, ...] | None:  # noqa: C901
        # The bulk import's hot path: every field checked inline, with no call per cell.
        if not hasattr(self, "_fx"):
            self._prepare_fast()
        if len(cells) < self._fx_width or not self._fx_usable:
            return None
        t = [c.strip() if type(c) is str else cell_text(c) for c in cells]
        t.append("")
        ix = self._fx
        names = self._fx_names
        raw = t[ix["full_name"]]
        full_name = names.get(raw)
        if full_name is None:
            full_name = self._fx_name(raw)
        if not full_name:
            return None
        choice = self._fx_choice
        raw = t[ix["sex"]]
        sex = choice["sex"].get(raw)
        if sex is None and (sex := self._fx_pick("sex", raw)) is None:
            return None
        raw_date = cells[ix["birth_date"]]
        if type(raw_date) is not str:
            return None
        birth_date = self._fx_dates.get(raw_date)
        if birth_date is None:
            parsed = self._date(raw_date)
            if parsed is None:
                return None
            try:
                rules.birth_date(parsed, today=self.today)
            except RuleError:
                return None
            if len(self._fx_dates) > 100_000:
                self._fx_dates.clear()
            birth_date = self._fx_dates[raw_date] = parsed
        # NIK: 16 digits, a known kecamatan, a serial other than 0000, and day (+40 for a
        # woman), month and YY equal to the given birth date whose year is in the two
        # centuries check_nik reads YY in. Anything else is left to check_nik.
        nik = t[ix["nik"]].replace(" ", "")
        if len(nik) != 16 or not nik.isascii() or not nik.isdigit() or nik[12:] == "0000":
            return None
        if nik[:6] not in self.kecamatan or birth_date.year < self._fx_first_year:
            return None
        expected = self._fx_nik_date.get((birth_date, sex))
        if expected is None:
            day = birth_date.day + (40 if sex == "F" else 0)
            expected = f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
            if len(self._fx_nik_date) > 100_000:
                self._fx_nik_date.clear()
            self._fx_nik_date[(birth_date, sex)] = expected
        if nik[6:12] != expected:
            return None
        kk = t[ix["kk_number"]].replace(" ", "")
        if kk not in self._fx_kk:
            try:
                rules.kk_number(kk, region_lookup=self.regions_plain.__contains__, today=self.today)
            except RuleError:
                return None
            if len(self._fx_kk) > 200_000:
                self._fx_kk.clear()
            self._fx_kk.add(kk)
        picked = []
        for field in _CHOICE_ORDER:
            raw = t[ix[field]]
            value = choice[field].get(raw)
            if value is None and (value := self._fx_pick(field, raw)) is None:
                return None
            picked.append(value)
        relationship, religion, marital, education, blood, citizenship = picked
        raw = t[ix["father_name"]]
        father = names.get(raw)
        if father is None and (father := self._fx_name(raw)) is None:
            return None
        raw = t[ix["mother_name"]]
        mother = names.get(raw)
        if mother is None and (mother := self._fx_name(raw)) is None:
            return None
        code = t[ix["desa_code"]]
        desa = self._fx_desa.get(code) if code else None
        if desa is None and (desa := self._fx_desa_of(cells, code, number)) is None:
            return None
        raw_rw, raw_rt = t[ix["rw"]], t[ix["rt"]]
        rw = self._fx_int(raw_rw) if raw_rw else None
        rt = self._fx_int(raw_rt) if raw_rt else None
        if (raw_rw and rw is None) or (raw_rt and rt is None):
            return None
        return (
            number, nik, kk, full_name, _key(full_name), _text(t[ix["birth_place"]], "birth_place"), birth_date,
            sex, religion, marital, _text(t[ix["occupation"]], "occupation"), education, blood, citizenship,
            father, mother, relationship, desa, rw, rt, _text(t[ix["address"]], "address"),
            marital != "belum_kawin",
        )  # fmt: skip

    def _fx_int(self, raw: str) -> int | None:
        """RW/RT as `_small` reads it, or None when `_small` would report it."""
        value = self._fx_small.get(raw)
        if value is None:
            try:
                value = rules.rt_rw(raw, field="rt")
            except RuleError:
                return None
            if value is not None and len(self._fx_small) < 10_000:
                self._fx_small[raw] = value
        return value

    def _fx_desa_of(self, cells: list[Any], code: str, number: int) -> str | None:
        """The desa as `_desa` finds it, or None when `_desa` would report a problem."""
        issues: list[Issue] = []
        found = self._desa(cells, issues, number)
        if issues or not found:
            return None
        if code and len(self._fx_desa) < 100_000:
            self._fx_desa[code] = found
        return found


_NAME_LABELS = {
    "full_name": lambda: _("Full name"),
    "father_name": lambda: _("Father's name"),
    "mother_name": lambda: _("Mother's name"),
}
_TEXT_LIMITS = {
    "birth_place": rules.BIRTH_PLACE_MAX_LENGTH,
    "occupation": rules.OCCUPATION_MAX_LENGTH,
    "address": rules.ADDRESS_MAX_LENGTH,
}


def _text(raw: str, field: str) -> str:
    return rules.free_text(raw, limit=_TEXT_LIMITS[field])


_CHOICE_TABLES = {
    "sex": layouts.SEX,
    "relationship": layouts.RELATIONSHIP,
    "religion": layouts.RELIGION,
    "marital_status": layouts.MARITAL,
    "education": layouts.EDUCATION,
    "blood_type": layouts.BLOOD,
    "citizenship": layouts.CITIZENSHIP,
}

_CHOICE_DEFAULTS = {
    "religion": "",
    "marital_status": "belum_kawin",
    "education": "",
    "blood_type": "",
    "citizenship": "WNI",
}
_CHOICE_ORDER = ("relationship", "religion", "marital_status", "education", "blood_type", "citizenship")

#: The staged values of a row, in the order `RowChecker.check_row` gives them.
STAGE_FIELDS = (
    "row_number", "nik", "kk_number", "full_name", "name_key", "birth_place", "birth_date", "sex", "religion",
    "marital_status", "occupation", "education", "blood_type", "citizenship", "father_name", "mother_name",
    "relationship", "desa_code", "rw", "rt", "address", "ever_married",
)  # fmt: skip

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
