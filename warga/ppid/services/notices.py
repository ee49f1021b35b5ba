"""SMS and e-mail to the requester (only to the number or address they gave, only about their own
request, never anyone's personal data) and SMS to the officers an overdue request escalates to."""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput

from ..models import InformationRequest, Objection, Outcome, RequestStatus

logger = logging.getLogger(__name__)


def sms_to(phone: str, text: str) -> None:
    from warga.messaging.services import sms_send

    if not phone:
        return
    try:
        sms_send(to=phone, text=text, purpose="notice")
    except InvalidInput:  # a number SMS cannot reach: the request stands without its notice
        logger.info("ppid: a number was refused by the SMS centre")


def received_text(request: InformationRequest) -> str:
    with translation.override("id"):
        return _(
            "Your information request was registered as %(number)s; the written notice is due by %(date)s. "
            "Follow it on the PPID page or send INFO %(number)s."
        ) % {"number": request.number, "date": request.due_on.strftime("%d-%m-%Y")}


def notify_received(request: InformationRequest) -> None:
    sms_to(request.phone, received_text(request))


def _outcome_text(request: InformationRequest) -> str:
    texts = {
        Outcome.GRANTED: _("Request %(number)s was granted."),
        Outcome.PARTLY: _("Request %(number)s was partly granted."),
        Outcome.REFUSED: _("Request %(number)s was refused (exempted information, art. 17 %(ground)s)."),
        Outcome.NOT_HELD: _("Request %(number)s: the information is not held by us."),
        Outcome.NOT_DOCUMENTED: _("Request %(number)s: the information is not yet documented."),
        Outcome.ELSEWHERE: _("Request %(number)s: the information is held by %(body)s; please ask there."),
    }
    template = texts.get(request.outcome)  # type: ignore[call-overload]
    if template is None:
        return ""
    text = str(template) % {
        "number": request.number,
        "ground": request.exemption_ground,
        "body": request.other_body[:60],
    }
    if request.outcome in (Outcome.GRANTED, Outcome.PARTLY):
        text += " " + _("See the written notice on the PPID page with your number.")
    return text


def notify_step(request: InformationRequest, action: str) -> None:
    with translation.override("id"):
        if action in ("assign", "forward"):
            text = _("Request %(number)s is now held by %(unit)s; the notice is still due by %(date)s.") % {
                "number": request.number,
                "unit": request.holding_unit.name,
                "date": request.due_on.strftime("%d-%m-%Y"),
            }
        elif action == "extend":
            text = _("The answer to request %(number)s was extended to %(date)s: %(reason)s") % {
                "number": request.number,
                "date": request.due_on.strftime("%d-%m-%Y"),
                "reason": request.extension_reason[:80],
            }
        elif action == "decide" and request.status == RequestStatus.ANSWERED:
            text = _outcome_text(request)
        else:
            text = ""
    if text:
        sms_to(request.phone, text)


def notify_objection(objection: Objection) -> None:
    with translation.override("id"):
        if objection.decided_at is None:
            text = _(
                "Your objection on request %(number)s was received; the atasan PPID answers by %(date)s."
            ) % {
                "number": objection.request.number,
                "date": objection.due_on.strftime("%d-%m-%Y"),
            }
        else:
            text = _("Your objection on request %(number)s was answered: %(status)s.") % {
                "number": objection.request.number,
                "status": objection.get_status_display(),
            }
    sms_to(objection.request.phone, text)


def email_links(request: InformationRequest, links: list[tuple[str, str]]) -> None:
    """The answer documents' links by e-mail (the requester chose e-mail), after commit."""
    from django.core.mail import send_mail
    from django.db import transaction

    if not request.email or not links:
        return
    with translation.override("id"):
        subject = _("Answer to information request %(number)s") % {"number": request.number}
        body = "\n".join(
            [_("The documents of your information request can be downloaded until the links expire:"), ""]
            + [f"{name}: {url}" for name, url in links]
        )
    address = request.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))
