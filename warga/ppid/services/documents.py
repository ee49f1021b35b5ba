"""Answer documents: attached by the holding unit (checked by content and size), delivered by a
signed link that expires (every download audited; a forged or expired link is "not found")."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, NotFound
from warga.core.scoping import Actor, get_scoped, unscoped

from .. import capabilities as caps
from ..models import GIVING, AnswerDocument, InformationRequest, RequestEvent, RequestStatus
from ._common import file_check, text_clean
from .workflow import HOLDER, side_refusal, visible

LINK_SALT = "warga.ppid.download"
MAX_DOCUMENTS = 20


def link_days() -> int:
    return int(getattr(settings, "PPID_LINK_DAYS", 14))


@transaction.atomic
def document_attach(*, actor: Actor, request_id: int, name: str, content: bytes) -> AnswerDocument:
    """Attach one answer document to a request the actor's unit holds (the PPID utama: any),
    before the information is delivered."""
    actor.require(caps.HANDLE)
    request = get_scoped(visible(InformationRequest.objects.select_for_update(), actor), actor, pk=request_id)
    refused = side_refusal(actor, request, HOLDER)
    if refused is not None:
        raise refused
    if request.status == RequestStatus.DELIVERED:
        raise Conflict(_("The information was already delivered."), code="ppid.delivered")
    if request.documents.count() >= MAX_DOCUMENTS:
        raise Conflict(
            _("At most %(n)d documents per request.") % {"n": MAX_DOCUMENTS}, code="ppid.documents_many"
        )
    checked = file_check(content)
    label = text_clean(name, field="name", limit=120, required=False) or _("Document")
    document = AnswerDocument(
        request=request,
        name=label,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=checked.sha256,
        uploaded_by=actor.user,
        created_at=timezone.now(),
    )
    document.file.save(
        f"ppid/{secrets.token_hex(16)}.{checked.extension}", ContentFile(checked.content), save=False
    )
    document.save()
    RequestEvent.objects.create(
        request=request,
        action="attach",
        from_status=request.status,
        to_status=request.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        note=label,
    )
    audit_record(
        actor=actor,
        action="ppid.document.attach",
        obj=document,
        summary={"request": request.pk, "size": document.size, "type": document.content_type},
    )
    return document


def download_token(document: AnswerDocument) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{document.pk}.{document.request_id}")


def download_open(token: str) -> AnswerDocument:
    """The document a link names, while the link is genuine and unexpired and the request still
    gives the information; NotFound otherwise (forged, expired, withdrawn: the same answer). The
    download is audited."""
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(str(token)[:200], max_age=link_days() * 86400)
        doc_id, request_id = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This link is not valid or has expired.")) from None
    with unscoped("public download: the signed link names one answer document"):
        document = (
            AnswerDocument.objects.select_related("request")
            .filter(pk=doc_id, request_id=request_id, request__outcome__in=GIVING)
            .first()
        )
        if document is None:
            raise NotFound(_("This link is not valid or has expired."))
        audit_record(
            actor=None,
            action="ppid.document.download",
            obj=document,
            summary={"request": request_id},
        )
    return document
