from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "warga.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from importlib import import_module

        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its capabilities (capabilities.py) and navigation (nav.py);
        # collecting them here keeps the shared files free of per-app edits.
        autodiscover_modules("capabilities")
        autodiscover_modules("nav")
        import_module(settings.WARGA_PERIODIC_TASKS)  # registers the periodic tasks with Huey

        from . import checks  # noqa: F401
        from .images import install

        install()  # Pillow's decompression-bomb guard at Warga's pixel budget
