from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "warga.reports"
    verbose_name = _("Citizen reports")

    def ready(self) -> None:
        from . import sms

        sms.register()  # the LAPOR keyword

        from warga.registry.signals import life_event_registered

        life_event_registered.connect(_life_event_registered, dispatch_uid="reports.task_link")


def _life_event_registered(sender: Any, *, event: Any, actor: Any, **kwargs: Any) -> None:
    """A reported death or birth registered with its task's reference closes that task."""
    from .services.tasks import task_link_life_event

    task_link_life_event(event=event, actor=actor)
