from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "warga.reports"
    verbose_name = _("Citizen reports")

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts)
        from . import sms

        sms.register()  # the LAPOR keyword

        from warga.core.hygiene import register_bad_input_format

        register_bad_input_format("/open311/", _open311_bad_input)

        from warga.registry.signals import life_event_registered

        life_event_registered.connect(_life_event_registered, dispatch_uid="reports.task_link")


def _life_event_registered(sender: Any, *, event: Any, actor: Any, **kwargs: Any) -> None:
    """A reported death or birth registered with its task's reference closes that task."""
    from .services.tasks import task_link_life_event

    task_link_life_event(event=event, actor=actor)


def _open311_bad_input(request: Any, status: int, message: str) -> Any:
    """Input refused before the view (control characters, numbers out of range) answers in
    GeoReport's error format, JSON or XML as the path's extension says."""
    from .open311.formats import Open311Error, error_response

    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    return error_response(fmt, [Open311Error(status, message)])
