"""What cards adds to SMS: the KTP and STATUS keywords (a person's KTP-el status, answered only
to a number verified for that person) and the broadcast segment by KTP-el status."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from warga.messaging.audience import register_segment_filter
from warga.messaging.keywords import KeywordContext, register_keyword
from warga.registry.models import Resident

from .selectors import filter_residents_by_ktp_status

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


def ktp_status_of(resident: Resident) -> str | None:
    """The KTP-el status code of one resident as the broadcast segments see it (None if none)."""
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


def register() -> None:
    register_keyword(
        "KTP",
        _person_status,
        help_text=gettext_lazy("the KTP-el status of the resident this number is registered for"),
        order=30,
    )
    register_keyword("STATUS", _person_status)
    register_segment_filter("ktp_statuses", filter_residents_by_ktp_status)
