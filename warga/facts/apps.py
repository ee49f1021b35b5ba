from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactsConfig(AppConfig):
    name = "warga.facts"
    label = "facts"
    verbose_name = _("Daily facts and dashboards")

    def ready(self) -> None:
        # The register's and the SMS centre's metrics: those apps sit below facts, so facts
        # registers their metrics itself, reading them through their models and selectors.
        from . import builtin

        builtin.register()
