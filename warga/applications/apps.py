from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "warga.applications"

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts)
        from . import sms

        sms.register()  # the CEK keyword
