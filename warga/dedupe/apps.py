from django.apps import AppConfig


class DedupeConfig(AppConfig):
    name = "warga.dedupe"
