"""The PPID lists as tables (`warga.core.tables`), for `?format=csv|xlsx|print`: the officers'
requests and objections (the rows the page shows, nothing of the requester), and the two
registers' exports (public and officers')."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

from .models import ExemptInformation, PublicInformation

REQUESTS = Table(
    action="ppid.requests",
    title=_("Information requests"),
    filename="permohonan-informasi",
    columns=(
        Column(_("Number"), lambda r: r.number),
        Column(_("Received"), lambda r: r.received_on),
        Column(_("Received by"), lambda r: r.receiving_unit.name),
        Column(_("Held by"), lambda r: r.holding_unit.name),
        Column(_("Status"), lambda r: r.get_status_display()),
        Column(_("Decision"), lambda r: r.get_outcome_display() if r.outcome else ""),
        Column(_("Escalation"), lambda r: r.escalation_level),
        Column(_("Notice due"), lambda r: r.due_on),
        Column(_("Extended"), lambda r: r.extended_at is not None),
        Column(_("Overdue"), lambda r: r.is_overdue()),
    ),
)

# The objections as the atasan's list shows them: the request's number and the unit holding it,
# never the requester nor the reason given.
OBJECTIONS = Table(
    action="ppid.objections",
    title=_("Objections"),
    filename="keberatan-informasi",
    columns=(
        Column(_("Request"), lambda o: o.request.number),
        Column(_("Held by"), lambda o: o.request.holding_unit.name),
        Column(_("Filed"), lambda o: o.filed_on),
        Column(_("Ground"), lambda o: o.get_ground_display()),
        Column(_("Status"), lambda o: o.get_status_display()),
        Column(_("Answer due"), lambda o: o.due_on),
        Column(_("Answered on"), lambda o: o.decided_on),
        Column(_("Overdue"), lambda o: o.is_overdue()),
        Column(_("Dispute filed on"), lambda o: o.dispute_filed_on),
        Column(_("Dispute"), lambda o: o.get_dispute_outcome_display() if o.dispute_outcome else ""),
    ),
)


def _state(entry: PublicInformation | ExemptInformation) -> str:
    if entry.withdrawn_at is None:
        return gettext("in the register")
    return gettext("withdrawn: %(reason)s") % {"reason": entry.withdrawn_reason}


def information_table(link: Callable[[int], str]) -> Table:
    """The Daftar Informasi Publik; `link`: a document's public address by its id."""
    return Table(
        action="ppid.register",
        object_type=PublicInformation._meta.label_lower,
        title="DIP",
        filename="daftar-informasi-publik",
        chunk_size=500,
        columns=(
            Column(_("Category"), lambda e: e.get_category_display()),
            Column(_("Unit"), lambda e: e.unit.name),
            Column(_("Title"), lambda e: e.title),
            Column(_("Summary"), lambda e: e.summary),
            Column(_("Format"), lambda e: e.get_format_display()),
            Column(_("Retention period"), lambda e: e.retention),
            Column(_("Period covered"), lambda e: e.period),
            Column(_("Published on"), lambda e: e.published_on),
            Column(_("Documents"), lambda e: " ".join(link(d.pk) for d in e.documents.all())),
            Column(_("Status"), _state),
        ),
    )


EXEMPTIONS = Table(
    action="ppid.register",
    object_type=ExemptInformation._meta.label_lower,
    title="Dikecualikan",
    filename="informasi-dikecualikan",
    chunk_size=500,
    columns=(
        Column(_("Exemption ground (art. 17)"), lambda e: e.get_ground_display()),
        Column(_("Unit"), lambda e: e.unit.name),
        Column(_("Information exempted"), lambda e: e.title),
        Column(_("Consequence test number"), lambda e: e.test_reference),
        Column(_("Consequence test date"), lambda e: e.tested_on),
        Column(_("Consequence if disclosed"), lambda e: e.consequence),
        Column(_("Exemption period"), lambda e: e.period),
        Column(_("Exempted until"), lambda e: e.exempt_until),
        Column(_("Status"), _state),
    ),
)
