"""Incoming SMS keywords. The first word of an SMS picks the handler; other apps add theirs:

    from warga.messaging.keywords import register_keyword
    register_keyword("ANTRI", my_handler)      # my_handler(ctx: KeywordContext) -> str | None

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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warga.core.errors import ServiceError

from .models import IncomingSms

logger = logging.getLogger(__name__)

Handler = Callable[["KeywordContext"], "str | None"]
_HANDLERS: dict[str, Handler] = {}


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
        from warga.registry.models import LifeStatus, Resident

        return list(
            Resident.objects.filter(
                phones__number=self.number, phones__verified_at__isnull=False, life_status=LifeStatus.ALIVE
            )
            .select_related("desa")
            .distinct()
            .order_by("pk")
        )


def register_keyword(keyword: str, handler: Handler) -> None:
    """Add (or replace) the handler of a keyword; keywords are matched case-insensitively."""
    word = keyword.strip().upper()
    if not word or " " in word:
        raise ValueError("a keyword is one word")
    _HANDLERS[word] = handler


def registered_keywords() -> list[str]:
    return sorted(_HANDLERS)


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


def _help(ctx: KeywordContext) -> str:
    return _(
        "Warga SMS: CEK <tracking code> file status; LAPOR <text> report to the government; "
        "KTP your KTP-el status; UNDANG RT/RW/DESA <text> invite neighbours; "
        "BERHENTI stop broadcasts; DAFTAR receive broadcasts again."
    )


def _help_short(ctx: KeywordContext) -> str:
    return _("Keyword not recognised. Send INFO for the list of services.")


def _check(ctx: KeywordContext) -> str:
    code = ctx.args.split()[0].upper() if ctx.args else ""
    if not code:
        return _("Send CEK followed by the tracking code, e.g. CEK AB12CD34.")
    try:
        from warga.applications.selectors import application_status_for_sms
    except ImportError:  # the applications app is not installed: no file can be known
        status = None
    else:
        status = application_status_for_sms(tracking_code=code)
    if not status:
        return _("Tracking code %(code)s is not known. Check the code on your receipt.") % {"code": code[:20]}
    return status


def _report(ctx: KeywordContext) -> str:
    from warga.reports.services import citizen_report_create

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


def _stop(ctx: KeywordContext) -> str:
    from .services import number_opt_out

    number_opt_out(number=ctx.number, channel="sms")
    return _("You will no longer receive broadcasts from the government. Send DAFTAR to receive them again.")


def _join(ctx: KeywordContext) -> str:
    from .services import number_opt_in

    number_opt_in(number=ctx.number, channel="sms")
    return _("You will receive broadcasts again. Send BERHENTI to stop.")


KTP_LABELS = {
    "not_required": gettext_noop("not required yet"),
    "not_recorded": gettext_noop("not recorded yet: come to the kecamatan office or an outreach event"),
    "recorded": gettext_noop("recorded, waiting to be printed"),
    "prr": gettext_noop("recorded, waiting to be printed"),
    "printed": gettext_noop("printed"),
    "sent_to_kecamatan": gettext_noop("ready to collect at the kecamatan office"),
    "handed_over": gettext_noop("handed over"),
    "duplicate": gettext_noop("duplicate recording: come to Disdukcapil"),
    "enrolment_failed": gettext_noop("recording failed: please record again"),
}


def ktp_status_of(resident: Any) -> str | None:
    """The KTP-el status code of one resident, through the cards selector (None if unavailable)."""
    try:
        from warga.cards.selectors import filter_residents_by_ktp_status
    except ImportError:
        return None
    from warga.registry.models import Resident

    one = Resident.objects.filter(pk=resident.pk)
    for code in KTP_LABELS:
        if filter_residents_by_ktp_status(one, [code]).exists():
            return code
    return None


def _person_status(ctx: KeywordContext) -> str:
    """KTP / STATUS [NIK]: only to a number verified for that person; never says who else exists."""
    nik = next((w for w in ctx.args.split() if w.isdigit() and len(w) == 16), "")
    people = ctx.residents
    if nik:
        people = [r for r in people if r.nik == nik]
        if not people:
            return _(
                "We answer questions about a person only to the number registered and verified for that person."
            )
    if not people:
        return _(
            "This number is not registered for any resident. Register it at the desa or kecamatan office."
        )
    if len(people) > 1:
        return _("This number is registered for several people: send KTP followed by the NIK.")
    resident = people[0]
    code = ktp_status_of(resident)
    name = resident.full_name.split()[0] if resident.full_name else ""
    if code is None:
        return _("The KTP-el status of %(name)s cannot be checked by SMS right now.") % {"name": name}
    return _("KTP-el of %(name)s: %(status)s.") % {"name": name, "status": _(KTP_LABELS[code])}


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


for _word, _handler in (
    ("INFO", _help),
    ("BANTUAN", _help),
    ("HELP", _help),
    ("CEK", _check),
    ("LAPOR", _report),
    ("BERHENTI", _stop),
    ("STOP", _stop),
    ("DAFTAR", _join),
    ("KTP", _person_status),
    ("STATUS", _person_status),
    ("UNDANG", _invite),
):
    register_keyword(_word, _handler)
