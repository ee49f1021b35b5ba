"""Synthetic population: realistic residents and families for demos, tests and benchmarks.

Nothing here describes a real person. The generator builds households the way a
kabupaten in West or East Java looks in the register: a head with a wife and
children, widows living alone or with a grandchild, an elderly parent in the
house of a married son, a few Christian, Hindu and Buddhist families, Sundanese
names in Jawa Barat and Javanese names in Jawa Timur, modern Arabic names for
the young. Every NIK is structurally valid (real kecamatan code, birth date,
women's day + 40, a serial unique per kecamatan and date) and every KK number
starts with the kecamatan of its desa.

It streams: :func:`generate` yields one household at a time and keeps only
fixed-size counters, so a whole kabupaten (Cianjur, 2.6 million people) is
generated in constant memory. :class:`PopulationWriter` inserts households in
large batches: PostgreSQL ``COPY`` through psycopg, SQLite ``executemany`` in
big transactions. The same seed gives the same population.
"""

from __future__ import annotations

import bisect
import random
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from warga.registry.identity import make_nik
from warga.registry.names import name_key

# --------------------------------------------------------------------------- name pools

SUNDA_M = (
    "Asep", "Ujang", "Dadang", "Cecep", "Yayat", "Entis", "Dedi", "Deden", "Ade", "Agus", "Dede", "Endang",
    "Iwan", "Jajang", "Aang", "Dudung", "Engkos", "Odih", "Oman", "Usep", "Wawan", "Yana", "Yanto", "Ridwan",
    "Rahmat", "Iip", "Encep", "Dadan", "Kurnia", "Nandang", "Maman", "Apip", "Tatang", "Hendi", "Iman",
    "Jaja", "Mamat", "Nana", "Ajat", "Atep", "Eman", "Enjang", "Ruhiyat", "Koswara", "Didin", "Aceng",
    "Undang", "Yudi", "Sobari", "Iyus", "Dodi", "Asan", "Cahya", "Hilman", "Ilham", "Gugun", "Ayi",
)  # fmt: skip
SUNDA_F = (
    "Euis", "Iis", "Neneng", "Imas", "Nining", "Enok", "Eti", "Tati", "Yeti", "Lilis", "Eneng", "Enung",
    "Entin", "Elis", "Ai", "Nenden", "Popon", "Titin", "Yayah", "Ela", "Nia", "Rina", "Wiwin", "Yuyun",
    "Ikah", "Dedeh", "Iyah", "Onah", "Cicih", "Tuti", "Nurhayati", "Rohimah", "Siti", "Aas", "Cucu",
    "Ipah", "Oom", "Enah", "Aisyah", "Rosita", "Mimin", "Nunung", "Heni", "Ririn", "Eha", "Iah",
)  # fmt: skip
SUNDA_LAST_M = (
    "Saepudin", "Supriatna", "Sudrajat", "Suryana", "Hidayat", "Permana", "Kusnadi", "Sulaeman", "Nugraha",
    "Gunawan", "Setiawan", "Rukmana", "Kurniawan", "Hermawan", "Mulyana", "Sutisna", "Sopyan", "Rohman",
    "Suherman", "Jaenudin", "Kosasih", "Somantri", "Ruhimat", "Saepulloh", "Sukmana", "Hamdani", "Firdaus",
    "Maulana", "Rahmat", "Rusmana", "Sunandar", "Wahyudin", "Nurdin", "Zaenal", "Holid", "Apandi",
)  # fmt: skip
SUNDA_LAST_F = (
    "Suryani", "Rohaeni", "Kurniasih", "Mulyani", "Nurhasanah", "Rohayati", "Komalasari", "Sumiati",
    "Kartini", "Hasanah", "Aminah", "Maryam", "Rahmawati", "Yulianti", "Sukaesih", "Nurjanah", "Sulastri",
    "Handayani", "Juariah", "Robiah", "Halimah", "Sopiah", "Saadah", "Rosmiati", "Marlina", "Nuraeni",
)  # fmt: skip
JAWA_M = (
    "Slamet", "Sutrisno", "Budi", "Joko", "Bambang", "Agus", "Heru", "Suparman", "Sugeng", "Wahyu", "Eko",
    "Dwi", "Tri", "Bagus", "Hadi", "Sukirno", "Samsul", "Imam", "Rudi", "Yudi", "Purwanto", "Suwito",
    "Sunarto", "Mulyono", "Paimin", "Kasiman", "Mujiono", "Sumarno", "Teguh", "Arif", "Fajar", "Adi",
    "Catur", "Didik", "Gatot", "Hari", "Jumadi", "Kusno", "Nur", "Suyono", "Wagiman", "Sugiono", "Khoirul",
    "Abdulloh", "Moch.", "Achmad",
)  # fmt: skip
JAWA_F = (
    "Sri", "Siti", "Wahyuni", "Suminah", "Sulastri", "Sumarni", "Endang", "Tutik", "Ngatini", "Suparti",
    "Sunarsih", "Lestari", "Dewi", "Rini", "Yuli", "Ani", "Ratna", "Wulan", "Indah", "Puji", "Kasiyem",
    "Mariyam", "Nanik", "Umi", "Kusnul", "Titik", "Sumiati", "Winarti", "Sulistyowati", "Choiriyah",
    "Tumini", "Painem", "Sukarti", "Rukmini",
)  # fmt: skip
JAWA_LAST_M = (
    "Prasetyo", "Santoso", "Wibowo", "Susanto", "Hartono", "Purnomo", "Setiawan", "Nugroho", "Saputro",
    "Kurniawan", "Wijaya", "Hidayat", "Suprapto", "Riyadi", "Pranoto", "Utomo", "Widodo", "Sugiarto",
    "Haryono", "Cahyono", "Supriyadi", "Hariyanto", "Mulyadi", "Subagyo", "Sutikno", "Anwar", "Sholeh",
    "Rofiq", "Hasyim", "Mashuri",
)  # fmt: skip
JAWA_LAST_F = (
    "Rahayu", "Lestari", "Wulandari", "Handayani", "Susanti", "Astuti", "Ningsih", "Kurniawati",
    "Wahyuningsih", "Pratiwi", "Puspitasari", "Setyowati", "Mulyani", "Rahmawati", "Maslikah", "Fatimah",
    "Musyarofah", "Khoiriyah", "Muawanah", "Zulaikha",
)  # fmt: skip
MODERN_M = (
    "Muhammad", "Ahmad", "Rizky", "Fajar", "Aditya", "Ilham", "Fikri", "Raihan", "Farhan", "Arkan", "Zidan",
    "Alif", "Hafiz", "Rafi", "Naufal", "Dimas", "Akbar", "Iqbal", "Hasan", "Husein", "Yusuf", "Ibrahim",
    "Ismail", "Ali", "Umar", "Hamzah", "Rizal", "Reza", "Taufik", "Irfan", "Syaiful", "Abdullah",
    "Abdurrahman", "Fauzan", "Gilang", "Bayu", "Arya", "Galih", "Rangga", "Daffa", "Azka", "Athar",
    "Kenzie", "Rafka", "Zaki", "Haikal", "Fadli", "Dzaki", "Ramdan", "Firman",
)  # fmt: skip
MODERN_F = (
    "Siti", "Nur", "Aisyah", "Fatimah", "Zahra", "Nabila", "Aulia", "Salsabila", "Azzahra", "Khairunnisa",
    "Putri", "Anisa", "Dinda", "Nayla", "Alya", "Keisha", "Syifa", "Rahma", "Intan", "Dewi", "Ayu", "Fitri",
    "Nurul", "Laila", "Hana", "Zaskia", "Kayla", "Naura", "Aqila", "Zahira", "Annisa", "Hasna", "Rizka",
    "Amelia", "Citra", "Sri", "Mutiara", "Shafa", "Adinda", "Raisa", "Nadia", "Wulan", "Tiara",
)  # fmt: skip
MODERN_LAST_M = (
    "Ramadhan", "Pratama", "Saputra", "Maulana", "Hidayat", "Firmansyah", "Nugraha", "Permana",
    "Kurniawan", "Setiawan", "Fauzi", "Hakim", "Rahman", "Alfarizi", "Akbar", "Syahputra", "Al Fatih",
    "Ardiansyah", "Mubarok", "Hidayatullah", "Rizki", "Fadillah", "Azhari", "Nurdiansyah",
)  # fmt: skip
MODERN_LAST_F = (
    "Putri", "Lestari", "Rahmawati", "Nuraini", "Safitri", "Maharani", "Anggraini", "Azzahra", "Ramadhani",
    "Aprilia", "Febriani", "Oktaviani", "Kusuma", "Salsabila", "Nurhaliza", "Fitriani", "Amalia",
    "Khoerunnisa", "Nurfadilah", "Zahra",
)  # fmt: skip
CHRISTIAN_M = (
    "Yohanes", "Petrus", "Paulus", "Stefanus", "Yosef", "Markus", "Daniel", "Samuel", "Michael", "Andreas",
    "Fransiskus", "Antonius", "Robert", "Kevin", "Christian", "Gabriel", "Timotius", "Yakobus", "Benediktus",
    "Hendrik", "Jonathan", "Yosua",
)  # fmt: skip
CHRISTIAN_F = (
    "Maria", "Theresia", "Agnes", "Elisabeth", "Margaretha", "Veronika", "Yohana", "Kristina", "Debora",
    "Priskila", "Angela", "Grace", "Natalia", "Lidia", "Monika", "Christine", "Stefani", "Yuliana", "Ester",
)  # fmt: skip
CHRISTIAN_LAST = (
    "Simanjuntak", "Siregar", "Nainggolan", "Sitompul", "Hutapea", "Situmorang", "Pardede", "Manurung",
    "Santoso", "Wijaya", "Gunawan", "Kurniawan", "Setiawan", "Hartono", "Susanto", "Sinaga", "Tampubolon",
    "Lumbantobing", "Pakpahan", "Wenas",
)  # fmt: skip
BALI_ORDER_M = (("Wayan", "Putu", "Gede"), ("Made", "Kadek"), ("Nyoman", "Komang"), ("Ketut",))
BALI_GIVEN_M = (
    "Sudarsana", "Artawan", "Suarjana", "Budiarta", "Wirawan", "Adnyana", "Suartana", "Mahendra", "Darmawan",
    "Arsana", "Sudiarta", "Widiada",
)  # fmt: skip
BALI_GIVEN_F = (
    "Sari", "Ariani", "Suartini", "Wulandari", "Sukerti", "Astuti", "Widiastuti", "Sukarmi", "Yuliani",
    "Purnamasari", "Ratnadi",
)  # fmt: skip
CHINESE_M = (
    "Hendra",
    "Sugianto",
    "Budi",
    "Hartanto",
    "Wilson",
    "Johan",
    "Steven",
    "Rudy",
    "Kelvin",
    "Suwandi",
)
CHINESE_F = (
    "Linda",
    "Lily",
    "Susanti",
    "Meliana",
    "Yenny",
    "Fransiska",
    "Jessica",
    "Vivian",
    "Lanny",
    "Sherly",
)
CHINESE_LAST = (
    "Wijaya",
    "Halim",
    "Tanuwijaya",
    "Gunawan",
    "Kusuma",
    "Salim",
    "Lim",
    "Tan",
    "Hartono",
    "Santoso",
)

SUNDA_PLACES = (
    "Babakan", "Cibodas", "Sukamaju", "Cikaret", "Pasir Kaliki", "Cijedil", "Sindangsari", "Gunungsari",
    "Cipanas", "Sukasari", "Mekarsari", "Cimanggu", "Cibeber", "Pasirhalang", "Cikalong", "Sukaresmi",
    "Cisarua", "Margaluyu", "Sindanglaya", "Warungkondang", "Cilaku", "Tegallega", "Lembursitu", "Cigombong",
    "Pasanggrahan", "Bojong", "Kebon Kalapa", "Cibaregbeg", "Munjul", "Ciherang",
)  # fmt: skip
JAWA_PLACES = (
    "Krajan", "Kulon", "Wetan", "Lor", "Kidul", "Sumberejo", "Karanganyar", "Ngemplak", "Sidomulyo",
    "Tambakrejo", "Mojosari", "Kedungsari", "Banjarsari", "Sukorejo", "Plosorejo", "Ngrandu", "Pandanwangi",
)  # fmt: skip
BIRTH_PLACES_32 = ("Bandung", "Sukabumi", "Bogor", "Jakarta", "Garut", "Tasikmalaya", "Bekasi", "Karawang")
BIRTH_PLACES_35 = ("Surabaya", "Kediri", "Mojokerto", "Malang", "Nganjuk", "Lamongan", "Madiun", "Sidoarjo")
BIRTH_PLACES_OTHER = ("Jakarta", "Semarang", "Medan", "Denpasar", "Yogyakarta", "Palembang", "Makassar")

OCC_CHILD = "BELUM/TIDAK BEKERJA"
OCC_STUDENT = "PELAJAR/MAHASISWA"
OCC_HOUSEWIFE = "MENGURUS RUMAH TANGGA"
OCC_RETIRED = "PENSIUNAN"
OCC_ADULT_M = (
    ("PETANI/PEKEBUN", 20), ("WIRASWASTA", 18), ("BURUH HARIAN LEPAS", 14), ("KARYAWAN SWASTA", 14),
    ("BURUH TANI/PERKEBUNAN", 8), ("PEDAGANG", 7), ("SOPIR", 4), ("TUKANG BANGUNAN", 3),
    ("PEGAWAI NEGERI SIPIL (PNS)", 3), ("GURU", 2), ("BELUM/TIDAK BEKERJA", 4), ("PERANGKAT DESA", 1),
    ("KARYAWAN HONORER", 1), ("TNI", 0.5), ("POLRI", 0.5),
)  # fmt: skip
OCC_ADULT_F = (
    (OCC_HOUSEWIFE, 50), ("WIRASWASTA", 10), ("KARYAWAN SWASTA", 10), ("PEDAGANG", 8), ("PETANI/PEKEBUN", 6),
    ("BURUH HARIAN LEPAS", 5), ("GURU", 3), ("PEGAWAI NEGERI SIPIL (PNS)", 2), ("BELUM/TIDAK BEKERJA", 5),
    ("BIDAN", 0.5), ("PERAWAT", 0.5),
)  # fmt: skip

# Religion shares: BPS/Dukcapil figures for Jawa Barat and Jawa Timur, rounded.
RELIGION_SHARES = {
    "32": (("islam", 97.0), ("kristen", 1.9), ("katolik", 0.6), ("buddha", 0.4), ("hindu", 0.05), ("konghucu", 0.03),
           ("kepercayaan", 0.02)),
    "35": (("islam", 96.4), ("kristen", 1.9), ("katolik", 0.8), ("hindu", 0.5), ("buddha", 0.3), ("konghucu", 0.05),
           ("kepercayaan", 0.05)),
}  # fmt: skip
BLOOD_SHARES = (("", 45.0), ("O", 20.0), ("B", 16.0), ("A", 14.0), ("AB", 5.0))
PHONE_PREFIXES = (
    "811",
    "812",
    "813",
    "821",
    "822",
    "852",
    "853",
    "857",
    "858",
    "877",
    "878",
    "895",
    "896",
    "881",
)

#: Share of household types, and the mean members they add; tuned so that the mean household
#: is ~3.3 people, as in the 2020 census for rural Jawa Barat.
HOUSEHOLD_TYPES = (
    ("couple_children", 58.0),
    ("couple", 9.0),
    ("single_parent", 9.0),
    ("single", 8.0),
    ("extended", 16.0),
)
MAX_AGE = 98
#: Planted duplicates carry this kind of spelling variation of the original name.
_VARIANTS: tuple[tuple[str, str], ...] = (
    ("Muhammad", "Muhamad"), ("Muhammad", "Moch."), ("Ahmad", "Achmad"), ("Rizky", "Rizki"), ("y ", "i "),
    ("Siti", "Sitti"), ("u", "oe"), ("c", "tj"), ("oe", "u"), ("Nur ", "Nurul "), ("Abdul ", "Abd. "),
    ("Saepudin", "Saefudin"), ("Syaiful", "Saiful"), ("Khoirul", "Choirul"), ("ah", "a"), ("Ilham", "Ilhamm"),
)  # fmt: skip


def _cum(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    items, weights = zip(*pairs, strict=True)
    total, acc = 0.0, []
    for w in weights:
        total += w
        acc.append(total)
    return list(items), [a / total for a in acc]


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    items, cum = table
    return items[min(bisect.bisect_left(cum, rng.random()), len(items) - 1)]


_HOUSEHOLD = _cum(HOUSEHOLD_TYPES)
_BLOOD = _cum(BLOOD_SHARES)
_OCC_M = _cum(OCC_ADULT_M)
_OCC_F = _cum(OCC_ADULT_F)
_COUNT_CHILDREN = _cum([(1, 20), (2, 34), (3, 26), (4, 13), (5, 7)])
_RELIGION = {prov: _cum(shares) for prov, shares in RELIGION_SHARES.items()}


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Person:
    """One synthetic resident, before it gets database ids."""

    nik: str
    full_name: str
    sex: str
    birth_date: date
    birth_place: str
    religion: str
    marital_status: str
    relationship: str
    occupation: str
    education: str
    blood_type: str
    father_name: str
    mother_name: str
    ever_married: bool
    phone: str = ""
    phone_consent: bool = False


@dataclass(slots=True)
class Household:
    kk_number: str
    desa_code: str
    rw: int
    rt: int
    address: str
    issued_on: date
    members: list[Person] = field(default_factory=list)
    #: For a planted duplicate: the NIK of the original this record duplicates.
    duplicate_of: str = ""
    #: ... and the errors it carries ("typo+date+moved", see `Generator.duplicate_of`).
    duplicate_kind: str = ""


@dataclass(frozen=True)
class DesaPlan:
    code: str
    target: int  # people to generate in this desa
    rw_count: int
    places: tuple[str, ...]


class _SerialCounter:
    """Serials per (kecamatan, day, sex) in a fixed-size array: constant memory at any population."""

    def __init__(self, kecamatan_codes: Sequence[str], *, first_day: date, days: int, slots: int):
        self.index = {code: i for i, code in enumerate(kecamatan_codes)}
        self.first_day = first_day
        self.days = days
        self.slots = slots
        self.counts = array("H", bytes(2 * len(kecamatan_codes) * days * slots))

    def next(self, kecamatan_code: str, day: date, slot: int = 0) -> int:
        offset = (day - self.first_day).days
        if not 0 <= offset < self.days:
            raise ValueError(f"date {day} outside the generated range")
        i = (self.index[kecamatan_code] * self.days + offset) * self.slots + slot
        value = self.counts[i] + 1
        if value > 9999:
            raise ValueError("more than 9999 serials for one kecamatan and day")
        self.counts[i] = value
        return value


class PopulationGenerator:
    """Streams households for the given desa. Deterministic for a (plans, seed, today)."""

    def __init__(
        self,
        plans: Sequence[DesaPlan],
        *,
        seed: int,
        today: date,
        kabupaten_name: str,
        duplicate_rate: float = 0.0,
        phone_rate: float = 0.35,
    ):
        self.plans = plans
        self.rng = random.Random(seed)
        self.today = today
        self.kabupaten_name = kabupaten_name
        self.duplicate_rate = duplicate_rate
        self.phone_rate = phone_rate
        kecamatan = sorted({p.code.rsplit(".", 1)[0] for p in plans})
        self.kecamatan = kecamatan
        self.kecamatan_desa: dict[str, list[DesaPlan]] = {}
        for plan in plans:
            self.kecamatan_desa.setdefault(plan.code.rsplit(".", 1)[0], []).append(plan)
        self.first_birth = date(today.year - MAX_AGE - 1, 1, 1)
        self.nik_serials = _SerialCounter(
            kecamatan, first_day=self.first_birth, days=(today - self.first_birth).days + 1, slots=2
        )
        self.kk_first = date(today.year - 25, 1, 1)
        self.kk_serials = _SerialCounter(
            kecamatan, first_day=self.kk_first, days=(today - self.kk_first).days + 1, slots=1
        )
        self.phone_counter = 0
        self.phone_salt = self.rng.randrange(10**8)
        self.province = plans[0].code[:2] if plans else "32"
        self.religions = _RELIGION.get(self.province, _RELIGION["32"])
        self.people = 0
        self.duplicates = 0

    # ----------------------------------------------------------------- small pieces

    def _nik(self, kec: str, birth: date, sex: str) -> str:
        serial = self.nik_serials.next(kec, birth, 0 if sex == "M" else 1)
        return make_nik(kecamatan_code=kec, birth_date=birth, sex=sex, serial=serial)

    def _birth_kecamatan(self, home: str) -> str:
        return home if self.rng.random() < 0.86 else self.rng.choice(self.kecamatan)

    def _birth_date(self, age: int) -> date:
        # Any day of the year in which the person turns `age`, never in the future.
        latest = self.today - timedelta(days=365 * age)
        day = latest - timedelta(days=self.rng.randrange(365))
        return max(day, self.first_birth)

    def _birth_place(self) -> str:
        r = self.rng.random()
        if r < 0.8:
            return self.kabupaten_name
        pool = BIRTH_PLACES_35 if self.province == "35" else BIRTH_PLACES_32
        return self.rng.choice(pool if r < 0.97 else BIRTH_PLACES_OTHER)

    def _style(self, religion: str, birth_year: int) -> str:
        if religion in ("kristen", "katolik"):
            return "christian"
        if religion == "hindu":
            return "bali"
        if religion in ("buddha", "konghucu"):
            return "chinese"
        modern_share = min(0.85, max(0.05, (birth_year - 1970) / 40))
        if self.rng.random() < modern_share:
            return "modern"
        regional = "jawa" if self.province == "35" else "sunda"
        if self.rng.random() < 0.1:  # migrants from the other side of Java
            regional = "sunda" if regional == "jawa" else "jawa"
        return regional

    def _name(self, sex: str, religion: str, birth_year: int, *, father: str = "", order: int = 1) -> str:
        rng = self.rng
        style = self._style(religion, birth_year)
        male = sex == "M"
        if style == "bali":
            prefix = "I" if male else "Ni"
            if not male and rng.random() < 0.3:
                return f"Ni Luh {rng.choice(BALI_GIVEN_F)}"
            birth_order = rng.choice(BALI_ORDER_M[min(order, 4) - 1])
            return f"{prefix} {birth_order} {rng.choice(BALI_GIVEN_M if male else BALI_GIVEN_F)}"
        if style == "christian":
            first = rng.choice(CHRISTIAN_M if male else CHRISTIAN_F)
            return f"{first} {self._family_name(father) or rng.choice(CHRISTIAN_LAST)}"
        if style == "chinese":
            first = rng.choice(CHINESE_M if male else CHINESE_F)
            return f"{first} {self._family_name(father) or rng.choice(CHINESE_LAST)}"
        pools = {
            "sunda": (SUNDA_M, SUNDA_F, SUNDA_LAST_M, SUNDA_LAST_F),
            "jawa": (JAWA_M, JAWA_F, JAWA_LAST_M, JAWA_LAST_F),
            "modern": (MODERN_M, MODERN_F, MODERN_LAST_M, MODERN_LAST_F),
        }[style]
        first = rng.choice(pools[0] if male else pools[1])
        r = rng.random()
        if r < 0.12:
            return first  # a single name, still common among older villagers
        if father and r < 0.32:
            # Father-derived: the child carries the father's given name (Sundanese and
            # Javanese practice, "Rizky Saepudin" son of "Asep Saepudin" or "... Asep").
            father_words = father.split()
            return f"{first} {father_words[-1] if rng.random() < 0.6 else father_words[0]}"
        if r < 0.45 and style == "modern":
            second = rng.choice(MODERN_M if male else MODERN_F)
            if second != first:
                return f"{first} {second} {rng.choice(pools[2] if male else pools[3])}"
        return f"{first} {rng.choice(pools[2] if male else pools[3])}"

    @staticmethod
    def _family_name(father: str) -> str:
        words = father.split()
        return words[-1] if len(words) > 1 else ""

    def _education(self, age: int, birth_year: int) -> str:
        r = self.rng.random()
        if age < 7:
            return "tidak_sekolah"
        if age < 13:
            return "belum_tamat_sd"
        if age < 16:
            return "sd"
        if age < 19:
            return "smp" if r < 0.6 else "sd"
        generation = 0.0 if birth_year < 1960 else (0.5 if birth_year < 1985 else 1.0)
        if r < 0.12 - 0.08 * generation:
            return "tidak_sekolah"
        if r < 0.55 - 0.25 * generation:
            return "sd"
        if r < 0.75 - 0.2 * generation:
            return "smp"
        if r < 0.92 - 0.1 * generation:
            return "sma"
        if generation == 0.0:
            return "sma" if r < 0.97 else "s1"
        if r < 0.95:
            return "d3"
        return "s1" if r < 0.995 else "s2"

    def _occupation(self, age: int, sex: str) -> str:
        if age < 5:
            return OCC_CHILD
        if age < 22 and (age < 18 or self.rng.random() < 0.6):
            return OCC_STUDENT
        if age >= 60 and self.rng.random() < 0.25:
            return OCC_RETIRED if self.rng.random() < 0.3 else OCC_CHILD
        return _pick(self.rng, _OCC_M if sex == "M" else _OCC_F)

    def _person(
        self,
        *,
        home_kec: str,
        sex: str,
        age: int,
        religion: str,
        relationship: str,
        marital: str,
        father_name: str,
        mother_name: str,
        name: str = "",
        order: int = 1,
    ) -> Person:
        rng = self.rng
        birth = self._birth_date(age)
        full_name = name or self._name(sex, religion, birth.year, father=father_name, order=order)
        phone, consent = "", False
        if age >= 17 and rng.random() < self.phone_rate:
            self.phone_counter += 1
            # (i * 7919 + salt) mod 10^8 is a bijection on i < 10^8: numbers never repeat.
            tail = (self.phone_counter * 7919 + self.phone_salt) % 10**8
            phone = f"+62{rng.choice(PHONE_PREFIXES)}{tail:08d}"
            consent = rng.random() < 0.8
        self.people += 1
        return Person(
            nik=self._nik(self._birth_kecamatan(home_kec), birth, sex),
            full_name=full_name,
            sex=sex,
            birth_date=birth,
            birth_place=self._birth_place(),
            religion=religion,
            marital_status=marital,
            relationship=relationship,
            occupation=self._occupation(age, sex),
            education=self._education(age, birth.year),
            blood_type=_pick(rng, _BLOOD),
            father_name=father_name,
            mother_name=mother_name,
            ever_married=marital != "belum_kawin",
            phone=phone,
            phone_consent=consent,
        )

    def _parent_names(self, religion: str, birth_year: int) -> tuple[str, str]:
        year = birth_year - 28
        return self._name("M", religion, year), self._name("F", religion, year)

    # ----------------------------------------------------------------- households

    def _children(
        self, *, home_kec: str, religion: str, mother_age: int, father: str, mother: str, count: int
    ) -> list[Person]:
        rng = self.rng
        kids, age = [], mother_age - rng.randint(19, 27)
        for order in range(1, count + 1):
            if age < 0:
                break
            sex = "M" if rng.random() < 0.51 else "F"
            married = age >= 20 and rng.random() < min(0.7, (age - 19) / 10)
            if married:  # married children usually have their own KK; skip most
                age -= rng.randint(2, 6)
                continue
            kids.append(
                self._person(
                    home_kec=home_kec,
                    sex=sex,
                    age=age,
                    religion=religion,
                    relationship="anak",
                    marital="belum_kawin",
                    father_name=father,
                    mother_name=mother,
                    order=order,
                )
            )
            age -= rng.randint(2, 6)
        return kids

    def household(self, plan: DesaPlan) -> Household:
        rng = self.rng
        kec = plan.code.rsplit(".", 1)[0]
        religion = _pick(rng, self.religions)
        kind = _pick(rng, _HOUSEHOLD)
        head_age = min(MAX_AGE - 3, max(19, int(rng.triangular(20, 85, 31))))
        members: list[Person] = []
        if kind == "single":
            if rng.random() < 0.6:  # an elderly widow or widower
                age = max(head_age, rng.randint(58, 90))
                sex = "F" if rng.random() < 0.7 else "M"
                marital = "cerai_mati"
            else:
                age = rng.randint(20, 45)
                sex = "M" if rng.random() < 0.6 else "F"
                marital = "belum_kawin" if rng.random() < 0.7 else "cerai_hidup"
            f, m = self._parent_names(religion, self.today.year - age)
            members.append(
                self._person(
                    home_kec=kec,
                    sex=sex,
                    age=age,
                    religion=religion,
                    relationship="kepala",
                    marital=marital,
                    father_name=f,
                    mother_name=m,
                )
            )
        elif kind == "single_parent":
            age = max(28, head_age)
            f, m = self._parent_names(religion, self.today.year - age)
            head = self._person(
                home_kec=kec,
                sex="F",
                age=age,
                religion=religion,
                relationship="kepala",
                marital="cerai_mati" if rng.random() < 0.65 else "cerai_hidup",
                father_name=f,
                mother_name=m,
            )
            late_father = self._name("M", religion, self.today.year - age - 3)
            members.append(head)
            members += self._children(
                home_kec=kec,
                religion=religion,
                mother_age=age,
                father=late_father,
                mother=head.full_name,
                count=rng.randint(1, 3),
            )
        else:
            husband_age = max(20, head_age)
            wife_age = max(17, husband_age - rng.randint(-2, 8))
            f, m = self._parent_names(religion, self.today.year - husband_age)
            head = self._person(
                home_kec=kec,
                sex="M",
                age=husband_age,
                religion=religion,
                relationship="kepala",
                marital="kawin",
                father_name=f,
                mother_name=m,
            )
            wf, wm = self._parent_names(religion, self.today.year - wife_age)
            wife = self._person(
                home_kec=kec,
                sex="F",
                age=wife_age,
                religion=religion,
                relationship="istri",
                marital="kawin",
                father_name=wf,
                mother_name=wm,
            )
            members += [head, wife]
            if kind != "couple" or (wife_age < 30 and rng.random() < 0.5):
                count = _pick(rng, _COUNT_CHILDREN)
                members += self._children(
                    home_kec=kec,
                    religion=religion,
                    mother_age=wife_age,
                    father=head.full_name,
                    mother=wife.full_name,
                    count=count,
                )
            if kind == "extended":
                r = rng.random()
                if r < 0.5 and husband_age < 62:
                    # The head's widowed mother lives with them: her name is the head's mother_name.
                    age = min(MAX_AGE - 1, husband_age + rng.randint(20, 32))
                    gf, gm = self._parent_names(religion, self.today.year - age)
                    members.append(
                        self._person(
                            home_kec=kec,
                            sex="F",
                            age=age,
                            religion=religion,
                            relationship="orang_tua",
                            marital="cerai_mati",
                            father_name=gf,
                            mother_name=gm,
                            name=head.mother_name,
                        )
                    )
                elif husband_age >= 45:
                    # A married daughter, her husband (menantu) and a grandchild.
                    d_age = rng.randint(19, max(19, wife_age - 20))
                    daughter = self._person(
                        home_kec=kec,
                        sex="F",
                        age=d_age,
                        religion=religion,
                        relationship="anak",
                        marital="kawin",
                        father_name=head.full_name,
                        mother_name=wife.full_name,
                    )
                    sf, sm = self._parent_names(religion, self.today.year - d_age - 2)
                    son_in_law = self._person(
                        home_kec=kec,
                        sex="M",
                        age=d_age + rng.randint(0, 6),
                        religion=religion,
                        relationship="menantu",
                        marital="kawin",
                        father_name=sf,
                        mother_name=sm,
                    )
                    members += [daughter, son_in_law]
                    if d_age >= 21:
                        members.append(
                            self._person(
                                home_kec=kec,
                                sex="M" if rng.random() < 0.5 else "F",
                                age=rng.randint(0, min(d_age - 19, 12)),
                                religion=religion,
                                relationship="cucu",
                                marital="belum_kawin",
                                father_name=son_in_law.full_name,
                                mother_name=daughter.full_name,
                            )
                        )
                else:
                    age = rng.randint(17, 40)
                    of, om = self._parent_names(religion, self.today.year - age)
                    members.append(
                        self._person(
                            home_kec=kec,
                            sex="M" if rng.random() < 0.5 else "F",
                            age=age,
                            religion=religion,
                            relationship="famili_lain",
                            marital="belum_kawin",
                            father_name=of,
                            mother_name=om,
                        )
                    )
        rw = rng.randint(1, plan.rw_count)
        rt = rng.randint(1, 3 + (rw * 7 + len(plan.code)) % 6)
        issued = self.kk_first + timedelta(days=rng.randrange((self.today - self.kk_first).days + 1))
        kk = make_nik(
            kecamatan_code=kec, birth_date=issued, sex="M", serial=self.kk_serials.next(kec, issued)
        )
        place = plan.places[(rw - 1) % len(plan.places)]
        prefix = "Dusun" if self.province == "35" else "Kp."
        return Household(
            kk_number=kk,
            desa_code=plan.code,
            rw=rw,
            rt=rt,
            address=f"{prefix} {place}",
            issued_on=issued,
            members=members,
        )

    def duplicate_of(self, household: Household) -> Household | None:
        """A second record of one adult of `household`: the same person under another NIK.

        It is what happens when someone is registered again after a move, or when a KK was
        re-typed. The second record carries the errors registers really hold, drawn
        independently (`DUPLICATE_ERRORS`): the name spelt another way with the same search
        key (45 %), with a letter missing or two letters swapped (25 %), without its second
        name when it has three or more (15 %), or unchanged; the birth date with day and
        month swapped (12 %) or one digit wrong (18 %); another kecamatan (50 %, after a
        move) or another desa of the same kecamatan; the mother's name spelt another way
        (30 %) and the father's (20 %). Of the three errors that change what a search or a
        scan groups on — a name with another key, a wrong birth date, another kecamatan — a
        record gets at most two: with all three, nothing but the parents' names is left to
        say it is the same person, and no clerk would decide on that.
        """
        rng = self.rng
        adults = [p for p in household.members if p.birth_date.year <= self.today.year - 17]
        if not adults:
            return None
        original = rng.choice(adults)
        name, name_error = duplicate_name(original.full_name, rng)
        born, date_error = duplicate_birth_date(original.birth_date, rng, self.today)
        moved = rng.random() < 0.5 and len(self.kecamatan_desa) > 1
        hard = [e for e in (name_error, date_error, "moved" if moved else "") if e and e != "spelling"]
        if len(hard) > 2:
            undo = rng.choice(hard)
            if undo == "moved":
                moved = False
            elif undo == date_error:
                born, date_error = original.birth_date, ""
            else:
                name, name_error = spelling_variant(original.full_name, rng), "spelling"
        kec = household.desa_code.rsplit(".", 1)[0]
        if moved:
            kec = rng.choice([k for k in self.kecamatan_desa if k != kec])
        mother = spelling_variant(original.mother_name, rng) if rng.random() < 0.3 else original.mother_name
        father = spelling_variant(original.father_name, rng) if rng.random() < 0.2 else original.father_name
        birth_kec = rng.choice(self.kecamatan) if rng.random() < 0.3 else original.nik[:6]
        birth_kec = birth_kec if "." in birth_kec else f"{birth_kec[:2]}.{birth_kec[2:4]}.{birth_kec[4:]}"
        if birth_kec not in self.nik_serials.index:
            birth_kec = kec
        kind = "+".join(e for e in (name_error, date_error, "moved" if moved else "") if e) or "none"
        dup = Person(
            nik=self._nik(birth_kec, born, original.sex),
            full_name=name,
            sex=original.sex,
            birth_date=born,
            birth_place=original.birth_place,
            religion=original.religion,
            marital_status=original.marital_status,
            relationship="kepala",
            occupation=original.occupation,
            education=original.education,
            blood_type=original.blood_type,
            father_name=father,
            mother_name=mother,
            ever_married=original.ever_married,
        )
        plan = rng.choice(self.kecamatan_desa[kec])
        issued = self.today - timedelta(days=rng.randrange(30, 3000))
        kk = make_nik(
            kecamatan_code=kec, birth_date=issued, sex="M", serial=self.kk_serials.next(kec, issued)
        )
        rw = rng.randint(1, plan.rw_count)
        self.duplicates += 1
        self.people += 1
        return Household(
            kk_number=kk,
            desa_code=plan.code,
            rw=rw,
            rt=rng.randint(1, 4),
            address=f"{'Dusun' if self.province == '35' else 'Kp.'} {plan.places[(rw - 1) % len(plan.places)]}",
            issued_on=issued,
            members=[dup],
            duplicate_of=original.nik,
            duplicate_kind=kind,
        )

    def __iter__(self) -> Iterator[Household]:
        for plan in self.plans:
            made = 0
            while made < plan.target:
                household = self.household(plan)
                room = plan.target - made
                if len(household.members) > room:
                    household.members = household.members[:room]  # the head always comes first
                made += len(household.members)
                yield household
                if made < plan.target and self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                    dup = self.duplicate_of(household)
                    if dup is not None:
                        made += 1
                        yield dup


def spelling_variant(name: str, rng: random.Random) -> str:
    """The same name as another clerk might have typed it (old spelling, transliteration, spacing).

    Only variants that `name_key` folds back to the same key are used: a planted duplicate is
    a spelling of the same name, not a different name.
    """
    if not name:
        return name
    key = cached_name_key(name)
    options = [(a, b) for a, b in _VARIANTS if a in name + " "]
    rng.shuffle(options)
    words = name.split()
    candidates = [(name + " ").replace(a, b, 1).strip() for a, b in options]
    if len(words) > 1 and words[0] in ("Nur", "Siti", "Abdul", "Muhammad", "Sri"):
        candidates.insert(
            rng.randrange(len(candidates) + 1), "".join(words[:2]) + "".join(" " + w for w in words[2:])
        )
    # Double one consonant: "Yanto" -> "Yantto".
    for i, ch in enumerate(name):
        if i > 0 and ch.lower() in "bdfgklmnprst" and name[i - 1] != ch:
            candidates.append(name[: i + 1] + ch + name[i + 1 :])
            break
    for candidate in candidates:
        if candidate != name and cached_name_key(candidate) == key:
            return candidate
    return name.upper()


def duplicate_name(name: str, rng: random.Random) -> tuple[str, str]:
    """The name on a second record of the same person, and the kind of error ("" for none)."""
    draw = rng.random()
    words = name.split()
    if draw < 0.15 and len(words) >= 3:
        return " ".join([words[0], *words[2:]]) if rng.random() < 0.5 else " ".join(words[:-1]), "dropped"
    if draw < 0.40:
        long = [i for i, w in enumerate(words) if len(w) > 4]
        if long:
            i = rng.choice(long)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            typo = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            changed = " ".join([*words[:i], typo, *words[i + 1 :]])
            if cached_name_key(changed) != cached_name_key(name):
                return changed, "typo"
    if draw < 0.85:
        return spelling_variant(name, rng), "spelling"
    return name, ""


def duplicate_birth_date(born: date, rng: random.Random, today: date) -> tuple[date, str]:
    """The birth date on a second record: the same, day and month swapped, or one digit wrong."""
    draw = rng.random()
    if draw < 0.12 and born.day <= 12 and born.day != born.month:
        return born.replace(month=born.day, day=born.month), "swapped"
    if draw < 0.30:
        for _attempt in range(10):
            part = rng.choice(("day", "month", "year"))
            value = getattr(born, part)
            digit = rng.randrange(10)
            changed = value - value % 10 + digit
            try:
                wrong = born.replace(**{part: changed})
            except ValueError:
                continue
            if wrong != born and wrong <= today:
                return wrong, "date"
    return born, ""


# --------------------------------------------------------------------------- planning


def plan_desa(
    desa_codes: Sequence[str], *, people: int, seed: int, kecamatan_names: dict[str, str] | None = None
) -> list[DesaPlan]:
    """Spread `people` over the desa with uneven, seeded weights (villages differ in size)."""
    rng = random.Random(f"plan:{seed}")
    weights = [rng.lognormvariate(0, 0.45) for _ in desa_codes]
    total = sum(weights) or 1.0
    plans, assigned = [], 0
    for i, code in enumerate(desa_codes):
        target = people - assigned if i == len(desa_codes) - 1 else round(people * weights[i] / total)
        target = max(0, min(target, people - assigned))
        assigned += target
        local = random.Random(f"desa:{seed}:{code}")
        pool = JAWA_PLACES if code.startswith("35") else SUNDA_PLACES
        places = tuple(local.sample(pool, k=min(len(pool), 8)))
        plans.append(
            DesaPlan(
                code=code,
                target=target,
                rw_count=max(2, min(18, target // 600 + local.randint(1, 4))),
                places=places,
            )
        )
    return plans


# --------------------------------------------------------------------------- writing


def _lookup_model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


class BulkTable:
    """Column order and constant defaults of one model's table, read from the model itself."""

    def __init__(self, model: type[models.Model], values: Sequence[str]):
        self.model = model
        self.table = model._meta.db_table
        now = timezone.now()
        self.columns: list[str] = []
        # For each column: (True, key in the row dict) or (False, constant default).
        self.plan: list[tuple[bool, Any]] = []
        for f in model._meta.concrete_fields:
            name = f.attname
            if f.primary_key and name not in values:
                continue  # the database numbers the rows
            self.columns.append(str(f.column))
            if name in values:
                self.plan.append((True, name))
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default: Any = now
            else:
                default = f.get_default()  # "" for text fields without a default, None for nullable ones
                if default is None and not f.null:
                    raise ValueError(f"{model.__name__}.{name} needs a value for bulk insert")
            self.plan.append((False, default))
        missing = set(values) - {f.attname for f in model._meta.concrete_fields}
        if missing:
            raise ValueError(f"{model.__name__} has no fields {sorted(missing)}")

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[item] if from_row else item for from_row, item in self.plan)


@lru_cache(maxsize=200_000)
def cached_name_key(name: str) -> str:
    return name_key(name)


def bulk_write(table: BulkTable, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows as fast as the database allows: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {connection.ops.quote_name(table.table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(table.columns))
            sql = f"INSERT INTO {connection.ops.quote_name(table.table)} ({cols}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def next_id(model: type[models.Model]) -> int:
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return (top or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's identity sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",  # noqa: S608
                [table],
            )


@dataclass
class WriteStats:
    families: int = 0
    residents: int = 0
    phones: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    #: The errors of each planted duplicate, by its NIK.
    duplicate_kinds: dict[str, str] = field(default_factory=dict)


class PopulationWriter:
    """Buffers households and writes them in batches with explicit ids (one round trip per table)."""

    def __init__(self, *, batch_size: int = 20_000, started_on: date | None = None):
        from warga.registry.models import Family, FamilyMembership, Phone, Resident

        self.models = (Family, Resident, FamilyMembership, Phone)
        self.family = BulkTable(
            Family, ["id", "kk_number", "desa_id", "rw", "rt", "address", "issued_on", "is_active"]
        )
        self.resident = BulkTable(
            Resident,
            ["id", "nik", "full_name", "name_key", "birth_place", "birth_date", "sex", "religion", "marital_status",
             "occupation", "education", "blood_type", "citizenship", "father_name", "mother_name", "desa_id", "rw",
             "rt", "address", "family_id", "relationship", "life_status", "ever_married"],
        )  # fmt: skip
        self.membership = BulkTable(
            FamilyMembership, ["id", "family_id", "resident_id", "relationship", "started_on"]
        )
        self.phone = BulkTable(
            Phone,
            [
                "id",
                "resident_id",
                "number",
                "verified_at",
                "consent_broadcast",
                "consent_at",
                "consent_channel",
            ],
        )
        self.batch_size = batch_size
        self.started_on = started_on or timezone.localdate()
        self.ids = {m: next_id(m) for m in self.models}
        self.rows: dict[str, list[tuple[Any, ...]]] = {
            "family": [],
            "resident": [],
            "membership": [],
            "phone": [],
        }
        self.stats = WriteStats()
        self.now = timezone.now()
        self.pending = 0

    def _id(self, model: Any) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def add(self, household: Household) -> None:
        Family, Resident, FamilyMembership, Phone = self.models
        family_id = self._id(Family)
        self.rows["family"].append(
            self.family.row({"id": family_id, "kk_number": household.kk_number, "desa_id": household.desa_code,
                             "rw": household.rw, "rt": household.rt, "address": household.address,
                             "issued_on": household.issued_on, "is_active": True})
        )  # fmt: skip
        for p in household.members:
            rid = self._id(Resident)
            self.rows["resident"].append(
                self.resident.row({
                    "id": rid, "nik": p.nik, "full_name": p.full_name, "name_key": cached_name_key(p.full_name),
                    "birth_place": p.birth_place, "birth_date": p.birth_date, "sex": p.sex, "religion": p.religion,
                    "marital_status": p.marital_status, "occupation": p.occupation, "education": p.education,
                    "blood_type": p.blood_type, "citizenship": "WNI", "father_name": p.father_name,
                    "mother_name": p.mother_name, "desa_id": household.desa_code, "rw": household.rw,
                    "rt": household.rt, "address": household.address, "family_id": family_id,
                    "relationship": p.relationship, "life_status": "alive", "ever_married": p.ever_married,
                })
            )  # fmt: skip
            self.rows["membership"].append(
                self.membership.row({"id": self._id(FamilyMembership), "family_id": family_id, "resident_id": rid,
                                     "relationship": p.relationship, "started_on": household.issued_on})
            )  # fmt: skip
            if p.phone:
                self.rows["phone"].append(
                    self.phone.row({"id": self._id(Phone), "resident_id": rid, "number": p.phone,
                                    "verified_at": self.now, "consent_broadcast": p.phone_consent,
                                    "consent_at": self.now if p.phone_consent else None,
                                    "consent_channel": "counter" if p.phone_consent else ""})
                )  # fmt: skip
                self.stats.phones += 1
            self.stats.residents += 1
        self.stats.families += 1
        if household.duplicate_of:
            self.stats.duplicates.append((household.duplicate_of, household.members[0].nik))
            self.stats.duplicate_kinds[household.members[0].nik] = household.duplicate_kind
        self.pending += len(household.members)
        if self.pending >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending and not self.rows["family"]:
            return
        with transaction.atomic():
            bulk_write(self.family, self.rows["family"])
            bulk_write(self.resident, self.rows["resident"])
            bulk_write(self.membership, self.rows["membership"])
            bulk_write(self.phone, self.rows["phone"])
        for rows in self.rows.values():
            rows.clear()
        self.pending = 0

    def close(self) -> WriteStats:
        self.flush()
        reset_sequences(*self.models)
        # The name index needs nothing: the SQLite triggers and the PostgreSQL GIN index
        # follow plain INSERT/COPY.
        return self.stats


# --------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class PopulationResult:
    kecamatan: list[str]
    families: int
    residents: int
    phones: int
    duplicates: list[tuple[str, str]]
    skipped: list[str]
    duplicate_kinds: dict[str, str] = field(default_factory=dict)


def populate(
    *,
    area_codes: Sequence[str],
    people: int,
    seed: int,
    duplicate_rate: float = 0.0,
    phone_rate: float = 0.35,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 20_000,
) -> PopulationResult:
    """Fill the desa below `area_codes` (kabupaten or kecamatan) with `people` synthetic residents.

    Kecamatan that already have residents are skipped, so running it again adds nothing.
    """
    from warga.regions.models import Region, RegionLevel
    from warga.registry.models import Resident

    today = today or timezone.localdate()
    kecamatan: list[Region] = []
    for code in area_codes:
        region = Region.objects.get(code=code)
        if region.level == RegionLevel.KECAMATAN:
            kecamatan.append(region)
        else:
            kecamatan += list(
                Region.objects.filter(code__within=code, level=RegionLevel.KECAMATAN).order_by("code")
            )
    todo: list[Region] = []
    skipped: list[Region] = []
    for kec in kecamatan:
        (skipped if Resident.objects.filter(desa__within=kec.code).exists() else todo).append(kec)
    if not todo or people <= 0:
        return PopulationResult([k.code for k in todo], 0, 0, 0, [], [k.code for k in skipped])
    desa = list(
        Region.objects.filter(parent__in=todo, level=RegionLevel.DESA)
        .order_by("code")
        .values_list("code", flat=True)
    )
    kabupaten = Region.objects.filter(code=todo[0].code.rsplit(".", 1)[0]).first()
    kab_name = (
        (kabupaten.name if kabupaten else "").replace("Kabupaten ", "").replace("Kota ", "").strip().title()
    )
    generator = PopulationGenerator(
        plan_desa(desa, people=people, seed=seed),
        seed=seed,
        today=today,
        kabupaten_name=kab_name or "Indonesia",
        duplicate_rate=duplicate_rate,
        phone_rate=phone_rate,
    )
    writer = PopulationWriter(batch_size=batch_size)
    step = max(1, batch_size)
    last = 0
    for household in generator:
        writer.add(household)
        if progress and writer.stats.residents - last >= step:
            last = writer.stats.residents
            progress(last, people)
    stats = writer.close()
    if progress:
        progress(stats.residents, people)
    return PopulationResult(
        [k.code for k in todo],
        stats.families,
        stats.residents,
        stats.phones,
        stats.duplicates,
        [k.code for k in skipped],
        stats.duplicate_kinds,
    )


__all__ = [
    "BulkTable",
    "DesaPlan",
    "Household",
    "Person",
    "PopulationGenerator",
    "PopulationResult",
    "PopulationWriter",
    "bulk_write",
    "plan_desa",
    "populate",
    "spelling_variant",
]
