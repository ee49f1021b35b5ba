"""Fixtures for outreach: a team with the outreach officer, an event in the cast's desa, residents,
a registered device and helpers that sign records the way the phone does."""

from __future__ import annotations

import gzip
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from warga.core.permissions import Role
from warga.outreach.models import Device, EquipmentSet, OutreachEvent, Team
from warga.outreach.sync import RecordIn, record_mac
from warga.regions.models import Region
from warga.registry.models import Resident

_serial = itertools.count(1)


def valid_nik(desa: Region, age: int, n: int, sex: str = "M") -> str:
    """A NIK that passes the structural check: kecamatan code, DDMMYY (+40 for women), serial."""
    born = timezone.localdate().replace(year=timezone.localdate().year - age) - timedelta(days=40 + n % 200)
    day = born.day + (40 if sex == "F" else 0)
    kec = "".join(desa.code.split(".")[:3])
    return f"{kec}{day:02d}{born.month:02d}{born.year % 100:02d}{n % 10000:04d}", born  # type: ignore[return-value]


def _letters(n: int) -> str:
    """A name-safe suffix (letters only): 1 → Ab, 2 → Ac …"""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
        if n == 0:
            return out.capitalize()


@pytest.fixture
def make_resident(cast) -> Callable[..., Resident]:
    def make(*, age: int = 30, desa: Region | None = None, name: str = "", sex: str = "M") -> Resident:
        n = next(_serial) + 100
        desa = desa or cast.desa
        nik, born = valid_nik(desa, age, n, sex)  # type: ignore[misc]
        return Resident.objects.create(
            nik=nik,
            full_name=name or f"Warga {_letters(n)}",
            birth_date=born,
            sex=sex,
            desa=desa,
            rw=1,
            rt=2,
            address="Dusun Cibeureum",
        )

    return make


@pytest.fixture
def team(cast) -> Team:
    team = Team.objects.create(name="Tim Motor 1", area=cast.kabupaten, capacity_per_day=40)
    team.members.set([cast.outreach, cast.kec_officer])
    EquipmentSet.objects.create(team=team, code="KIT-01", description="kamera, sidik jari")
    return team


@pytest.fixture
def event(cast, team) -> OutreachEvent:
    return OutreachEvent.objects.create(
        team=team,
        date=timezone.localdate() + timedelta(days=1),
        desa=cast.desa,
        meeting_point="Balai desa",
        services=["ktp_recording", "applications", "card_handover"],
        created_by=cast.dukcapil,
    )


@dataclass
class Phone:
    """What a registered phone holds: token, signing key, and the assignment it downloaded."""

    client: Client
    device: Device
    token: str
    key: bytes
    assignment: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/outreach{path}", **self.auth)

    def post(self, path: str, data: Any) -> Any:
        return self.client.post(
            f"/api/v1/outreach{path}", data=json.dumps(data), content_type="application/json", **self.auth
        )

    def put_bytes(self, path: str, data: bytes) -> Any:
        return self.client.put(
            f"/api/v1/outreach{path}", data=data, content_type="application/octet-stream", **self.auth
        )

    def download(self, event: OutreachEvent) -> dict[str, Any]:
        response = self.post("/assignments", {"event_id": event.pk})
        assert response.status_code == 200, response.content
        assert response["Content-Encoding"] == "gzip"
        data = json.loads(gzip.decompress(response.content))
        self.assignment = data["assignment"]
        return data

    def record(
        self, kind: str, body: dict[str, Any], *, rid: str | None = None, captured_at: str = ""
    ) -> dict:
        rec = RecordIn(
            id=rid or str(uuid.uuid4()),
            kind=kind,
            captured_at=captured_at or timezone.now().isoformat(),
            body=json.dumps(body),
            mac="",
        )
        rec.mac = record_mac(self.key, rec)
        return rec.__dict__.copy()

    def sync(self, records: list[dict], *, sent_at: str | None = None) -> Any:
        return self.post(
            "/sync",
            {
                "assignment": self.assignment,
                "sent_at": sent_at or timezone.now().isoformat(),
                "records": records,
            },
        )


@pytest.fixture
def register_phone(client_for) -> Callable[..., Phone]:
    def register(user: Any, label: str = "Ponsel uji") -> Phone:
        client = client_for(user)
        response = client.post(
            "/api/v1/outreach/devices", data=json.dumps({"label": label}), content_type="application/json"
        )
        assert response.status_code == 200, response.content
        body = response.json()
        device = Device.objects.get(public_id=body["device_id"])
        return Phone(Client(), device, body["token"], bytes.fromhex(body["signing_key"]))

    return register


@pytest.fixture
def phone(cast, register_phone) -> Phone:
    return register_phone(cast.outreach)


@pytest.fixture
def field_counter(cast):
    """A kecamatan counter officer (may correct the register) who also works in the field."""
    from warga.accounts.models import UserRole

    UserRole.objects.get_or_create(user=cast.kec_officer, role=Role.KECAMATAN_COUNTER)
    return cast.kec_officer
