from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "warga.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from warga.core.tables import register_export_recorder

        from . import checks  # noqa: F401
        from .services import audit_record

        def record_export(actor, action, summary, object_type):  # type: ignore[no-untyped-def]
            audit_record(actor=actor, action=action, object_type=object_type, summary=summary)

        register_export_recorder(record_export)
