"""The column layouts offices already use, and the words they write in each column.

Two layouts are read (see docs/import-format.md):

* ``siak``: the column names of a SIAK export (NIK, NO_KK, NAMA_LGKP, TGL_LHR, JENIS_KLMIN,
  AGAMA, STATUS_KAWIN, STAT_HBKEL, ... KODE_DESA or NAMA_DESA or NO_PROP/NO_KAB/NO_KEC/NO_KEL),
  with the values written as SIAK writes them (``LAKI-LAKI``, ``BELUM KAWIN``, ``KEPALA KELUARGA``);
* ``simple``: English column names (nik, kk_number, full_name, ...) for spreadsheets made by hand.

Values are accepted in either vocabulary in either layout: what matters is what they mean.
"""

from __future__ import annotations

import re

#: Canonical field -> (SIAK column, simple column, other accepted spellings)
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "nik": ("NIK", "nik", ()),
    "kk_number": ("NO_KK", "kk_number", ("NOKK", "NO_KK_", "KK")),
    "full_name": ("NAMA_LGKP", "full_name", ("NAMA", "NAMA_LENGKAP", "NAME")),
    "birth_place": ("TMPT_LHR", "birth_place", ("TEMPAT_LAHIR",)),
    "birth_date": ("TGL_LHR", "birth_date", ("TANGGAL_LAHIR", "TGL_LAHIR")),
    "sex": ("JENIS_KLMIN", "sex", ("JENIS_KELAMIN", "JK", "KELAMIN")),
    "religion": ("AGAMA", "religion", ()),
    "marital_status": ("STATUS_KAWIN", "marital_status", ("STAT_KWN", "STATUS_PERKAWINAN")),
    "occupation": ("PEKERJAAN", "occupation", ("JENIS_PKRJN",)),
    "education": ("PENDIDIKAN", "education", ("PDDK_AKH", "PENDIDIKAN_AKHIR")),
    "blood_type": ("GOL_DARAH", "blood_type", ("GOL_DRH", "GOLONGAN_DARAH")),
    "citizenship": ("KEWARGANEGARAAN", "citizenship", ("WNI_WNA",)),
    "father_name": ("NAMA_LGKP_AYAH", "father_name", ("NAMA_AYAH",)),
    "mother_name": ("NAMA_LGKP_IBU", "mother_name", ("NAMA_IBU",)),
    "relationship": ("STAT_HBKEL", "relationship", ("SHDK", "HUBUNGAN_KELUARGA", "STAT_HUB_KEL")),
    "address": ("ALAMAT", "address", ()),
    "rt": ("NO_RT", "rt", ("RT",)),
    "rw": ("NO_RW", "rw", ("RW",)),
    "desa_code": ("KODE_DESA", "desa_code", ("KODE_KEL", "KODE_WILAYAH", "KD_DESA")),
    "desa_name": ("NAMA_DESA", "desa_name", ("NAMA_KEL", "KELURAHAN", "DESA")),
    "no_prop": ("NO_PROP", "no_prop", ()),
    "no_kab": ("NO_KAB", "no_kab", ()),
    "no_kec": ("NO_KEC", "no_kec", ()),
    "no_kel": ("NO_KEL", "no_kel", ()),
}
REQUIRED = ("nik", "kk_number", "full_name", "birth_date", "sex", "relationship")
#: The order of the columns in the templates and in exports (siak layout).
TEMPLATE_FIELDS = (
    "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "religion", "marital_status",
    "occupation", "education", "blood_type", "father_name", "mother_name", "relationship", "address", "rt",
    "rw", "desa_code", "desa_name",
)  # fmt: skip

_HEADER_NORMAL = re.compile(r"[^A-Z0-9]+")


def normal_header(text: object) -> str:
    return _HEADER_NORMAL.sub("_", str(text or "").strip().upper()).strip("_")


_ALIASES: dict[str, str] = {}
for _field, (_siak, _simple, _others) in COLUMNS.items():
    for _name in (_siak, _simple, *_others):
        _ALIASES[normal_header(_name)] = _field


def map_header(cells: list[object]) -> tuple[dict[str, int], str, list[str]]:
    """Column index of each known field, the layout name, and the headers not understood."""
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    siak_hits = simple_hits = 0
    for i, cell in enumerate(cells):
        key = normal_header(cell)
        if not key:
            continue
        field = _ALIASES.get(key)
        if field is None:
            unknown.append(str(cell)[:40])
            continue
        mapping.setdefault(field, i)
        siak, simple = normal_header(COLUMNS[field][0]), normal_header(COLUMNS[field][1])
        if siak != simple:
            siak_hits += key == siak
            simple_hits += key == simple
    layout = "siak" if siak_hits >= simple_hits else "simple"
    return mapping, layout, unknown


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, words in pairs.items():
        out[_word(value)] = value
        for word in words:
            out[_word(word)] = value
    return out


_WORD_NORMAL = re.compile(r"[^A-Z0-9+]+")


def _word(text: object) -> str:
    return _WORD_NORMAL.sub(" ", str(text or "").upper()).strip()


SEX = _table({"M": ("LAKI-LAKI", "LAKI LAKI", "L", "LK", "PRIA", "MALE", "1"),
              "F": ("PEREMPUAN", "P", "PR", "WANITA", "W", "FEMALE", "2")})  # fmt: skip
RELIGION = _table({
    "islam": ("ISLAM", "1"), "kristen": ("KRISTEN", "PROTESTAN", "KRISTEN PROTESTAN", "2"),
    "katolik": ("KATOLIK", "KATHOLIK", "KRISTEN KATOLIK", "3"), "hindu": ("HINDU", "4"),
    "buddha": ("BUDHA", "BUDDHA", "5"), "konghucu": ("KONGHUCU", "KHONGHUCU", "KONG HU CU", "6"),
    "kepercayaan": ("KEPERCAYAAN", "KEPERCAYAAN TERHADAP TUHAN YME", "KEPERCAYAAN TERHADAP TUHAN YANG MAHA ESA",
                    "ALIRAN KEPERCAYAAN", "LAINNYA", "7"),
})  # fmt: skip
MARITAL = _table({
    "belum_kawin": ("BELUM KAWIN", "BELUM MENIKAH", "TIDAK KAWIN", "1"),
    "kawin": ("KAWIN", "MENIKAH", "KAWIN TERCATAT", "KAWIN BELUM TERCATAT", "KAWIN TIDAK TERCATAT", "2"),
    "cerai_hidup": ("CERAI HIDUP", "CERAI", "CERAI HIDUP TERCATAT", "CERAI HIDUP BELUM TERCATAT", "3"),
    "cerai_mati": ("CERAI MATI", "JANDA DUDA", "4"),
})  # fmt: skip
EDUCATION = _table({
    "tidak_sekolah": ("TIDAK BELUM SEKOLAH", "TIDAK SEKOLAH", "BELUM SEKOLAH", "1"),
    "belum_tamat_sd": ("BELUM TAMAT SD SEDERAJAT", "BELUM TAMAT SD", "TIDAK TAMAT SD", "2"),
    "sd": ("TAMAT SD SEDERAJAT", "TAMAT SD", "SD", "3"),
    "smp": ("SLTP SEDERAJAT", "SLTP", "SMP", "4"),
    "sma": ("SLTA SEDERAJAT", "SLTA", "SMA", "SMK", "5"),
    "d1_d2": ("DIPLOMA I II", "DIPLOMA I", "DIPLOMA II", "D1", "D2", "6"),
    "d3": ("AKADEMI DIPLOMA III S MUDA", "DIPLOMA III", "AKADEMI", "D3", "7"),
    "s1": ("DIPLOMA IV STRATA I", "STRATA I", "DIPLOMA IV", "S1", "D4", "8"),
    "s2": ("STRATA II", "S2", "9"), "s3": ("STRATA III", "S3", "10"),
})  # fmt: skip
BLOOD = _table({"A": ("A", "A+", "A-"), "B": ("B", "B+", "B-"), "AB": ("AB", "AB+", "AB-"),
                "O": ("O", "O+", "O-", "0"), "": ("TIDAK TAHU", "TIDAK DIKETAHUI", "-", "13")})  # fmt: skip
RELATIONSHIP = _table({
    "kepala": ("KEPALA KELUARGA", "KEPALA", "KK", "1"), "suami": ("SUAMI", "2"), "istri": ("ISTRI", "ISTERI", "3"),
    "anak": ("ANAK", "4"), "menantu": ("MENANTU", "5"), "cucu": ("CUCU", "6"), "orang_tua": ("ORANG TUA", "ORANGTUA", "7"),
    "mertua": ("MERTUA", "8"), "famili_lain": ("FAMILI LAIN", "FAMILI", "9"),
    "lainnya": ("LAINNYA", "PEMBANTU", "10", "11"),
})  # fmt: skip
CITIZENSHIP = _table({"WNI": ("WNI", "INDONESIA"), "WNA": ("WNA", "ASING")})

#: What exports write back: the SIAK word for each stored code.
SIAK_WORDS = {
    "sex": {"M": "LAKI-LAKI", "F": "PEREMPUAN"},
    "religion": {"islam": "ISLAM", "kristen": "KRISTEN", "katolik": "KATOLIK", "hindu": "HINDU", "buddha": "BUDHA",
                 "konghucu": "KONGHUCU", "kepercayaan": "KEPERCAYAAN TERHADAP TUHAN YME"},
    "marital_status": {"belum_kawin": "BELUM KAWIN", "kawin": "KAWIN", "cerai_hidup": "CERAI HIDUP",
                       "cerai_mati": "CERAI MATI"},
    "education": {"tidak_sekolah": "TIDAK/BELUM SEKOLAH", "belum_tamat_sd": "BELUM TAMAT SD/SEDERAJAT",
                  "sd": "TAMAT SD/SEDERAJAT", "smp": "SLTP/SEDERAJAT", "sma": "SLTA/SEDERAJAT",
                  "d1_d2": "DIPLOMA I/II", "d3": "AKADEMI/DIPLOMA III/S. MUDA", "s1": "DIPLOMA IV/STRATA I",
                  "s2": "STRATA II", "s3": "STRATA III"},
    "blood_type": {"": "TIDAK TAHU"},
    "relationship": {"kepala": "KEPALA KELUARGA", "suami": "SUAMI", "istri": "ISTRI", "anak": "ANAK",
                     "menantu": "MENANTU", "cucu": "CUCU", "orang_tua": "ORANG TUA", "mertua": "MERTUA",
                     "famili_lain": "FAMILI LAIN", "lainnya": "LAINNYA"},
}  # fmt: skip


def lookup(table: dict[str, str], value: object) -> str | None:
    return table.get(_word(value))
