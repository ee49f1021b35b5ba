"""Scans attached to an application and the checklist they complete."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor, get_scoped

from .. import capabilities as caps
from ..models import (
    Application,
    Attachment,
    Channel,
    RequiredDocument,
    Status,
)
from ..uploads import check_file
from .common import _now

# --- Documents ---------------------------------------------------------------------------------


logger = logging.getLogger(__name__)


@transaction.atomic
def document_attach(
    *,
    actor: Actor,
    application_id: int,
    requirement: str,
    content: bytes,
    public_code: str | None = None,
) -> Attachment:
    """Check a scan by content and store it under a random name for one checklist item.

    Officers attach to files of their office while the file is at the kecamatan; the online
    form attaches (with the tracking code it was just given) while the file is a draft.
    """
    if public_code is not None:
        application = (
            Application.objects.select_related("service")
            .filter(tracking_code=public_code, pk=application_id)
            .first()
        )
        if application is None or application.status != Status.DRAFT or application.channel != Channel.ONLINE:
            raise NotFound(_("Not found."))
    else:
        if not (actor.can(caps.SUBMIT) or actor.can(caps.SUBMIT_OUTREACH)):
            actor.require(caps.SUBMIT)
        application = get_scoped(Application.objects.select_related("service"), actor, pk=application_id)
        if actor.can(caps.SUBMIT) and actor.unit_id == application.office_id:
            pass
        elif not (application.channel == Channel.OUTREACH and application.created_by_id == actor.id):
            raise NotAllowed(_("Only the office handling this application can attach documents."))
        allowed = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED_TO_APPLICANT, Status.RETURNED_TO_KECAMATAN)
        if application.status not in allowed:
            raise Conflict(
                _("Documents cannot be added while the application is %(status)s.")
                % {"status": application.get_status_display().lower()},
                code="applications.not_editable",
            )
    return _store_attachment(application=application, requirement=requirement, content=content, actor=actor)


def _store_attachment(
    *, application: Application, requirement: str, content: bytes, actor: Actor
) -> Attachment:
    """Check a scan by content, store it under a random name and make it the current one for
    its checklist item (the previous one is kept, marked replaced)."""
    codes = set(application.service.requirements.values_list("code", flat=True))
    if requirement not in codes:
        raise InvalidInput(
            _("Unknown checklist item for this service."), code="applications.requirement_unknown"
        )
    checked = check_file(content)
    name = f"applications/{timezone.localdate():%Y/%m}/{secrets.token_urlsafe(24)}.{checked.extension}"
    stored = default_storage.save(name, ContentFile(checked.content))
    try:
        with transaction.atomic():
            Attachment.objects.filter(
                application=application, requirement=requirement, replaced_at__isnull=True
            ).update(replaced_at=_now())
            attachment = Attachment.objects.create(
                application=application,
                requirement=requirement,
                file=stored,
                content_type=checked.content_type,
                size=len(checked.content),
                pages=checked.pages,
                sha256=checked.sha256,
                uploaded_by=actor.user,
            )
    except Exception:
        default_storage.delete(stored)
        raise
    audit_record(
        actor=actor,
        action="applications.attachment.add",
        obj=attachment,
        summary={"application": application.pk, "requirement": requirement, "pages": checked.pages},
    )
    return attachment


def missing_documents(application: Application) -> list[RequiredDocument]:
    present = set(
        application.attachments.filter(replaced_at__isnull=True).values_list("requirement", flat=True)
    )
    return [r for r in application.service.requirements.all() if r.mandatory and r.code not in present]


def _require_documents(application: Application) -> None:
    missing = missing_documents(application)
    if missing:
        raise InvalidInput(
            _("Mandatory documents are missing: %(docs)s.")
            % {"docs": ", ".join(r.display_label for r in missing)},
            code="applications.documents_missing",
            details=[{"field": r.code, "message": _("Missing.")} for r in missing],
        )


def orphan_scans_sweep(*, older_than: timedelta = timedelta(days=1), months: int = 2) -> int:
    """Delete stored scans that no attachment points to: a scan is written to storage before the
    transaction that records it, so a rolled-back batch (a field-app sync that fell back, a
    request cut mid-way) or a killed process can leave its file behind. Only files older than
    `older_than` are touched, so a transaction still running keeps its file. Looks at this month's
    and the previous `months - 1` months' folders (names are `applications/YYYY/MM/<random>`)."""
    now = timezone.now()
    day = timezone.localdate()
    removed = 0
    for back in range(months):
        year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
        folder = f"applications/{year:04d}/{month + 1:02d}"
        try:
            _dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{name}" for name in files]
        for start in range(0, len(names), 500):
            part = names[start : start + 500]
            kept = set(Attachment.objects.filter(file__in=part).values_list("file", flat=True))
            for name in part:
                if name in kept:
                    continue
                try:
                    if now - default_storage.get_modified_time(name) < older_than:
                        continue
                except FileNotFoundError:
                    continue
                default_storage.delete(name)
                removed += 1
    if removed:
        logger.info("orphan scans removed: %d", removed)
    return removed
