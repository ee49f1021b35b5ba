from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueuesConfig(AppConfig):
    name = "warga.queues"
    label = "queues"
    verbose_name = _("Office queues")

    def ready(self) -> None:
        from . import sms

        sms.register()  # ANTRI <service> <date>, BATAL <code>
