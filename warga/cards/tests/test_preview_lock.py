"""The lock takes the places the officer previewed while every one is still free; otherwise,
or without the preview's token, it ranks the queue again."""

from __future__ import annotations

from warga.audit.models import AuditLog
from warga.cards.models import KtpCard, KtpStatus, PrintBatchItem
from warga.cards.priority import default_rule_set, preview_recall
from warga.core.scoping import Actor

JSON = "application/json"


def _card(resident) -> int:
    return KtpCard.objects.get(resident=resident).pk


def _lock(client, office, size: int, preview: str = ""):
    response = client.post(
        "/api/v1/cards/batches",
        {"office_id": office.pk, "size": size, "preview": preview},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    batch_id = response.json()["id"]
    cards = set(PrintBatchItem.objects.filter(batch_id=batch_id).values_list("card_id", flat=True))
    audit = AuditLog.objects.filter(action="cards.batch.lock").latest("pk")
    return cards, audit.summary["as_previewed"]


def test_the_lock_takes_what_the_officer_saw(cast, client_for, make_resident, dukcapil_office):
    waited_10 = make_resident(status=KtpStatus.PRR, days_waiting=10)
    make_resident(status=KtpStatus.PRR, days_waiting=5)
    printer = client_for(cast.printer)
    preview = printer.get(f"/api/v1/cards/queue?office_id={dukcapil_office.pk}&size=1").json()
    assert preview["selected"] == 1 and preview["top"][0]["card_id"] == _card(waited_10)
    # Somebody who waited longer becomes print-ready after the preview.
    make_resident(status=KtpStatus.PRR, days_waiting=30)
    cards, as_previewed = _lock(printer, dukcapil_office, 1, preview["preview"])
    assert cards == {_card(waited_10)} and as_previewed is True
    # The place keeps its rank and one stored reason per reason the preview showed.
    item = PrintBatchItem.objects.get(card_id=_card(waited_10))
    assert item.rank == 1 and len(item.reasons) == len(preview["top"][0]["reasons"])


def test_without_the_token_or_when_a_place_is_gone_the_queue_is_ranked_again(
    cast, client_for, make_resident, dukcapil_office
):
    waited_10 = make_resident(status=KtpStatus.PRR, days_waiting=10)
    waited_5 = make_resident(status=KtpStatus.PRR, days_waiting=5)
    printer = client_for(cast.printer)
    url = f"/api/v1/cards/queue?office_id={dukcapil_office.pk}&size=1"
    token = printer.get(url).json()["preview"]
    waited_30 = make_resident(status=KtpStatus.PRR, days_waiting=30)
    cards, as_previewed = _lock(printer, dukcapil_office, 1)
    assert cards == {_card(waited_30)} and as_previewed is False
    # A new preview selects waited_10, whose card then leaves the queue before the lock.
    token = printer.get(url).json()["preview"]
    KtpCard.objects.filter(pk=_card(waited_10)).update(status=KtpStatus.PRINTED)
    cards, as_previewed = _lock(printer, dukcapil_office, 1, token)
    assert cards == {_card(waited_5)} and as_previewed is False


def test_a_token_serves_only_its_officer_queue_and_size(cast, client_for, make_resident, dukcapil_office):
    make_resident(status=KtpStatus.PRR, days_waiting=3)
    make_resident(status=KtpStatus.PRR, days_waiting=2)
    token = (
        client_for(cast.printer)
        .get(f"/api/v1/cards/queue?office_id={dukcapil_office.pk}&size=2")
        .json()["preview"]
    )
    rule_set = default_rule_set()
    printer, other = Actor.for_user(cast.printer), Actor.for_user(cast.dukcapil)
    same = {"office": dukcapil_office, "rule_set": rule_set, "token": token}
    assert preview_recall(actor=printer, size=2, **same) is not None
    assert preview_recall(actor=other, size=2, **same) is None
    assert preview_recall(actor=printer, size=1, **same) is None
    assert preview_recall(actor=printer, size=2, office=dukcapil_office, rule_set=rule_set, token="x") is None
    # A change of the rules makes the preview's order meaningless.
    rule = rule_set.rules.first()
    rule.weight += 1
    rule.save()
    assert preview_recall(actor=printer, size=2, **same) is None
