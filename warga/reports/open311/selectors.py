"""Reads of Open311: the public list of cases and one case, without personal data.

Listed: non-confidential cases of the public services (`catalogue.SERVICES`) that were not
rejected or merged. Never: the reporter (name, phone, anonymity), the exact point, photos, the
history. The text and a rounded point (3 decimals, about 100 m) only once a complaint handler
verified the case (the public information is moderated); before that the description says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from warga.core.scoping import unscoped

from ..models import FINISHED_STATUSES, Case, CaseKind, CaseStatus
from .catalogue import SERVICES, service_of

MAX_REQUESTS = 1000
NOT_LISTED = (CaseStatus.REJECTED, CaseStatus.MERGED)


def _public_q() -> Q:
    listed = Q(kind=CaseKind.ASPIRASI)
    for service in SERVICES.values():
        if service.kind != CaseKind.ASPIRASI:
            listed |= Q(kind=service.kind, category=service.category)
    return listed & Q(confidential=False) & ~Q(status__in=NOT_LISTED)


@dataclass(frozen=True)
class RequestFilters:
    ids: Sequence[int] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()  # "open", "closed"
    start: datetime | None = None
    end: datetime | None = None


def public_requests(filters: RequestFilters) -> list[Case]:
    """The public cases matching the filters, newest first, at most 1000 (ids override the
    other filters, as the specification says)."""
    with unscoped("Open311: the public list of non-confidential cases, no personal data"):
        qs: QuerySet[Case] = Case.objects.filter(_public_q())
        if filters.ids:
            qs = qs.filter(pk__in=list(filters.ids))
        else:
            if filters.service_codes:
                wanted = Q(pk__in=[])
                for code in filters.service_codes:
                    service = SERVICES[code]
                    wanted |= (
                        Q(kind=CaseKind.ASPIRASI)
                        if service.kind == CaseKind.ASPIRASI
                        else Q(kind=service.kind, category=service.category)
                    )
                qs = qs.filter(wanted)
            if filters.statuses and set(filters.statuses) != {"open", "closed"}:
                closed = Q(status__in=FINISHED_STATUSES)
                qs = qs.filter(closed if "closed" in filters.statuses else ~closed)
            if filters.start is not None:
                qs = qs.filter(received_at__gte=filters.start)
            if filters.end is not None:
                qs = qs.filter(received_at__lte=filters.end)
        found = list(qs.only(*LIST_FIELDS).order_by("-received_at", "-id")[:MAX_REQUESTS])
        _attach_names(found)
        return found


# The columns a listed request shows; the desa's and the unit's names are read once per list
# (a few hundred desas and units) instead of joined to every one of up to 1,000 rows.
LIST_FIELDS = (
    "id",
    "kind",
    "category",
    "status",
    "answer",
    "text",
    "verified_at",
    "received_at",
    "updated_at",
    "answer_due_on",
    "latitude",
    "longitude",
    "desa_id",
    "assigned_unit_id",
)


def _attach_names(cases: list[Case]) -> None:
    from warga.org.models import Unit
    from warga.regions.models import Region

    desas = {
        region.code: region.display_name
        for region in Region.objects.filter(code__in={c.desa_id for c in cases if c.desa_id})
    }
    units = dict(
        Unit.objects.filter(pk__in={c.assigned_unit_id for c in cases if c.assigned_unit_id}).values_list(
            "pk", "name"
        )
    )
    for case in cases:
        case.public_desa_name = desas.get(case.desa_id or "", "")  # type: ignore[attr-defined]
        case.public_unit_name = units.get(case.assigned_unit_id or 0, "")  # type: ignore[attr-defined]


def public_request(pk: int) -> Case | None:
    with unscoped("Open311: one public case by its number, no personal data"):
        return Case.objects.filter(_public_q(), pk=pk).select_related("desa", "assigned_unit").first()


def case_exists(pk: int) -> bool:
    with unscoped("Open311: a token names a case filed through Open311"):
        return Case.objects.filter(pk=pk).exists()


def _w3c(moment: Any) -> str | None:
    """W3C date-time in the installation's time zone (a date: the end of that day)."""
    from django.utils import timezone

    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _rounded(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


_LABELS: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Status labels and service names in the active language, translated once per language
    (a list of 1,000 requests would otherwise translate them 1,000 times)."""
    from django.utils.translation import get_language

    language = get_language() or ""
    labels = _LABELS.get(language)
    if labels is None:
        labels = _LABELS[language] = (
            {str(value): str(label) for value, label in CaseStatus.choices},
            {code: str(service.name) for code, service in SERVICES.items()},
        )
    return labels


def _unit_name(case: Case) -> str:
    name = getattr(case, "public_unit_name", None)
    if name is not None:
        return str(name)
    return case.assigned_unit.name if case.assigned_unit_id and case.assigned_unit else ""


def _desa_name(case: Case) -> str:
    name = getattr(case, "public_desa_name", None)
    if name is not None:
        return str(name)
    return case.desa.display_name if case.desa_id and case.desa else ""


def request_public(case: Case) -> dict[str, Any]:
    """One case as a GeoReport v2 service request: public fields only."""
    verified = case.verified_at is not None
    open_ = case.status not in FINISHED_STATUSES
    answer = case.answer if case.status in (CaseStatus.ANSWERED, CaseStatus.CLOSED) else ""
    status_labels, service_names = _labels()
    code = service_of(case.kind, case.category) or "lainnya"
    return {
        "service_request_id": str(case.pk),
        "status": "open" if open_ else "closed",
        "status_notes": answer or status_labels.get(case.status, case.status),
        "service_name": service_names[code],
        "service_code": code,
        "description": case.text if verified else _("Awaiting verification by the complaint handler."),
        "agency_responsible": _unit_name(case),
        "service_notice": "",
        "requested_datetime": _w3c(case.received_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.answer_due_on) if open_ else None,
        "address": _desa_name(case),
        "address_id": case.desa_id or "",
        "zipcode": "",
        "lat": _rounded(case.latitude) if verified else None,
        "long": _rounded(case.longitude) if verified else None,
        "media_url": "",
    }


def jurisdiction() -> str:
    return str(settings.WARGA_REGION_CODE)
