from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "warga.survey"
    label = "survey"
    verbose_name = _("Satisfaction survey (IKM)")

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts): respondents and the index
        from . import sms

        sms.register()  # IKM <code> <nine digits>
