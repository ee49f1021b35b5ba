from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "warga.cards"
