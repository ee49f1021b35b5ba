"""The morning summary: yesterday's figures of each subscribed head's area and domain, as a
short SMS (`sms_send`) and an e-mail with the tables and the charts as PNG images (Pillow)."""

from __future__ import annotations

from datetime import date, timedelta
from email.mime.image import MIMEImage
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from warga.core.errors import ServiceError
from warga.core.scoping import Actor, scope
from warga.regions.models import Region

from . import selectors
from .capabilities import SUBSCRIBE
from .charts import bar_chart_png
from .models import Subscription

SUMMARY_METRICS = 6
SMS_MAX = 300  # two SMS parts at most


def summary_for(actor: Actor, day: date) -> dict[str, Any] | None:
    """What one head reads: per metric open to them, the area's value of `day` and its table."""
    area = Region.objects.filter(code=actor.area_code or "").first()
    if area is None:
        return None
    with scope(actor):
        visible = selectors.metrics_for(actor)
        chosen = ([m for m in visible if m.headline] + [m for m in visible if not m.headline])[
            :SUMMARY_METRICS
        ]
        items = []
        for metric in chosen:
            table = selectors.facts_table(metric=metric, area=area, start=day, end=day)
            items.append({"metric": metric, "table": table, "total": table["total"].display(metric.unit)})
    return {"area": area, "day": day, "items": items}


def _sms_text(summary: dict[str, Any]) -> str:
    head = f"{_('Summary')} {summary['day']:%d/%m} {summary['area'].display_name}:"
    parts = [f"{item['metric'].label} {item['total']}" for item in summary["items"]]
    text = head + " " + "; ".join(parts)
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 1] + "…"


def _email(user: Any, summary: dict[str, Any]) -> EmailMultiAlternatives:
    subject = _("Morning summary %(day)s: %(area)s") % {
        "day": date_format(summary["day"]),
        "area": summary["area"].display_name,
    }
    images = []
    for index, item in enumerate(summary["items"], start=1):
        rows = [
            (row["name"], row["cell"].value or 0.0, row["cell"].display(item["metric"].unit))
            for row in item["table"]["rows"]
        ]
        item["cid"] = f"chart{index}"
        images.append((item["cid"], bar_chart_png(str(item["metric"].label), rows)))
    text = render_to_string("facts/summary_email.txt", summary)
    html = render_to_string("facts/summary_email.html", summary)
    message = EmailMultiAlternatives(subject, text, None, [user.email])
    message.attach_alternative(html, "text/html")
    message.mixed_subtype = "related"  # type: ignore[attr-defined]  # images shown inline
    for cid, png in images:
        image = MIMEImage(png, "png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
        message.attach(image)
    return message


def summaries_send(*, day: date | None = None) -> int:
    """Send each subscribed head their summary of `day` (default yesterday) once. Returns how
    many heads got one. One head's failure (a wrong number) does not stop the others."""
    from warga.messaging.services import sms_send

    day = day or timezone.localdate() - timedelta(days=1)
    sent = 0
    subscriptions = Subscription.objects.select_related("user", "user__unit").filter(user__is_active=True)
    for subscription in subscriptions.exclude(last_sent_on=day):
        user = subscription.user
        actor = Actor.for_user(user)
        if not actor.can(SUBSCRIBE) or not (subscription.by_sms or subscription.by_email):
            continue
        with translation.override(getattr(user, "language", None) or "id"):
            summary = summary_for(actor, day)
            if summary is None or not summary["items"]:
                continue
            try:
                with transaction.atomic():
                    if subscription.by_sms and user.phone:
                        sms_send(to=user.phone, text=_sms_text(summary), purpose="notice")
                    Subscription.objects.filter(pk=subscription.pk).update(last_sent_on=day)
            except ServiceError:  # a number sms_send refuses: the others still get theirs
                continue
            if subscription.by_email and user.email:
                _email(user, summary).send(fail_silently=True)
        sent += 1
    return sent
