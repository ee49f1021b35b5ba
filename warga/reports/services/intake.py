"""Receiving a case: checked, routed, stored once (`client_ref`), answered with its code."""

from __future__ import annotations

import io
import logging
import secrets
import unicodedata
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.context import bound, current
from warga.core.errors import InvalidInput, NotFound
from warga.core.images import image_reduce
from warga.core.scoping import Actor, unscoped
from warga.core.workdays import WorkCalendar
from warga.regions.models import Region, RegionLevel

from .. import capabilities as caps
from ..models import Case, CaseChannel, CaseEvent, CaseKind, CasePhoto, CaseStatus
from .notices import notify_received
from .routing import category_normalize, route_for

logger = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 8 * 1024 * 1024  # as sent, before re-encoding
PHOTO_SIDE = 1600
VERIFY_DAYS = 3  # working days after receipt (SP4N-LAPOR!)
ANSWER_DAYS = 5  # working days after assignment
TRACKING_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B
TRACKING_LENGTH = 10
# Indonesia's extent; a point outside it is a typo or a spoofed position.
LATITUDE_RANGE = (Decimal("-11.5"), Decimal("6.5"))
LONGITUDE_RANGE = (Decimal("94.5"), Decimal("141.5"))


def tracking_code_new() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def tracking_code_normalize(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:20]


def text_clean(raw: str, *, limit: int = MAX_TEXT, field: str = "text") -> str:
    """The text as stored: control characters (NUL included) dropped, line breaks kept, spaces
    folded; empty or over `limit` characters is refused. Markup stays text (templates escape)."""
    kept = []
    for ch in raw or "":
        if ch in "\n\t":
            kept.append(" " if ch == "\t" else ch)
        elif unicodedata.category(ch) in ("Cc", "Cs", "Cf") and ch != "\u200d":
            continue
        else:
            kept.append(ch)
    lines = [" ".join(line.split()) for line in "".join(kept).split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    if not text:
        raise InvalidInput(
            _("The report is empty."),
            code="report.empty",
            details=[{"field": field, "message": _("Required.")}],
        )
    if len(text) > limit:
        raise InvalidInput(
            _("The report is too long (at most %(n)d characters).") % {"n": limit},
            code="report.long",
            details=[{"field": field, "message": _("Too long.")}],
        )
    return text


def area_box() -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """The installation's extent as (south, west, north, east), from WARGA_AREA_BBOX
    ("-7.2,106.9,-6.5,107.6"), or None when it is not configured (then Indonesia's extent is
    the check). The region codes carry no geometry, so the installation states its own."""
    raw = str(getattr(settings, "WARGA_AREA_BBOX", "") or "").strip()
    if not raw:
        return None
    try:
        south, west, north, east = (Decimal(part.strip()) for part in raw.split(","))
    except (InvalidOperation, ValueError):
        logger.error("WARGA_AREA_BBOX is not four numbers south,west,north,east; ignored")
        return None
    if not (south < north and west < east):
        logger.error("WARGA_AREA_BBOX is empty (south >= north or west >= east); ignored")
        return None
    return south, west, north, east


def _point(latitude: object, longitude: object) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    lat: Decimal | None
    lon: Decimal | None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        lat = lon = None
    if (
        lat is None
        or lon is None
        or not (lat.is_finite() and lon.is_finite())
        or not LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
        or not LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]
    ):
        raise InvalidInput(
            _("The location is not a point in Indonesia."),
            code="report.point",
            details=[{"field": "latitude", "message": _("Invalid location.")}],
        )
    box = area_box()
    if box is not None and not (box[0] <= lat <= box[2] and box[1] <= lon <= box[3]):
        raise InvalidInput(
            _("The location is outside the area this service covers."),
            code="report.point_outside",
            details=[{"field": "latitude", "message": _("Outside the area.")}],
        )
    return lat, lon


def _photo(raw: bytes) -> tuple[bytes, int, int]:
    if len(raw) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            _("A photo may be at most %(n)d MB.") % {"n": MAX_PHOTO_BYTES // (1024 * 1024)},
            code="report.photo_large",
            details=[{"field": "photos", "message": _("Too large.")}],
        )
    try:
        image = image_reduce(raw, max_side=PHOTO_SIDE, formats=("JPEG", "PNG", "WEBP"))
    except InvalidInput as exc:
        raise InvalidInput(
            _("A photo could not be read: %(why)s") % {"why": exc.message},
            code="report.photo",
            details=[{"field": "photos", "message": str(exc.message)}],
        ) from exc
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)  # re-encoded: no EXIF, no GPS
    return out.getvalue(), image.width, image.height


def _reporter(phone: str, name: str, anonymous: bool) -> tuple[str, str]:
    from warga.messaging.phones import normalize_msisdn

    if anonymous:
        return "", ""
    name = " ".join((name or "").split())[:120]
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    phone = (phone or "").strip()
    if phone:
        try:
            phone = normalize_msisdn(phone)
        except InvalidInput as exc:
            raise InvalidInput(
                exc.message, code=exc.code, details=[{"field": "phone", "message": str(exc.message)}]
            ) from exc
    return name, phone


def case_verify_due(received_on: date) -> date:
    return WorkCalendar().add(received_on, VERIFY_DAYS)


def case_file(
    *,
    actor: Actor | None,
    text: str,
    channel: str,
    kind: str = CaseKind.LAPORAN,
    category: str = "",
    desa: Region | None = None,
    phone: str = "",
    name: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    latitude: object = None,
    longitude: object = None,
    photos: list[bytes] | None = None,
    client_ref: str = "",
) -> Case:
    """Receive one case from any channel (public web form, SMS, counter, field app, 112, API).

    `actor` is None for the public (web form, SMS); an officer needs `reports.create` and a desa in
    their area. Only SMS (and 112) may leave the desa unknown: the case then belongs to the whole
    installation. The category is recognised from the words given (unknown → "lainnya"); the case
    is routed on receipt (the unit and the reason are kept). A repeated `client_ref` returns the
    first case. The reporter gets an SMS with the code after commit, if a phone is known.
    """
    from warga.regions.selectors import installation_region

    client_ref = (client_ref or "")[:64]
    if client_ref:
        existing = _by_client_ref(client_ref)
        if existing is not None:
            return existing
    text = text_clean(text)
    if channel not in CaseChannel.values:
        raise InvalidInput(_("Unknown channel."), code="report.channel")
    if kind not in CaseKind.values:
        raise InvalidInput(
            _("Unknown kind."), code="report.kind", details=[{"field": "kind", "message": _("Unknown kind.")}]
        )
    category = category_normalize(category, kind=kind) if category else category_normalize(text, kind=kind)
    if desa is not None and desa.level != RegionLevel.DESA:
        raise InvalidInput(
            _("A report belongs to a desa."),
            code="report.desa",
            details=[{"field": "desa", "message": _("Choose a desa.")}],
        )
    if desa is None and channel not in (CaseChannel.SMS, CaseChannel.CALL112):
        raise InvalidInput(
            _("Choose the desa where it happened."),
            code="report.desa_required",
            details=[{"field": "desa", "message": _("Required.")}],
        )
    if actor is not None and actor.is_authenticated:
        actor.require(caps.CREATE)
        if desa is not None and not actor.covers(desa.code):
            raise NotFound(_("Not found."))
    latitude, longitude = _point(latitude, longitude)
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos.") % {"n": MAX_PHOTOS},
            code="report.photos_many",
            details=[{"field": "photos", "message": _("Too many photos.")}],
        )
    checked = [_photo(raw) for raw in photos]
    reporter_name, reporter_phone = _reporter(phone, name, anonymous)
    region = desa or installation_region()
    if region is None:
        raise InvalidInput(_("The installation region is not loaded."), code="report.region")
    try:
        ctx = replace(current(), ip=None) if anonymous else current()
        with transaction.atomic(), bound(ctx):
            case = _store(
                actor=actor,
                text=text,
                channel=channel,
                kind=kind,
                category=category,
                desa=desa,
                region=region,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                anonymous=anonymous,
                confidential=confidential and not anonymous,
                latitude=latitude,
                longitude=longitude,
                photos=checked,
                client_ref=client_ref,
            )
    except IntegrityError:
        if client_ref:
            again = _by_client_ref(client_ref)
            if again is not None:
                return again
        raise
    return case


def _by_client_ref(client_ref: str) -> Case | None:
    with unscoped("resend: a client reference names one case, wherever it was filed"):
        return Case.objects.filter(client_ref=client_ref).first()


def _store(
    *,
    actor: Actor | None,
    region: Region,
    photos: list[tuple[bytes, int, int]],
    **fields: object,
) -> Case:
    now = timezone.now()
    kind, category = str(fields["kind"]), str(fields["category"])
    route = route_for(kind=kind, category=category, region=region)
    emergency = kind == CaseKind.DARURAT and route.unit is not None
    case = Case(
        tracking_code=tracking_code_new(),
        region=region,
        received_at=now,
        updated_at=now,
        verify_due_on=case_verify_due(timezone.localdate(now)),
        routed_unit=route.unit,
        routing_rule=route.rule,
        routing_reason=route.reason,
        created_by=actor.user if actor is not None else None,
        **fields,
    )
    if emergency:  # an emergency goes to the 112 centre at once; nobody verifies it first
        case.status = CaseStatus.ASSIGNED
        case.assigned_unit = route.unit
        case.assigned_at = case.verified_at = now
        case.answer_due_on = WorkCalendar().add(timezone.localdate(now), ANSWER_DAYS)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            with unscoped("tracking codes are unique across every area"):
                taken = Case.objects.filter(tracking_code=case.tracking_code).exists()
            if taken:
                case.pk = None
                case.tracking_code = tracking_code_new()
                continue
            raise
    for content, width, height in photos:
        photo = CasePhoto(case=case, width=width, height=height, size=len(content))
        photo.file.save(f"reports/{secrets.token_hex(16)}.jpg", ContentFile(content), save=False)
        photo.save()
    CaseEvent.objects.create(
        case=case,
        action="file",
        from_status="",
        to_status=case.status,
        actor=actor.user if actor is not None else None,
        actor_unit_id=actor.unit_id if actor is not None else None,
        unit=case.assigned_unit,
        at=now,
        note=route.reason,
    )
    audit_record(
        actor=actor,
        action="reports.case.file",
        obj=case,
        summary={
            "channel": case.channel,
            "kind": kind,
            "category": category,
            "photos": len(photos),
            "unit": route.unit.pk if route.unit else None,
        },
    )
    notify_received(case)
    return case


# Kept for callers of the former name (the field app's records).
def citizen_report_create(
    *,
    actor: Actor | None,
    text: str,
    channel: str,
    phone: str = "",
    desa: Region | None = None,
    category: str = "",
    client_ref: str = "",
) -> Case:
    return case_file(
        actor=actor,
        text=text,
        channel=channel,
        phone=phone,
        desa=desa,
        category=category,
        client_ref=client_ref,
    )
