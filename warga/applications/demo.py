"""Demo applications: the default catalogue, Jombang-style rollout (three kecamatan online, the
others in training, the last one manual with paper batches) and files in every stage at the
demo kecamatan, all made through the real services. Running it again adds nothing."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region
from warga.registry.models import LifeStatus, Relationship, Resident

from .catalogue import ensure_default_services
from .models import Application, OfficeMode, OfficeRollout, PaperBatch
from .services import (
    application_submit,
    application_transition,
    document_attach,
    paper_batch_record,
    paper_batch_update,
)

# How far each demo birth file goes: (last action, who does it)
PLAN = [
    [],
    [],
    [("verify", "verkec")],
    [("verify", "verkec"), ("send", "loket")],
    [("verify", "verkec"), ("send", "loket"), ("claim", "verifikator")],
    [("verify", "verkec"), ("send", "loket"), ("claim", "verifikator"), ("approve", "verifikator")],
    [
        ("verify", "verkec"),
        ("send", "loket"),
        ("claim", "verifikator"),
        ("approve", "verifikator"),
        ("issue", "cetak"),
    ],
    [("return_to_applicant", "verkec")],
]


def _scan() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return Actor.for_user(user) if user else None


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
    counter = _actor("loket")
    if (
        counter is None
        or Application.objects.filter(created_by=counter.user, client_ref__startswith="demo-").exists()
    ):
        return "catalogue and rollout ready"
    rng = random.Random(seed)
    assert counter.user is not None and counter.user.unit is not None
    kec = counter.user.unit.area_id
    mothers = list(
        Resident.objects.filter(
            desa__within=kec,
            relationship=Relationship.WIFE,
            sex="F",
            life_status=LifeStatus.ALIVE,
            birth_date__year__gte=1985,
            family__members__relationship=Relationship.HEAD,
        ).select_related("family")[:40]
    )
    made = 0
    for i, mother in enumerate(rng.sample(mothers, min(len(PLAN), len(mothers)))):
        head = (
            mother.family.members.filter(relationship=Relationship.HEAD, life_status=LifeStatus.ALIVE).first()
            if mother.family
            else None
        )
        if head is None or mother.family is None:
            continue
        born = timezone.localdate() - timedelta(days=rng.randint(3, 40))
        app = application_submit(
            actor=counter,
            service_code="akta-lahir",
            applicant_nik=head.nik,
            data={
                "applicant_kk": mother.family.kk_number,
                "child_name": rng.choice(
                    ["Aisyah Putri", "Muhammad Rizki", "Nabila Zahra", "Rafi Pratama", "Keisha Ayu"]
                ),
                "child_sex": rng.choice("MF"),
                "birth_date": born.isoformat(),
                "birth_place": "Puskesmas",
                "mother_nik": mother.nik,
                "father_nik": head.nik,
            },
            channel="counter",
            client_ref=f"demo-{i}",
        )
        for code in ("skl", "kk"):
            document_attach(actor=counter, application_id=app.pk, requirement=code, content=_scan())
        for action, who in PLAN[i]:
            actor = _actor(who)
            if actor is None:
                break
            reason = (
                "Surat keterangan lahir belum ditandatangani bidan" if action == "return_to_applicant" else ""
            )
            application_transition(actor=actor, application_id=app.pk, action=action, reason=reason)
        made += 1
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
    return f"{made} demo applications, rollout: {min(3, len(offices))} online, the rest training/manual"
