"""Who may do what with KTP-el cards. Code checks these names, never roles."""

from warga.core.permissions import Role, grant, roles_with

CARDS_VIEW = grant(
    "cards.view",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    description="See residents' KTP-el status, recording targets and SUKET",
)
CARDS_STATS = grant(
    "cards.stats",
    *roles_with(CARDS_VIEW),
    Role.REGIONAL_VIEWER,
    description="See card statistics (counts only): coverage, backlog, printing",
)
CARDS_RECORD = grant(
    "cards.record",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.OUTREACH_OFFICER,
    description="Record that KTP-el recording took place",
)
CARDS_STATUS_UPDATE = grant(
    "cards.status_update",
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    description="Enter or import the national centre's outcomes (PRR, duplicate, enrolment failure)",
)
CARDS_EXPORT = grant(
    "cards.export",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.OUTREACH_OFFICER,
    description="Export lists of residents to reach (outreach)",
)
CARDS_STOCK_VIEW = grant(
    "cards.stock_view",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    Role.REGIONAL_VIEWER,
    description="See the blank-card ledger",
)
CARDS_STOCK_MANAGE = grant(
    "cards.stock_manage",
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    description="Request, receive, transfer and count blank cards",
)
CARDS_PRINT = grant(
    "cards.print",
    Role.PRINTING_OPERATOR,
    description="Build print batches and record printed and spoiled cards",
)
CARDS_RULES = grant(
    "cards.rules",
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    description="Edit the print-queue priority rules",
)
CARDS_DISTRIBUTE = grant(
    "cards.distribute",
    Role.PRINTING_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    description="Send, receive and hand over printed cards",
)
CARDS_SUKET = grant(
    "cards.suket",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    description="Issue SUKET while no blank card is available",
)
