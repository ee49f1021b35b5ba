from warga.core.permissions import Role, grant

# OPD staff keep their unit's register, kecamatan officers their area's; the PPID utama at
# Diskominfo and the administrator keep every OPD's; heads of agencies read. The regional head
# sees counts, never a person, so not this register of names and numbers.
VIEW = grant(
    "stakeholders.view",
    Role.AGENCY_STAFF,
    Role.AGENCY_HEAD,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.PPID_OFFICER,
    Role.SYSTEM_ADMIN,
    description="See the stakeholder register (an OPD its own, a kecamatan its area's)",
)
MANAGE = grant(
    "stakeholders.manage",
    Role.AGENCY_STAFF,
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.PPID_OFFICER,
    Role.SYSTEM_ADMIN,
    description="Add, edit, archive, import and export stakeholders",
)
ALL_UNITS = grant(
    "stakeholders.all_units",
    Role.PPID_OFFICER,
    Role.SYSTEM_ADMIN,
    description="See the stakeholders of every OPD in one's area, not only one's own unit's",
)
