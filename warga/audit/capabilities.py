from warga.core.permissions import Role, grant

AUDIT_VIEW = grant("audit.view", Role.SYSTEM_ADMIN, Role.DISDUKCAPIL_HEAD, description="Search the audit log")
