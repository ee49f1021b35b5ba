"""What the public list (`/lapor/daftar/`) shows of a case: the handler decides.

A case appears there only once the handler accepted or verified it, while `public` is set, and
never when it is confidential. At that first moderation `public` takes its default
(`workflow.public_by_default`: reports of things the neighbours see anyway) and `public_text`
the original text; the handler may then change both here — typically to remove a name, a house
number or a phone number the reporter wrote. The reporter's name and phone are never shown.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict
from warga.core.scoping import Actor, get_scoped

from .. import capabilities as caps
from ..models import Case
from .intake import text_clean
from .workflow import visible


@transaction.atomic
def case_publication_set(*, actor: Actor, case_id: int, public: bool, public_text: str) -> Case:
    """Set whether the case is on the public list and the summary shown there."""
    actor.require(caps.HANDLE)
    case = get_scoped(visible(Case.objects.select_for_update(), actor), actor, pk=case_id)
    text = text_clean(public_text, field="public_text")
    if public and case.confidential:
        raise Conflict(
            _("A confidential case is never shown on the public list."), code="reports.public_confidential"
        )
    Case.objects.filter(pk=case.pk).update(
        public=public, public_text=text, updated_at=timezone.now(), version=F("version") + 1
    )
    audit_record(
        actor=actor,
        action="reports.case.publication",
        obj=case,
        summary={"public": public, "text_changed": text != case.public_text},
    )
    case.refresh_from_db()
    return case
