"""Writes for civil-registration applications, one module per part of the work:

- `submission`: taking an application (counter, online form, field app) and correcting it;
- `field`: several field applications with their scans taken at once (a field-app batch);
- `documents`: scans for the checklist;
- `workflow`: the table of actions (states, capability, guard, update) — the one state machine;
- `transitions`: executing those actions, the online lodge and resubmission, the signature;
- `batches`, `catalogue` (catalogue, rollout, paper batches), `overdue`, `notices` (SMS).

The public names are re-exported here, so callers import from `warga.applications.services`.
"""

from .batches import batch_dispatch_issued, batch_receive, batch_send_verified
from .catalogue import (
    SERVICE_EDITABLE,
    paper_batch_record,
    paper_batch_update,
    rollout_set,
    service_update,
)
from .common import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    office_mode,
    tracking_code_new,
    tracking_code_normalize,
)
from .documents import document_attach, missing_documents, orphan_scans_sweep
from .field import FieldApplication, applications_submit_field_many
from .overdue import applications_notify_overdue
from .submission import application_submit, application_submit_with_documents, application_update
from .transitions import (
    application_lodge_online,
    application_resubmit_online,
    application_signature_record,
    application_transition,
)
from .workflow import ACTIONS, Action

__all__ = [
    "ACTIONS",
    "SERVICE_EDITABLE",
    "TRACKING_ALPHABET",
    "TRACKING_LENGTH",
    "Action",
    "FieldApplication",
    "application_lodge_online",
    "application_resubmit_online",
    "application_signature_record",
    "application_submit",
    "application_submit_with_documents",
    "application_transition",
    "application_update",
    "applications_notify_overdue",
    "applications_submit_field_many",
    "batch_dispatch_issued",
    "batch_receive",
    "batch_send_verified",
    "document_attach",
    "missing_documents",
    "office_mode",
    "orphan_scans_sweep",
    "paper_batch_record",
    "paper_batch_update",
    "rollout_set",
    "service_update",
    "tracking_code_new",
    "tracking_code_normalize",
]
