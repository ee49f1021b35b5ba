from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "warga.regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from . import lookups  # noqa: F401  (registers the `within` lookup)
