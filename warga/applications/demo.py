"""Demo applications: the default catalogue, Jombang-style rollout (three kecamatan online, the
others in training, the last one manual with paper batches) and files of every service of the
catalogue in the two kecamatan that have demo officers, spread over the stages of the workflow
(submitted, verified, sent, in review, approved, issued, sent back to the kecamatan, handed
over, returned to the applicant or to the kecamatan, rejected). Everything goes through the real
services, so each file holds data the register accepts. Running it again adds nothing: each
demo file has its own client reference and is made once."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image

from warga.accounts.models import User
from warga.core.errors import ServiceError
from warga.core.scoping import Actor
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel
from warga.registry.identity import make_nik
from warga.registry.models import Family, LifeStatus, Relationship, Resident

from .catalogue import DEFAULT_SERVICES, ensure_default_services
from .models import Application, OfficeMode, OfficeRollout, PaperBatch
from .services import (
    application_submit,
    application_transition,
    document_attach,
    paper_batch_record,
    paper_batch_update,
)

# The steps that take a file to each demo stage. "kec" is the kecamatan office's officer (the
# counter or the verifier of that office), "dis" the Disdukcapil verifier, "print" the printing
# operator.
_TO_SENT = [("verify", "verifier"), ("send", "counter")]
_TO_REVIEW = [*_TO_SENT, ("claim", "dis")]
_TO_APPROVED = [*_TO_REVIEW, ("approve", "dis")]
_TO_ISSUED = [*_TO_APPROVED, ("issue", "print")]
_TO_KECAMATAN = [*_TO_ISSUED, ("dispatch", "print")]
STAGES: dict[str, list[tuple[str, str]]] = {
    "submitted": [],
    "verified": [("verify", "verifier")],
    "sent": _TO_SENT,
    "in_review": _TO_REVIEW,
    "approved": _TO_APPROVED,
    "issued": _TO_ISSUED,
    "sent_to_kecamatan": _TO_KECAMATAN,
    "handed_over": [*_TO_KECAMATAN, ("receive", "counter"), ("hand_over", "counter")],
    "returned_to_applicant": [("return_to_applicant", "verifier")],
    "returned_to_kecamatan": [*_TO_REVIEW, ("return_to_kecamatan", "dis")],
    "rejected": [*_TO_REVIEW, ("reject", "dis")],
}
REASONS = {
    "return_to_applicant": "Dokumen pendukung kurang jelas, mohon dipindai ulang",
    "return_to_kecamatan": "Nama ibu pada formulir berbeda dengan KK, mohon diperiksa",
    "reject": "Permohonan ganda: dokumen yang sama sudah terbit",
}

# (service, kecamatan: 0 = the first demo kecamatan, 1 = the second, stage). The removals from a
# KK come first: the people they take out of their family card apply for a new KK or join
# another one further down. Every service has files in both kecamatan.
CASES: list[tuple[str, int, str]] = [
    ("kk-kurang", 0, "handed_over"),
    ("kk-kurang", 1, "issued"),
    ("kk-kurang", 0, "approved"),
    ("kk-kurang", 1, "sent_to_kecamatan"),
    ("kk-baru", 0, "verified"),
    ("kk-baru", 1, "in_review"),
    ("kk-tambah", 0, "sent"),
    ("kk-tambah", 1, "returned_to_applicant"),
    ("ktp-baru", 0, "submitted"),
    ("ktp-baru", 1, "issued"),
    ("ktp-baru", 0, "sent_to_kecamatan"),
    ("ktp-hilang", 0, "in_review"),
    ("ktp-hilang", 1, "verified"),
    ("ktp-rusak", 0, "approved"),
    ("ktp-rusak", 1, "rejected"),
    ("ktp-ubah", 0, "returned_to_kecamatan"),
    ("ktp-ubah", 1, "handed_over"),
    ("kk-ubah", 0, "issued"),
    ("kk-ubah", 1, "sent"),
    ("kk-pisah", 0, "submitted"),
    ("kk-pisah", 1, "approved"),
    ("akta-lahir", 0, "submitted"),
    ("akta-lahir", 0, "verified"),
    ("akta-lahir", 0, "sent"),
    ("akta-lahir", 0, "in_review"),
    ("akta-lahir", 0, "approved"),
    ("akta-lahir", 0, "issued"),
    ("akta-lahir", 0, "returned_to_applicant"),
    ("akta-lahir", 1, "sent_to_kecamatan"),
    ("akta-mati", 0, "sent"),
    ("akta-mati", 1, "handed_over"),
    ("pindah", 0, "verified"),
    ("pindah", 1, "returned_to_kecamatan"),
    ("datang", 0, "in_review"),
    ("datang", 1, "submitted"),
]

CHILD_NAMES = ["Aisyah Putri", "Muhammad Rizki", "Nabila Zahra", "Rafi Pratama", "Keisha Ayu", "Dimas Arya"]
NEWCOMERS = [("Rina Marlina", "F"), ("Agus Setiawan", "M"), ("Dewi Anggraini", "F"), ("Bayu Nugroho", "M")]


def _scan() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return Actor.for_user(user) if user else None


def _age(person: Resident, today: date) -> int:
    return (
        today.year
        - person.birth_date.year
        - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
    )


@dataclass
class Office:
    """The people of one demo kecamatan that the cases draw on, each used once."""

    code: str
    officers: dict[str, Actor]
    families: list[tuple[Family, Resident, list[Resident]]]  # family, head, the other members
    desa: list[str]
    freed: list[Resident] = field(default_factory=list)  # taken out of their KK by a demo file

    def family(self, want: Any = None) -> tuple[Family, Resident, list[Resident]] | None:
        for i, entry in enumerate(self.families):
            if want is None or want(entry):
                return self.families.pop(i)
        return None


def _office(kec: str, officers: dict[str, Actor], rng: random.Random) -> Office:
    heads = list(
        Resident.objects.filter(
            desa__within=kec,
            relationship=Relationship.HEAD,
            life_status=LifeStatus.ALIVE,
            family__isnull=False,
        )
        .select_related("family")
        .order_by("pk")[:300]
    )
    members: dict[int, list[Resident]] = {}
    for person in (
        Resident.objects.filter(family_id__in=[h.family_id for h in heads], life_status=LifeStatus.ALIVE)
        .exclude(relationship=Relationship.HEAD)
        .order_by("pk")
    ):
        members.setdefault(person.family_id or 0, []).append(person)
    families = [(h.family, h, members.get(h.family_id or 0, [])) for h in heads if h.family is not None]
    rng.shuffle(families)
    desa = list(
        Region.objects.filter(parent_id=kec, level=RegionLevel.DESA)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return Office(code=kec, officers=officers, families=families, desa=desa)


def _adult_child(entry: tuple[Family, Resident, list[Resident]], today: date) -> Resident | None:
    return next(
        (m for m in entry[2] if m.relationship == Relationship.CHILD and _age(m, today) >= 20),
        None,
    )


def _case(  # noqa: C901 - one short branch per service, read side by side with the catalogue
    service: str, office: Office, rng: random.Random, today: date
) -> tuple[str, dict[str, Any]] | None:
    """The applicant's NIK and the form data of one demo file, from the office's people."""
    address = f"Dusun Krajan RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 5):02d}"
    if service in ("ktp-baru", "ktp-hilang", "ktp-rusak", "ktp-ubah"):
        entry = office.family(lambda e: _age(e[1], today) >= 17)
        if entry is None:
            return None
        data: dict[str, Any] = {}
        if service == "ktp-ubah":
            data = {"field": "blood_type", "new_value": rng.choice(["A", "B", "AB", "O"])}
        young = next((m for m in entry[2] if 17 <= _age(m, today) <= 19), None)
        return (young or entry[1]).nik if service == "ktp-baru" else entry[1].nik, data
    if service == "kk-baru":
        if not office.freed:
            return None
        person = office.freed.pop(0)
        desa = person.desa_id if person.desa_id in office.desa else office.desa[0]
        return person.nik, {
            "desa": desa,
            "rw": rng.randint(1, 5),
            "rt": rng.randint(1, 9),
            "address": address,
        }
    if service == "kk-tambah":
        if not office.freed:
            return None
        person = office.freed.pop(0)
        entry = office.family()
        if entry is None:
            return None
        return entry[1].nik, {
            "applicant_kk": entry[0].kk_number,
            "member_nik": person.nik,
            "relationship": Relationship.OTHER_RELATIVE.value,
        }
    if service in ("kk-kurang", "kk-pisah"):
        entry = office.family(lambda e: _adult_child(e, today) is not None)
        child = _adult_child(entry, today) if entry else None
        if entry is None or child is None:
            return None
        if service == "kk-kurang":
            return entry[1].nik, {
                "applicant_kk": entry[0].kk_number,
                "member_nik": child.nik,
                "reason": "Menikah dan akan membentuk keluarga sendiri",
            }
        return entry[1].nik, {
            "applicant_kk": entry[0].kk_number,
            "member_niks": [child.nik],
            "new_head_nik": child.nik,
            "address": address,
        }
    if service == "kk-ubah":
        entry = office.family()
        if entry is None:
            return None
        return entry[1].nik, {
            "applicant_kk": entry[0].kk_number,
            "rw": rng.randint(1, 5),
            "rt": rng.randint(1, 9),
            "address": address,
        }
    if service == "akta-lahir":
        entry = office.family(
            lambda e: any(
                m.relationship == Relationship.WIFE and m.sex == "F" and 20 <= _age(m, today) <= 40
                for m in e[2]
            )
        )
        if entry is None:
            return None
        mother = next(m for m in entry[2] if m.relationship == Relationship.WIFE and m.sex == "F")
        return entry[1].nik, {
            "applicant_kk": entry[0].kk_number,
            "child_name": rng.choice(CHILD_NAMES),
            "child_sex": rng.choice("MF"),
            "birth_date": (today - timedelta(days=rng.randint(3, 40))).isoformat(),
            "birth_place": "Puskesmas",
            "mother_nik": mother.nik,
            "father_nik": entry[1].nik,
        }
    if service == "akta-mati":
        entry = office.family(lambda e: any(_age(m, today) >= 60 for m in e[2]))
        if entry is None:
            return None
        deceased = next(m for m in entry[2] if _age(m, today) >= 60)
        return entry[1].nik, {
            "deceased_nik": deceased.nik,
            "died_on": (today - timedelta(days=rng.randint(2, 30))).isoformat(),
            "death_place": "Rumah",
        }
    if service == "pindah":
        entry = office.family(lambda e: _adult_child(e, today) is not None)
        child = _adult_child(entry, today) if entry else None
        if entry is None or child is None:
            return None
        return entry[1].nik, {
            "applicant_kk": entry[0].kk_number,
            "mover_niks": [child.nik],
            "destination": "Jl. Merdeka 12, Kota Surabaya",
            "moved_on": (today - timedelta(days=rng.randint(1, 10))).isoformat(),
        }
    if service == "datang":
        name, sex = rng.choice(NEWCOMERS)
        born = date(rng.randint(1975, 2000), rng.randint(1, 12), rng.randint(1, 28))
        for serial in range(9001, 9999):
            nik = make_nik(kecamatan_code=office.code, birth_date=born, sex=sex, serial=serial)
            if (
                not Resident.objects.filter(nik=nik).exists()
                and not Application.objects.filter(applicant_nik=nik).exists()
            ):
                break
        return nik, {
            "full_name": name,
            "sex": sex,
            "birth_date": born.isoformat(),
            "birth_place": "Surabaya",
            "origin": "Jl. Kenjeran 45, Kota Surabaya",
            "desa": office.desa[0],
            "rw": 2,
            "rt": 3,
            "address": address,
            "moved_on": (today - timedelta(days=rng.randint(1, 10))).isoformat(),
        }
    raise ValueError(f"no demo case for {service!r}")


def _requirements(service: str) -> list[str]:
    spec = next(s for s in DEFAULT_SERVICES if s["code"] == service)
    return [doc[0] for doc in spec["docs"]]


def _file(
    service: str, office: Office, stage: str, ref: str, rng: random.Random, today: date, scan: bytes
) -> bool:
    case = _case(service, office, rng, today)
    if case is None:
        return False
    nik, data = case
    counter = office.officers["counter"]
    app = application_submit(
        actor=counter, service_code=service, applicant_nik=nik, data=data, channel="counter", client_ref=ref
    )
    for requirement in _requirements(service):
        document_attach(actor=counter, application_id=app.pk, requirement=requirement, content=scan)
    for action, who in STAGES[stage]:
        kwargs: dict[str, Any] = {"reason": REASONS.get(action, "")}
        if action == "hand_over":
            kwargs["handed_to"] = app.applicant_name
        application_transition(actor=office.officers[who], application_id=app.pk, action=action, **kwargs)
    if service == "kk-kurang" and ("approve", "dis") in STAGES[stage]:
        office.freed.append(Resident.objects.get(nik=data["member_nik"]))
    return True


def _applications(region: Region, rng: random.Random) -> int:
    today = timezone.localdate()
    dis, printer = _actor("verifikator"), _actor("cetak")
    teams = [("loket", "verkec"), ("loket2", "loket2")]
    kecamatan = list(
        Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN)
        .order_by("code")
        .values_list("code", flat=True)[:2]
    )
    offices: list[Office | None] = []
    for (counter_name, verifier_name), kec in zip(teams, kecamatan, strict=False):
        counter, verifier = _actor(counter_name), _actor(verifier_name)
        if counter is None or verifier is None or dis is None or printer is None:
            offices.append(None)
            continue
        officers = {"counter": counter, "verifier": verifier, "dis": dis, "print": printer}
        offices.append(_office(kec, officers, rng))
    scan = _scan()
    made = 0
    for i, (service, which, stage) in enumerate(CASES):
        office = offices[which] if which < len(offices) else None
        if office is None:
            continue
        ref = f"demo-{service}-{i}"
        if Application.objects.filter(client_ref=ref, created_by=office.officers["counter"].user).exists():
            continue
        try:
            with transaction.atomic():
                made += _file(service, office, stage, ref, rng, today, scan)
        except ServiceError:
            # A register too small or too odd for this case (e.g. a test's few families): skip it.
            continue
    return made


def seed(region: Region, *, size: str, seed: int) -> str:
    ensure_default_services()
    offices = list(
        Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area__within=region.code).order_by("area_id")
    )
    for i, office in enumerate(offices):
        mode = (
            OfficeMode.ONLINE
            if i < 3
            else (OfficeMode.MANUAL if i == len(offices) - 1 else OfficeMode.TRAINING)
        )
        OfficeRollout.objects.get_or_create(unit=office, defaults={"mode": mode})
    rng = random.Random(seed)
    made = _applications(region, rng)
    registrar = _actor("verifikator")
    if offices and registrar is not None and not PaperBatch.objects.exists():
        manual = offices[-1]
        today = timezone.localdate()
        for weeks in (6, 4, 2):
            sent = today - timedelta(weeks=weeks)
            files = rng.randint(15, 40)
            batch = paper_batch_record(actor=registrar, files_count=files, sent_on=sent, office_id=manual.pk)
            paper_batch_update(
                actor=registrar,
                batch_id=batch.pk,
                expected_version=batch.version,
                received_on=sent + timedelta(days=2),
                returned_on=min(today, sent + timedelta(days=rng.randint(7, 12))),
                returned_count=files,
            )
    if not made:
        return "catalogue and rollout ready"
    return f"{made} demo applications, rollout: {min(3, len(offices))} online, the rest training/manual"
