from warga.core.permissions import Role, grant

# The dashboards: what an officer sees there is still limited to the metrics whose own
# capability (the domain's statistics) they hold, or whose topics their unit handles, and to
# their area. Counts only: no fact names a person.
VIEW = grant(
    "facts.view",
    Role.DISDUKCAPIL_HEAD,
    Role.REGIONAL_VIEWER,
    Role.AGENCY_HEAD,
    Role.KECAMATAN_VERIFIER,
    Role.KECAMATAN_COUNTER,
    Role.DESA_OPERATOR,
    Role.COMPLAINT_HANDLER,
    Role.PPID_OFFICER,
    Role.SYSTEM_ADMIN,
    description="See the daily charts of one's area and domain, compare regions and export the tables",
)
SUBSCRIBE = grant(
    "facts.subscribe",
    Role.DISDUKCAPIL_HEAD,
    Role.REGIONAL_VIEWER,
    Role.AGENCY_HEAD,
    description="Ask for the morning summary of one's area and domain by SMS or e-mail",
)
REBUILD = grant(
    "facts.rebuild",
    Role.SYSTEM_ADMIN,
    description="Rebuild a day's facts from the source records",
)
