from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "warga.cards"

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts)
        from . import sms

        sms.register()  # the KTP and STATUS keywords, the broadcast segment by KTP-el status

        from .signals import card_handed_over
        from .survey import on_card_handed_over

        card_handed_over.connect(on_card_handed_over, dispatch_uid="cards.survey_invite")
