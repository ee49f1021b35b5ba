from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PpidConfig(AppConfig):
    name = "warga.ppid"
    label = "ppid"
    verbose_name = _("Public information service (PPID)")

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts)
        from . import sms

        sms.register()  # INFO <registration number>
