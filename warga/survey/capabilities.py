from warga.core.permissions import Role, grant

# Counts only: the index, its grade and the number of respondents per unit; never a respondent.
VIEW = grant(
    "survey.view",
    Role.DISDUKCAPIL_HEAD,
    Role.AGENCY_HEAD,
    Role.REGIONAL_VIEWER,
    description="See the satisfaction index (IKM) per unit and period (counts only)",
)
