"""The issue's "done when": 50 print confirmations at once against 20 blanks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from warga.cards.models import EntryKind, ItemResult, KtpCard, KtpStatus, PrintBatchItem, StockEntry
from warga.cards.priority import default_rule_set
from warga.cards.selectors import stock_balance
from warga.cards.services import print_batch_lock, print_item_record, stock_account_for
from warga.core.errors import Conflict
from warga.core.scoping import scope


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("many_connections")
def test_fifty_parallel_print_confirmations_against_twenty_blanks(
    cast, make_resident, stock, dukcapil_office
):
    for i in range(50):
        make_resident(status=KtpStatus.PRR, days_waiting=i)
    stock(20)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=50)
    items = list(batch.items.all())
    assert len(items) == 50

    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def confirm(item: PrintBatchItem, n: int) -> None:
        try:
            barrier.wait()
            with scope(printer):  # a thread starts outside any scope, like a request of this officer
                print_item_record(
                    actor=printer, item=item, result=ItemResult.PRINTED, card_serial=f"SER{n:05d}"
                )
            result = "ok"
        except Conflict as exc:
            result = exc.code
        except Exception as exc:  # pragma: no cover - shows in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=confirm, args=(item, n)) for n, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("ok") == 20, outcomes
    assert outcomes.count("cards.stock_empty") == 30, outcomes
    account = stock_account_for(dukcapil_office)
    assert stock_balance(account) == 0
    assert StockEntry.objects.filter(account=account, kind=EntryKind.CONSUMPTION).count() == 20
    assert KtpCard.objects.filter(status=KtpStatus.PRINTED).count() == 20
    assert PrintBatchItem.objects.filter(batch=batch, result=ItemResult.PRINTED).count() == 20
    assert PrintBatchItem.objects.filter(batch=batch, result=ItemResult.PENDING).count() == 30
    assert connection.vendor in ("sqlite", "postgresql")
