from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "warga.imports"
