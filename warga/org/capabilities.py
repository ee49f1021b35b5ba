from warga.core.permissions import Role, grant

UNITS_VIEW = grant(
    "org.units.view",
    *[r.value for r in Role],
    description="See the directory of units and their contacts",
)
UNITS_MANAGE = grant("org.units.manage", Role.SYSTEM_ADMIN, description="Edit units and their contacts")
