"""Kannel's smsbox sendsms interface (see deploy/kannel/README.md for every parameter).

The sendsms answer carries no message id: Warga identifies each message by the `ref` it puts
in the delivery-report URL. A 202 answer is Kannel's proof that it took the message.
"""

from __future__ import annotations

import urllib.parse

import urllib3
from django.conf import settings

from .encoding import sms_encoding
from .gateways import GatewayError, GatewayOutcomeUnknown, SendResult
from .models import SmsMessage

# 1 delivered to phone + 2 not delivered to phone + 16 rejected by SMSC. Type 8 (accepted by the
# SMSC) is left out by default: Kannel's 202 answer already proves the hand-over, and asking for
# it doubles the callbacks Warga must take at the sending rate. KANNEL_DLR_MASK=27 adds it back.
DLR_MASK = 19
DLR_PARAMS = "status=%d&smsc_reply=%A&to=%p&from=%P&ts=%T&smsc=%i&fid=%F"

# One connection pool per process, shared by the dispatcher's threads. urllib3 straight, not
# requests: the dispatcher calls sendsms for every message and the extra layer costs CPU at
# hundreds of messages per second. Environment proxies are never used (the password is in the URL).
_pool = urllib3.PoolManager(maxsize=32, block=False, retries=False)


def callback_base_url() -> str:
    """Where Kannel reaches Warga; defaults to SITE_URL."""
    return (getattr(settings, "KANNEL_CALLBACK_BASE_URL", "") or settings.SITE_URL).rstrip("/")


def dlr_url_for(message_id: int, attempt: int = 0) -> str:
    """The per-message delivery-report URL, with literal '%' doubled for Kannel's pattern.
    `att` names the attempt, so a report of a superseded attempt is recognised."""
    query = {"secret": settings.KANNEL_CALLBACK_SECRET or "", "ref": str(message_id)}
    if attempt:
        query["att"] = str(attempt)
    literal = (f"{callback_base_url()}/api/v1/sms/kannel/dlr?" + urllib.parse.urlencode(query)).replace(
        "%", "%%"
    )
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
            "dlr-mask": str(getattr(settings, "KANNEL_DLR_MASK", DLR_MASK)),
            "dlr-url": dlr_url_for(message.pk, message.attempts),
        }
        smsc = getattr(settings, "KANNEL_SMSC_ID", "")
        if smsc:
            params["smsc"] = smsc
        return params

    def send(self, message: SmsMessage) -> SendResult:
        timeout = urllib3.Timeout(connect=3.0, read=self.timeout)
        try:
            response = _pool.request("GET", self.url, fields=self.params_for(message), timeout=timeout)
        except urllib3.exceptions.NewConnectionError as exc:  # refused, unreachable, unknown host
            raise GatewayError("Kannel is not reachable", unreachable=True) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise GatewayError("Kannel is not reachable", unreachable=True) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise GatewayOutcomeUnknown("Kannel did not answer in time") from exc
        except urllib3.exceptions.HTTPError as exc:  # reset or broken after the request went out
            raise GatewayOutcomeUnknown("the connection to Kannel broke before its answer") from exc
        body = response.data.decode("utf-8", "replace").strip()[:200]
        if response.status in (200, 202):
            # "0: Accepted for delivery" or "3: Queued for later delivery": Kannel has it.
            return SendResult(gateway_message_id="")
        if response.status == 400:
            raise GatewayError(f"Kannel refused the message: {body}", permanent=True)
        # 403 (credentials), 503 (temporarily unavailable), anything else: try again later.
        raise GatewayError(f"Kannel answered {response.status}: {body}")
