"""INFO <registration number>: the status of an information request by SMS (no personal data).
INFO alone (or followed by anything that is not a PPID number) keeps messaging's list of services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from warga.messaging.keywords import KeywordContext, register_info_lookup


def _info(ctx: KeywordContext) -> str | None:
    from .selectors import request_status_for_sms
    from .services import number_normalize

    number = number_normalize(ctx.args)
    if not number.startswith("PPID/"):
        return None
    return request_status_for_sms(number) or _("No information request has the number %(number)s.") % {
        "number": number
    }


def register() -> None:
    register_info_lookup(_info)
