"""Incoming SMS keywords. The first word of an SMS picks the handler; other apps add theirs:

    from warga.messaging.keywords import register_keyword
    register_keyword("ANTRI", my_handler)      # my_handler(ctx: KeywordContext) -> str | None
    register_keyword("ANTRI", my_handler, example="ANTRI KK", help_text=gettext_lazy("your queue number"))

`example` and `help_text` (optional, lazily translated) put the keyword in the list residents
read on the portal (`keyword_guide()`); an alias registered without them stays out of that list.

Messaging answers INFO, BERHENTI/DAFTAR and UNDANG; INFO followed by text is first offered to the
lookups apps add with `register_info_lookup` (INFO <number> from ppid). The apps that own the answer register the
others in their AppConfig.ready(): CEK (applications), LAPOR (reports), KTP and STATUS (cards).

A handler returns the reply text (or None for no reply); replies are sent in Indonesian and
rate-limited per number by the caller. Answers about a person go only to a number that is
verified for that very person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.errors import ServiceError

from .models import IncomingSms

logger = logging.getLogger(__name__)

Handler = Callable[["KeywordContext"], "str | None"]
_HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class KeywordGuide:
    """A keyword as residents are told about it: what to send and what it does."""

    keyword: str
    example: str  # what to send, e.g. "CEK AB12CD34" (SMS keywords are Indonesian in every language)
    help_text: str | Promise  # what it does, translated when shown
    order: int = 100


_GUIDE: dict[str, KeywordGuide] = {}


@dataclass
class KeywordContext:
    incoming: IncomingSms
    keyword: str
    args: str  # the text after the keyword

    @property
    def number(self) -> str:
        return self.incoming.sender

    @cached_property
    def residents(self) -> list[Any]:
        """Living residents for whom this very number is verified."""
        from .audience import audience

        return audience().residents_for_number(self.number)


def register_keyword(
    keyword: str, handler: Handler, *, example: str = "", help_text: str | Promise = "", order: int = 100
) -> None:
    """Add (or replace) the handler of a keyword; keywords are matched case-insensitively.
    With a `help_text` (and optionally an `example`, the keyword alone by default) the keyword is
    listed for residents by `keyword_guide()`, in `order`."""
    word = keyword.strip().upper()
    if not word or " " in word:
        raise ValueError("a keyword is one word")
    _HANDLERS[word] = handler
    if help_text:
        _GUIDE[word] = KeywordGuide(
            keyword=word, example=example.strip() or word, help_text=help_text, order=order
        )
    else:
        _GUIDE.pop(word, None)


def registered_keywords() -> list[str]:
    return sorted(_HANDLERS)


def keyword_guide() -> list[KeywordGuide]:
    """The keywords registered with a help text, in their `order` (then alphabetically)."""
    return sorted((g for w, g in _GUIDE.items() if w in _HANDLERS), key=lambda g: (g.order, g.keyword))


def dispatch_keyword(incoming: IncomingSms) -> str | None:
    words = incoming.text.strip().split(maxsplit=1)
    keyword = words[0].upper() if words else ""
    args = words[1].strip() if len(words) > 1 else ""
    handler = _HANDLERS.get(keyword, _help_short)
    with translation.override("id"):
        try:
            return handler(KeywordContext(incoming=incoming, keyword=keyword, args=args))
        except ServiceError as exc:
            return str(exc.message)


# --- built-in keywords -----------------------------------------------------------------------


# INFO followed by something (a registration number, say) is offered first to the lookups other
# apps register here; INFO alone, or text none of them recognises, keeps the list of services.
InfoLookup = Callable[["KeywordContext"], "str | None"]
_INFO_LOOKUPS: list[InfoLookup] = []


def register_info_lookup(lookup: InfoLookup) -> None:
    """`lookup(ctx)` answers INFO <args> when it recognises the args (else returns None)."""
    if lookup not in _INFO_LOOKUPS:
        _INFO_LOOKUPS.append(lookup)


def _help(ctx: KeywordContext) -> str:
    if ctx.args:
        for lookup in _INFO_LOOKUPS:
            reply = lookup(ctx)
            if reply:
                return reply
    return _(
        "Warga SMS: CEK <tracking code> file status; LAPOR <text> report to the government; "
        "KTP your KTP-el status; UNDANG RT/RW/DESA <text> invite neighbours; "
        "BERHENTI stop broadcasts; DAFTAR receive broadcasts again."
    )


def _help_short(ctx: KeywordContext) -> str:
    return _("Keyword not recognised. Send INFO for the list of services.")


def _stop(ctx: KeywordContext) -> str:
    from .services import number_opt_out

    number_opt_out(number=ctx.number, channel="sms")
    return _("You will no longer receive broadcasts from the government. Send DAFTAR to receive them again.")


def _join(ctx: KeywordContext) -> str:
    from .services import number_opt_in

    number_opt_in(number=ctx.number, channel="sms")
    return _("You will receive broadcasts again. Send BERHENTI to stop.")


def _invite(ctx: KeywordContext) -> str:
    from .broadcasts import invitation_request

    scope, _sep, text = ctx.args.partition(" ")
    if scope.upper() not in ("RT", "RW", "DESA") or not text.strip():
        return _("Send UNDANG RT, UNDANG RW or UNDANG DESA followed by the invitation text.")
    people = ctx.residents
    if len(people) != 1:
        return _("Invitations by SMS need a number verified for exactly one resident. Ask the desa office.")
    invitation = invitation_request(
        resident=people[0], number=ctx.number, scope=scope.lower(), text=text.strip(), channel="sms"
    )
    return _(
        "Your invitation request no. %(id)d was received and waits for the desa operator's approval."
    ) % {"id": invitation.pk}


register_keyword("INFO", _help, help_text=gettext_lazy("the list of SMS services"), order=90)
register_keyword("BANTUAN", _help)
register_keyword("HELP", _help)
register_keyword(
    "UNDANG",
    _invite,
    example="UNDANG RT Syukuran di rumah kami, Sabtu pukul 09.00",
    help_text=gettext_lazy("invite your neighbours (RT, RW or DESA) after the desa operator approves"),
    order=150,
)
register_keyword(
    "BERHENTI", _stop, help_text=gettext_lazy("stop receiving broadcasts from the government"), order=160
)
register_keyword("STOP", _stop)
register_keyword("DAFTAR", _join, help_text=gettext_lazy("receive broadcasts again"), order=170)
