"""SMS gateways. The development gateway records messages only (the SMS simulator page
shows them); the Kannel gateway (warga.messaging.kannel) hands them to a real SMSC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import SmsMessage


@dataclass(frozen=True)
class SendResult:
    gateway_message_id: str
    delivered: bool = False  # the gateway knows it reached the phone (development only)


class GatewayError(Exception):
    """The gateway did not take the message. `permanent`: retrying cannot help. `unreachable`:
    no connection could be made (refused, unreachable host), so the gateway cannot have it and
    the fault is the gateway's, not the message's."""

    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


class GatewayOutcomeUnknown(Exception):
    """The request went out but no answer came back: the gateway may or may not have the
    message. It is never resent blindly (see docs/decisions/0010-sms-delivery-at-most-once.md)."""


class Gateway(Protocol):
    name: str

    def send(self, message: SmsMessage) -> SendResult: ...


class DevelopmentGateway:
    """Sends nothing: the message is only recorded, as if it reached the phone at once."""

    name = "development"

    def send(self, message: SmsMessage) -> SendResult:
        return SendResult(gateway_message_id=f"dev-{message.pk}", delivered=True)


GATEWAYS = {
    "development": "warga.messaging.gateways.DevelopmentGateway",
    "kannel": "warga.messaging.kannel.KannelGateway",
}


def get_gateway() -> Gateway:
    return import_string(GATEWAYS[settings.SMS_GATEWAY])()  # type: ignore[no-any-return]
