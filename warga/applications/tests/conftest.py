"""Applications test fixtures: the default catalogue, a household in the cast's kecamatan and
small valid scans."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from warga.applications.catalogue import ensure_default_services
from warga.applications.models import Application
from warga.applications.services import application_submit, application_transition, document_attach
from warga.core.scoping import Actor
from warga.registry.identity import make_nik
from warga.registry.models import Family, Resident
from warga.registry.services import family_create, resident_create

KEC_CODE = "32.14.01"


def nik_for(birth_date: date, sex: str, serial: int, kecamatan: str = KEC_CODE) -> str:
    return make_nik(kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=serial)


def person(full_name: str, sex: str, birth_date: date, serial: int, **extra: object) -> dict:
    return {
        "nik": nik_for(birth_date, sex, serial),
        "full_name": full_name,
        "sex": sex,
        "birth_date": birth_date,
        "birth_place": "Purwakarta",
        "religion": "islam",
        **extra,
    }


@dataclass
class Household:
    family: Family
    head: Resident
    wife: Resident
    child: Resident


def make_household(
    actor: Actor, desa, *, serial: int = 1, names=("Budi Santoso", "Siti Nurhasanah", "Ahmad Fauzi")
) -> Household:
    family = family_create(actor=actor, kk_number=None, desa=desa, rw=1, rt=2, address="Jl. Merdeka 1")
    head = resident_create(
        actor=actor,
        data=person(names[0], "M", date(1980, 5, 17), serial, marital_status="kawin"),
        family=family,
        relationship="kepala",
    )
    wife = resident_create(
        actor=actor,
        data=person(names[1], "F", date(1983, 2, 3), serial, marital_status="kawin"),
        family=family,
        relationship="istri",
    )
    child = resident_create(
        actor=actor,
        data=person(names[2], "M", date(2006, 7, 1), serial),
        family=family,
        relationship="anak",
    )
    return Household(family, head, wife, child)


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (3000, 1500)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "gray")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue(db) -> int:
    return ensure_default_services()


@pytest.fixture
def registrar(cast) -> Actor:
    return cast.actor(cast.dukcapil)


@pytest.fixture
def household(cast, registrar) -> Household:
    return make_household(registrar, cast.desa)


@pytest.fixture
def far_household(cast, registrar) -> Household:
    return make_household(
        registrar, cast.other_desa, serial=50, names=("Dedi Kurniawan", "Euis Suryani", "Rizky Ramadhan")
    )


def birth_data(household: Household, **overrides: object) -> dict:
    born = timezone.localdate() - timedelta(days=10)
    data = {
        "applicant_kk": household.family.kk_number,
        "child_name": "Putri Ayu Lestari",
        "child_sex": "F",
        "birth_date": born.isoformat(),
        "birth_place": "Purwakarta",
        "mother_nik": household.wife.nik,
        "father_nik": household.head.nik,
    }
    data.update(overrides)
    return data


@dataclass
class Flow:
    """Drives one birth application through the workflow with the cast."""

    cast: object
    household: Household

    def actor(self, name: str) -> Actor:
        return self.cast.actor(getattr(self.cast, name))  # type: ignore[attr-defined]

    def submit(self, *, draft: bool = False, **data: object) -> Application:
        app = application_submit(
            actor=self.actor("kec_officer"),
            service_code="akta-lahir",
            applicant_nik=self.household.head.nik,
            data=birth_data(self.household, **data),
            channel="counter",
            phone="081234567890",
            draft=draft,
        )
        return app

    def attach_all(self, app: Application) -> None:
        for code in ("skl", "kk"):
            document_attach(
                actor=self.actor("kec_officer"), application_id=app.pk, requirement=code, content=png_bytes()
            )

    def step(self, app: Application, action: str, who: str, **kwargs: object) -> Application:
        return application_transition(actor=self.actor(who), application_id=app.pk, action=action, **kwargs)

    def to(self, target: str) -> Application:
        """A file advanced to `target` by the proper people."""
        app = self.submit()
        self.attach_all(app)
        plan = [
            ("verify", "kec_verifier", "verified"),
            ("send", "kec_officer", "sent"),
            ("claim", "dukcapil", "in_review"),
            ("approve", "dukcapil", "approved"),
            ("issue", "dukcapil", "issued"),
            ("dispatch", "dukcapil", "sent_to_kecamatan"),
            ("receive", "kec_officer", "ready"),
            ("hand_over", "kec_officer", "handed_over"),
        ]
        if target == "submitted":
            return app
        for action, who, reached in plan:
            extra = {"handed_to": "Budi Santoso"} if action == "hand_over" else {}
            app = self.step(app, action, who, **extra)
            if reached == target:
                return app
        raise AssertionError(target)


@pytest.fixture
def flow(cast, household, catalogue) -> Flow:
    return Flow(cast, household)
