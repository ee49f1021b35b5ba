from warga.core.permissions import Role, grant

ACCOUNTS_MANAGE = grant("accounts.manage", Role.SYSTEM_ADMIN, description="Manage staff accounts and units")
TOKENS_OWN = grant(
    "accounts.tokens",
    *[r.value for r in Role],
    description="Create and revoke one's own API tokens",
)
