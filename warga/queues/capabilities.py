from warga.core.permissions import Role, grant

# Counter officers are the offices' own staff: the kecamatan counter and verifier, the
# Disdukcapil verifier and printing operator; they operate the counters of their own office.
OPERATE = grant(
    "queues.operate",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    description="Issue tickets at the desk and call, recall, skip, transfer and finish tickets at a counter",
)
MANAGE = grant(
    "queues.manage",
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.SYSTEM_ADMIN,
    description="Set up an office's queue: services, counters, opening hours and daily quotas",
)
STATS = grant(
    "queues.stats",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    Role.REGIONAL_VIEWER,
    Role.SYSTEM_ADMIN,
    description="See queue statistics: waiting and service times, no-shows, tickets served per day",
)
