"""What the register lets each role do. Code checks these names, never roles."""

from warga.core.permissions import Role, grant

_OFFICERS = (
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.PRINTING_OPERATOR,
    Role.OUTREACH_OFFICER,
)
_REGISTRARS = (
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
)

REGISTRY_VIEW = grant(
    "registry.view",
    *_OFFICERS,
    description="Search residents and families in one's area and open their records",
)
REGISTRY_EDIT = grant(
    "registry.edit", *_REGISTRARS, description="Add residents and families, correct data (with a reason)"
)
REGISTRY_CORRECT = grant(
    "registry.correct",
    *_REGISTRARS,
    Role.OUTREACH_OFFICER,
    description="Correct a resident's recorded data with a reason (also from the field app)",
)
REGISTRY_EVENTS = grant(
    "registry.events", *_REGISTRARS, description="Register births, deaths, moves, marriages and divorces"
)
REGISTRY_PHONES = grant(
    "registry.phones",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.OUTREACH_OFFICER,
    description="Add and verify residents' phone numbers and record their consent",
)
REGISTRY_EXPORT = grant(
    "registry.export",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    description="Export register data and statistics of one's area",
)
REGISTRY_RESIDENTS_EXPORT = grant(
    "registry.residents_export",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    description="Export or print the residents list of a search in one's area (personal data in bulk)",
)
REGISTRY_STATS = grant(
    "registry.stats",
    *_OFFICERS,
    Role.REGIONAL_VIEWER,
    Role.SYSTEM_ADMIN,
    description="See population statistics (counts only) of one's area",
)
REGISTRY_IMPORT = grant(
    "registry.import",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.SYSTEM_ADMIN,
    description="Import residents and families from files",
)
REGISTRY_DEDUPE = grant(
    "registry.dedupe",
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    description="Review probable duplicate residents and merge them",
)
