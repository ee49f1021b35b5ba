"""The LAPOR keyword: a citizen report by SMS, registered with messaging's keywords."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.messaging.keywords import KeywordContext, register_keyword


def _report(ctx: KeywordContext) -> str:
    from .services import citizen_report_create

    if not ctx.args:
        return _("Send LAPOR followed by your report, e.g. LAPOR jalan rusak di RT 02.")
    desa = ctx.residents[0].desa if ctx.residents else None
    report = citizen_report_create(
        actor=None,
        text=ctx.args,
        channel="sms",
        phone=ctx.number,
        desa=desa,
        client_ref=f"sms-{ctx.incoming.pk}",
    )
    return _("Thank you, your report was received with number %(n)s.") % {"n": report.reference}


def register() -> None:
    register_keyword(
        "LAPOR",
        _report,
        example="LAPOR jalan rusak di RT 02",
        help_text=gettext_lazy("report a problem or a complaint to the government"),
        order=20,
    )
