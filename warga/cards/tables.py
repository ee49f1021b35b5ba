"""The card lists as tables (`warga.core.tables`): the blank-card ledger, the print batches and
one batch's places, for `?format=csv|xlsx|print`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table


def entry_details(e: Any) -> str:
    """The ledger entry's details as the page writes them."""
    parts = []
    if e.serial_from:
        parts.append(f"{e.serial_from}–{e.serial_to}")
    if e.card_serial:
        parts.append(f"{gettext_now('serial')} {e.card_serial}")
    if e.counterpart_id:
        parts.append(e.counterpart.office.name)
    if e.counted is not None:
        parts.append(f"{gettext_now('counted')} {e.counted}")
    text = " ".join(parts)
    if e.reason:
        text = f"{text} · {e.reason}" if text else e.reason
    return text


STOCK_ENTRIES = Table(
    action="cards.stock.entries",
    title=_("Blank-card ledger"),
    filename="buku-blangko",
    columns=(
        Column(_("Date"), lambda e: e.occurred_on),
        Column(_("Office"), lambda e: e.account.office.name),
        Column(_("Type"), lambda e: e.get_kind_display()),
        Column(_("Quantity"), lambda e: e.quantity),
        Column(_("Details"), entry_details),
        Column(_("Officer"), lambda e: e.actor.username if e.actor_id else ""),
    ),
)

BATCHES = Table(
    action="cards.batches",
    title=_("Print batches"),
    filename="batch-cetak",
    columns=(
        Column("#", lambda b: b.pk),
        Column(_("Date"), lambda b: b.created_at),
        Column(_("Office"), lambda b: b.office.name),
        Column(_("Rules"), lambda b: b.rule_set.name),
        Column(_("Places"), lambda b: b.n_items),
        Column(_("Printed"), lambda b: b.n_printed),
        Column(_("Spoiled"), lambda b: b.n_spoiled),
        Column(_("Waiting"), lambda b: b.n_pending),
        Column(_("Status"), lambda b: b.get_status_display()),
    ),
)

BATCH_ITEMS = Table(
    action="cards.batch.items",
    title=_("Print batch"),
    filename="isi-batch-cetak",
    columns=(
        Column(_("Rank"), lambda i: i.rank),
        Column(_("Name"), lambda i: i.card.resident.full_name),
        Column(_("Desa"), lambda i: i.card.resident.desa.name if i.card.resident.desa_id else ""),
        Column(_("Result"), lambda i: i.get_result_display()),
        Column(_("Card serial"), lambda i: i.card_serial),
        Column(_("Reason"), lambda i: i.reason),
        Column(_("Score"), lambda i: round(i.score, 2)),
    ),
)
