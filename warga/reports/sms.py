"""The LAPOR and DARURAT keywords: a case by SMS, registered with messaging's keywords.

Both are idempotent on the incoming SMS (its id is the case's `client_ref`), and a number that
files too many cases in a short time gets a clear reply instead of another case.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.ratelimit import over_limit
from warga.messaging.keywords import KeywordContext, register_keyword


def _limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "REPORTS_SMS_LIMIT", 5)),
        int(getattr(settings, "REPORTS_SMS_WINDOW_SECONDS", 3600)),
    )


def _file(ctx: KeywordContext, *, kind: str) -> str:
    from .models import Case
    from .services import case_file

    client_ref = f"sms-{ctx.incoming.pk}"
    from warga.core.scoping import unscoped

    with unscoped("resend: an incoming SMS names one case"):
        existing = Case.objects.filter(client_ref=client_ref).first()
    if existing is None:
        limit, window = _limit()
        if over_limit(f"reports:sms:{ctx.number}", limit=limit, window=window):
            return _(
                "Too many reports from your number in a short time. Please wait an hour; "
                "in an emergency call 112."
            )
    desa = ctx.residents[0].desa if ctx.residents else None
    case = existing or case_file(
        actor=None,
        text=ctx.args,
        channel="sms",
        kind=kind,
        phone=ctx.number,
        desa=desa,
        client_ref=client_ref,
    )
    if kind == "darurat":
        return _(
            "Emergency report %(code)s was passed to the 112 centre. CALL 112 NOW if lives are at risk."
        ) % {"code": case.tracking_code}
    return _("Thank you, your report was received with code %(code)s.") % {"code": case.tracking_code}


def _report(ctx: KeywordContext) -> str:
    if not ctx.args:
        return _("Send LAPOR followed by your report, e.g. LAPOR jalan rusak di RT 02.")
    return _file(ctx, kind="laporan")


def _emergency(ctx: KeywordContext) -> str:
    if not ctx.args:
        return _("In an emergency call 112. Or send DARURAT followed by what happened and where.")
    return _file(ctx, kind="darurat")


def register() -> None:
    register_keyword(
        "LAPOR",
        _report,
        example="LAPOR listrik padam di RT 02 sejak pagi",
        help_text=gettext_lazy("report a problem or a complaint to the government; you get a tracking code"),
        order=20,
    )
    register_keyword(
        "DARURAT",
        _emergency,
        example="DARURAT kebakaran di RT 03",
        help_text=gettext_lazy("an emergency goes to the 112 centre at once; in danger, call 112"),
        order=40,
    )
