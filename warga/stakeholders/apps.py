from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "warga.stakeholders"
    label = "stakeholders"
    verbose_name = _("Stakeholder register")

    def ready(self) -> None:
        from warga.messaging.audience import register_recipient_list

        from .sms import StakeholderList

        register_recipient_list(
            "stakeholders", StakeholderList()
        )  # SMS broadcasts to consenting stakeholders
