"""Kannel's smsbox sendsms interface (see deploy/kannel/README.md for every parameter).

The sendsms answer carries no message id: Warga identifies each message by the `ref` it puts
in the delivery-report URL. A 202 answer is Kannel's proof that it took the message.
"""

from __future__ import annotations

import urllib.parse

import requests
from django.conf import settings

from .encoding import sms_encoding
from .gateways import GatewayError, GatewayOutcomeUnknown, SendResult
from .models import SmsMessage

# 1 delivered to phone + 2 not delivered to phone + 8 accepted by SMSC + 16 rejected by SMSC.
DLR_MASK = 27
DLR_PARAMS = "status=%d&smsc_reply=%A&to=%p&from=%P&ts=%T&smsc=%i&fid=%F"

_session = requests.Session()
_session.trust_env = False  # never send sendsms (with its password) through a proxy


def callback_base_url() -> str:
    """Where Kannel reaches Warga; defaults to SITE_URL."""
    return (getattr(settings, "KANNEL_CALLBACK_BASE_URL", "") or settings.SITE_URL).rstrip("/")


def dlr_url_for(message_id: int) -> str:
    """The per-message delivery-report URL, with literal '%' doubled for Kannel's pattern."""
    literal = (
        f"{callback_base_url()}/api/v1/sms/kannel/dlr?"
        + urllib.parse.urlencode({"secret": settings.KANNEL_CALLBACK_SECRET or "", "ref": str(message_id)})
    ).replace("%", "%%")
    return literal + "&" + DLR_PARAMS


def gsm_msisdn(number: str) -> str:
    """+6281234567890 → 6281234567890 (Kannel takes international numbers without '+')."""
    return number.lstrip("+")


class KannelGateway:
    name = "kannel"

    def __init__(self) -> None:
        self.url = settings.KANNEL_SENDSMS_URL
        self.timeout = float(getattr(settings, "KANNEL_TIMEOUT_SECONDS", 10))

    def params_for(self, message: SmsMessage) -> dict[str, str]:
        enc = sms_encoding(message.text)
        params = {
            "username": settings.KANNEL_USERNAME,
            "password": settings.KANNEL_PASSWORD or "",
            "from": settings.SMS_SENDER_ID,
            "to": gsm_msisdn(message.to),
            "text": message.text,
            "charset": "UTF-8",
            "coding": str(enc.coding),
            "dlr-mask": str(DLR_MASK),
            "dlr-url": dlr_url_for(message.pk),
        }
        smsc = getattr(settings, "KANNEL_SMSC_ID", "")
        if smsc:
            params["smsc"] = smsc
        return params

    def send(self, message: SmsMessage) -> SendResult:
        try:
            response = _session.get(self.url, params=self.params_for(message), timeout=(3.0, self.timeout))
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.ConnectTimeout) or _not_connected(exc):
                raise GatewayError("Kannel is not reachable") from exc
            raise GatewayOutcomeUnknown("the connection to Kannel broke before its answer") from exc
        except requests.Timeout as exc:
            raise GatewayOutcomeUnknown("Kannel did not answer in time") from exc
        body = response.text.strip()[:200]
        if response.status_code in (200, 202):
            # "0: Accepted for delivery" or "3: Queued for later delivery": Kannel has it.
            return SendResult(gateway_message_id="")
        if response.status_code == 400:
            raise GatewayError(f"Kannel refused the message: {body}", permanent=True)
        # 403 (credentials), 503 (temporarily unavailable), anything else: try again later.
        raise GatewayError(f"Kannel answered {response.status_code}: {body}")


def _not_connected(exc: requests.ConnectionError) -> bool:
    """Connection refused/reset before the request was written: Kannel cannot have the message."""
    text = str(exc)
    return any(s in text for s in ("Connection refused", "NewConnectionError", "Failed to establish"))
