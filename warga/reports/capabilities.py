from warga.core.permissions import Role, grant

REPORTS_VIEW = grant(
    "reports.view",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.COMPLAINT_HANDLER,
    Role.AGENCY_STAFF,
    Role.AGENCY_HEAD,
    Role.SYSTEM_ADMIN,
    description="See citizen reports of one's area",
)
REPORTS_CREATE = grant(
    "reports.create",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.COMPLAINT_HANDLER,
    Role.OUTREACH_OFFICER,
    description="Record a citizen report received at a counter or in the field",
)
