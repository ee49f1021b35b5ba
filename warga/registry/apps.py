from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from .search_index import ensure_search_index

    ensure_search_index(connections[using])


class RegistryConfig(AppConfig):
    name = "warga.registry"
    verbose_name = _("Population register")

    def ready(self) -> None:
        from warga.messaging.audience import register_audience

        from . import signals  # noqa: F401  (keeps name_key in step with full_name)
        from .audience import RegisterAudience

        register_audience(RegisterAudience())  # the residents and numbers SMS reaches

        post_migrate.connect(_ensure_search_index, sender=self)
