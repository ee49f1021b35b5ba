from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "warga.reports"
    verbose_name = _("Citizen reports")

    def ready(self) -> None:
        from . import sms

        sms.register()  # the LAPOR keyword
