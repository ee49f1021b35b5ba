from warga.core.permissions import Role, grant

BROADCAST_CREATE = grant(
    "sms.broadcast_create",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    Role.SYSTEM_ADMIN,
    description="Compose SMS broadcasts to residents of one's area",
)
BROADCAST_APPROVE = grant(
    "sms.broadcast_approve",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.SYSTEM_ADMIN,
    description="Approve SMS broadcasts composed by someone else",
)
SMS_STATS = grant(
    "sms.stats",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    Role.REGIONAL_VIEWER,
    Role.SYSTEM_ADMIN,
    description="See broadcasts and SMS delivery statistics",
)
INVITATIONS_MODERATE = grant(
    "sms.invitations_moderate",
    Role.DESA_OPERATOR,
    Role.SYSTEM_ADMIN,
    description="Approve or refuse residents' invitations of one's desa",
)
