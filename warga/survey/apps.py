from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "warga.survey"
    label = "survey"
    verbose_name = _("Satisfaction survey (IKM)")

    def ready(self) -> None:
        from . import sms

        sms.register()  # IKM <code> <nine digits>
