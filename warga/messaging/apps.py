from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def sms_health() -> dict[str, object]:
    """/healthz's "sms": is SMS going out (the head of the queue's age, the dispatcher's lease)?"""
    from .selectors import sms_queue_health

    health = sms_queue_health()
    return {
        "status": "ok" if health.healthy else "stalled",
        "oldest_waiting_seconds": health.oldest_wait_seconds,
        "dispatcher": health.dispatcher or None,
        "dispatcher_live": health.dispatcher_live,
        "heartbeat": health.heartbeat_at.isoformat() if health.heartbeat_at else None,
    }


class MessagingConfig(AppConfig):
    name = "warga.messaging"
    verbose_name = _("SMS center")

    def ready(self) -> None:
        from warga.core.health import register_health_check

        register_health_check("sms", sms_health)
