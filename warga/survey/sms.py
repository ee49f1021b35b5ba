"""IKM <code> <nine digits>: the survey answered by SMS, registered with messaging's keywords.

The digits are the nine elements in the order of the regulation, each 1–4 ("443344343", spaces
allowed). Only the number the invitation was sent to can answer it; a wrong count, a digit out of
range, an unknown code, a second answer or an expired survey each get a clear reply and store
nothing."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.errors import ServiceError
from warga.core.ratelimit import over_limit
from warga.messaging.keywords import KeywordContext, register_keyword

from .models import ELEMENT_FIELDS


def _usage() -> str:
    return _("Send IKM, the code from our SMS and nine digits 1-4, e.g. IKM AB12CD 443344343.")


def parse(args: str) -> tuple[str, str] | None:
    """(code, digits) from "AB12CD 443344343" / "AB12CD 4 4 3 3 4 4 3 4 3"; None when no code."""
    words = args.split()
    if not words:
        return None
    return words[0], "".join(words[1:])


def _answer(ctx: KeywordContext) -> str:
    from .services import invitation_by_code, survey_answer

    parsed = parse(ctx.args)
    if parsed is None:
        return _usage()
    code, digits = parsed
    limit = int(getattr(settings, "SURVEY_SMS_LIMIT", 10))
    if over_limit(f"survey:sms:{ctx.number}", limit=limit, window=3600):
        return _("Too many survey answers from your number. Please try again in an hour.")
    if not digits.isdigit() or len(digits) != len(ELEMENT_FIELDS):
        return _(
            "The answer needs exactly nine digits, one per question, each 1 to 4 (you sent %(n)d). "
            "Example: IKM %(code)s 443344343."
        ) % {"n": sum(ch.isdigit() for ch in digits), "code": code.upper()}
    if any(ch not in "1234" for ch in digits):
        return _(
            "Each digit must be 1, 2, 3 or 4 (1 = not good, 4 = very good). Example: IKM %(code)s 443344343."
        ) % {"code": code.upper()}
    try:
        invitation = invitation_by_code(code, ctx.number)
        survey_answer(
            invitation=invitation,
            scores=dict(zip(ELEMENT_FIELDS, digits, strict=True)),
            comment="",
            channel="sms",
        )
    except ServiceError as exc:
        return str(exc.message)
    return _("Thank you, your rating of the service was recorded.")


def register() -> None:
    register_keyword(
        "IKM",
        _answer,
        example="IKM AB12CD 443344343",
        help_text=gettext_lazy("rate a service you received (the code is in our SMS)"),
        order=60,
    )
