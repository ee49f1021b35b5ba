"""What outreach checks. Field officers also need the capabilities of the services their records go
through (cards recording, applications, register corrections, reports), declared by those apps."""

from warga.core.permissions import Role, grant, roles_with

OUTREACH_VIEW = grant(
    "outreach.view",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DESA_OPERATOR,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    Role.SYSTEM_ADMIN,
    description="See outreach teams, events, targets and results",
)
OUTREACH_STATS = grant(
    "outreach.stats",
    *roles_with(OUTREACH_VIEW),
    Role.REGIONAL_VIEWER,
    description="See outreach results per team and event (counts only)",
)
OUTREACH_PLAN = grant(
    "outreach.plan",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    description="Plan outreach: teams, events, target lists, announcements",
)
OUTREACH_FIELD = grant(
    "outreach.field",
    Role.OUTREACH_OFFICER,
    Role.KECAMATAN_COUNTER,
    Role.DESA_OPERATOR,
    description="Use the offline field app: register a phone, download assignments, sync records",
)
OUTREACH_DEVICES = grant(
    "outreach.devices",
    Role.SYSTEM_ADMIN,
    Role.DISDUKCAPIL_HEAD,
    description="See and revoke the field devices of officers; extend assignments",
)
OUTREACH_REVIEW = grant(
    "outreach.review",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    description="Accept or reject the records a revoked field phone uploaded before it was wiped",
)
