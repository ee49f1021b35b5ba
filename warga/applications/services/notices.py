"""What the applicant is told by SMS when their file moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.workdays import WorkCalendar

from ..models import (
    Application,
    Status,
)
from .common import _indonesian, _now, _sms, _trim


def _enter_submitted(application: Application, *, now: datetime, first: bool) -> None:
    """Start the clocks and tell the applicant the file was received."""
    calendar = WorkCalendar()
    today = timezone.localdate(now)
    service = application.service
    updates: dict[str, Any] = {"stage_due_on": calendar.add(today, service.target_days_kecamatan)}
    if first or application.submitted_at is None:
        updates["submitted_at"] = now
        updates["due_on"] = calendar.add(today, service.target_days_total)
    else:
        last_return = (
            application.events.filter(to_status=Status.RETURNED_TO_APPLICANT)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        used = calendar.between(
            timezone.localdate(application.submitted_at), timezone.localdate(last_return or now)
        )
        updates["due_on"] = calendar.add(today, max(1, service.target_days_total - used))
    Application.objects.filter(pk=application.pk).update(**updates)
    for key, value in updates.items():
        setattr(application, key, value)
    _sms(
        application,
        _indonesian(
            lambda: (
                _(
                    "Your application %(code)s (%(service)s) was received at %(office)s. Expected ready: %(date)s. Services are free of charge."
                )
                % {
                    "code": application.tracking_code,
                    "service": service.name,
                    "office": application.office.name,
                    "date": application.due_on.strftime("%d-%m-%Y") if application.due_on else "-",
                }
            )
        ),
    )


def notify(application: Application, action: str) -> None:
    """The SMS that follows a workflow action, if any."""
    code = application.tracking_code
    service = application.service.name
    if action in ("lodge", "resubmit"):
        _enter_submitted(application, now=_now(), first=action == "lodge")
    elif action == "return_to_applicant":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Application %(code)s (%(service)s) needs correction: %(reason)s. Please contact %(office)s."
                    )
                    % {
                        "code": code,
                        "service": service,
                        "reason": _trim(application.return_reason, 200),
                        "office": application.office.name,
                    }
                )
            ),
        )
    elif action == "approve":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _("Application %(code)s (%(service)s) was approved. The document is being issued.")
                    % {"code": code, "service": service}
                )
            ),
        )
    elif action == "reject":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Application %(code)s (%(service)s) was rejected: %(reason)s. Please contact %(office)s."
                    )
                    % {
                        "code": code,
                        "service": service,
                        "reason": _trim(application.return_reason, 200),
                        "office": application.office.name,
                    }
                )
            ),
        )
    elif action == "receive":
        _sms(
            application,
            _indonesian(
                lambda: (
                    _(
                        "Your document for application %(code)s (%(service)s) is ready for collection at %(office)s. Free of charge."
                    )
                    % {"code": code, "service": service, "office": application.office.name}
                )
            ),
        )
