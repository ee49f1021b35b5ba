from warga.core.permissions import Role, grant

BOARDS_ANNOUNCE = grant(
    "boards.announce",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.SYSTEM_ADMIN,
    description="Post announcements on village running-text boards",
)
BOARDS_MODERATE = grant(
    "boards.moderate",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.SYSTEM_ADMIN,
    description="Approve or reject announcements for the boards of one's area",
)
