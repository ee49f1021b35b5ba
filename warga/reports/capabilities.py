from warga.core.permissions import Role, grant

# By business need: the complaint handler and the area's front offices (desa, kecamatan counter),
# which take cases in and follow those of their area. Other units see only the cases assigned
# to them (`reports.respond`); the regional head follows the handling (`reports.oversee`).
VIEW = grant(
    "reports.view",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.COMPLAINT_HANDLER,
    description="See the cases (reports, complaints, aspirations, emergencies) of one's area",
)
CREATE = grant(
    "reports.create",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.COMPLAINT_HANDLER,
    Role.OUTREACH_OFFICER,
    Role.CALL_TAKER,
    description="Record a case received at a counter, in the field or on a 112 call",
)
HANDLE = grant(
    "reports.handle",
    Role.COMPLAINT_HANDLER,
    description="Verify, merge, reject, assign and close cases; see a confidential reporter's identity",
)
RESPOND = grant(
    "reports.respond",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.AGENCY_STAFF,
    Role.AGENCY_HEAD,
    description="Acknowledge, answer or hand back the cases assigned to one's unit",
)
OVERSEE = grant(
    "reports.oversee",
    Role.COMPLAINT_HANDLER,
    Role.REGIONAL_VIEWER,
    description="See every case of the area with the overdue ones (regional secretary's view)",
)
ROUTING_MANAGE = grant(
    "reports.routing.manage",
    Role.SYSTEM_ADMIN,
    Role.COMPLAINT_HANDLER,
    description="List, add, change and delete the routing rules of cases",
)
TASKS = grant(
    "reports.tasks",
    Role.DESA_OPERATOR,
    Role.KECAMATAN_COUNTER,
    Role.DISDUKCAPIL_VERIFIER,
    description="See the tasks reported deaths and births make for one's office and register them",
)
EXPORT = grant(
    "reports.export",
    Role.COMPLAINT_HANDLER,
    description="Export the cases of one's area as CSV or XLSX for SP4N-LAPOR! (no reporter identity)",
)

# The 112 desk: the call-taker records calls, sends the bodies, logs their times and marks prank
# and duplicate calls; the complaint handler and the regional head follow the open emergencies
# and the response times.
EMERGENCY_DESK = grant(
    "reports.emergency.desk",
    Role.CALL_TAKER,
    description="Record 112 calls, dispatch bodies, log their times, mark prank and duplicate calls",
)
EMERGENCY_VIEW = grant(
    "reports.emergency.view",
    Role.CALL_TAKER,
    Role.COMPLAINT_HANDLER,
    Role.REGIONAL_VIEWER,
    description="See the open emergencies and the response-time statistics of one's area",
)
