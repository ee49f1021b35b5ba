"""The CEK keyword: a file's status by SMS, registered with messaging's keywords."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.messaging.keywords import KeywordContext, register_keyword


def _check(ctx: KeywordContext) -> str:
    from .selectors import application_status_for_sms

    code = ctx.args.split()[0].upper() if ctx.args else ""
    if not code:
        return _("Send CEK followed by the tracking code, e.g. CEK AB12CD34.")
    status = application_status_for_sms(tracking_code=code)
    if not status:
        return _("Tracking code %(code)s is not known. Check the code on your receipt.") % {"code": code[:20]}
    return status


def register() -> None:
    register_keyword(
        "CEK",
        _check,
        example="CEK AB12CD34",
        help_text=gettext_lazy("where your application is (the tracking code is on your receipt)"),
        order=10,
    )
