"""The card's status copied onto the resident by the database, whatever writes the card."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from warga.cards.models import KtpCard, KtpStatus, KtpTransition
from warga.cards.selectors import filter_residents_by_ktp_status, targets_per_desa
from warga.cards.services import ktp_recording_record, ktp_status_import
from warga.registry.models import Resident


def _copy(resident: Resident) -> str:
    return Resident.objects.values_list("ktp_status", flat=True).get(pk=resident.pk)


def test_every_card_write_reaches_the_resident(cast, make_resident, dukcapil_office):
    fresh = make_resident()
    assert _copy(fresh) == ""
    # A service.
    ktp_recording_record(
        actor=cast.actor(cast.dukcapil),
        resident=fresh,
        recorded_at=timezone.now(),
        place_unit=dukcapil_office,
        device_set="KIT-1",
    )
    assert _copy(fresh) == KtpStatus.RECORDED
    # The bulk import (bulk_update of many cards).
    day = timezone.localdate().isoformat()
    content = f"NIK;Status;Tanggal\n{fresh.nik};prr;{day}\n".encode()
    ktp_status_import(actor=cast.actor(cast.dukcapil), filename="s.csv", content=content)
    assert _copy(fresh) == KtpStatus.PRR
    # A plain insert and a queryset update.
    other = make_resident(status=KtpStatus.PRINTED)
    assert _copy(other) == KtpStatus.PRINTED
    KtpCard.objects.filter(resident=other).update(status=KtpStatus.SENT_TO_KECAMATAN)
    assert _copy(other) == KtpStatus.SENT_TO_KECAMATAN
    # A card removed (an import undone by an administrator): back to no card.
    KtpTransition.objects.filter(card__resident=other).delete()
    KtpCard.objects.filter(resident=other).delete()
    assert _copy(other) == ""


def test_a_stale_resident_saved_later_keeps_the_copy(cast, make_resident):
    resident = make_resident()
    stale = Resident.objects.get(pk=resident.pk)
    KtpCard.objects.create(resident=resident, status=KtpStatus.RECORDED, status_at=timezone.now())
    stale.occupation = "Petani"
    stale.save()
    assert _copy(resident) == KtpStatus.RECORDED
    assert Resident.objects.get(pk=resident.pk).occupation == "Petani"


def test_targets_agree_with_the_card_rows(cast, make_resident):
    """The per-desa counts read from the copy equal the counts from a join to the card rows."""
    for status in [None, None, KtpStatus.RECORDED, KtpStatus.PRR, KtpStatus.PRINTED, KtpStatus.DUPLICATE]:
        make_resident(status=status)
    make_resident(age=12)  # not required
    make_resident(desa=cast.other_desa, status=KtpStatus.PRR)
    on = timezone.localdate() + timedelta(days=30)
    rows = {r.code: r for r in targets_per_desa(actor=cast.actor(cast.dukcapil), on=on)}
    joined = (
        Resident.objects.filter(life_status="alive")
        .filter(Q(birth_date__lte=on.replace(year=on.year - 17)) | Q(ever_married=True))
        .values("desa_id")
        .annotate(
            required=Count("id"),
            not_recorded=Count("id", filter=Q(ktp_card__isnull=True)),
            prr=Count("id", filter=Q(ktp_card__status=KtpStatus.PRR)),
            waiting=Count("id", filter=Q(ktp_card__status=KtpStatus.RECORDED)),
        )
    )
    assert joined
    for row in joined:
        got = rows[row["desa_id"]]
        assert (got.required, got.not_recorded, got.prr, got.waiting) == (
            row["required"],
            row["not_recorded"],
            row["prr"],
            row["waiting"],
        )
    waiting = filter_residents_by_ktp_status(Resident.objects.all(), [KtpStatus.NOT_RECORDED, KtpStatus.PRR])
    expected = Resident.objects.filter(
        Q(ktp_card__status=KtpStatus.PRR)
        | (
            Q(ktp_card__isnull=True)
            & Q(birth_date__lte=timezone.localdate().replace(year=timezone.localdate().year - 17))
        )
    )
    assert set(waiting.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
