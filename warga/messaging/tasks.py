from huey import crontab
from huey.contrib.djhuey import db_task

from .gateways import GatewayError
from .services import sms_deliver_one


@db_task(retries=5, retry_delay=30)
def sms_deliver(message_id: int) -> None:
    try:
        sms_deliver_one(message_id=message_id)
    except GatewayError as exc:
        if exc.permanent:
            return
        raise


__all__ = ["crontab", "sms_deliver"]
