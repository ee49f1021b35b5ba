from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "warga.applications"

    def ready(self) -> None:
        from . import sms

        sms.register()  # the CEK keyword
