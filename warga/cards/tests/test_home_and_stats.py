"""Home panels for printing operators and kecamatan officers; statistics pages with charts."""

from __future__ import annotations

from django.urls import reverse

from warga.cards.models import ItemResult, KtpStatus
from warga.cards.priority import default_rule_set
from warga.cards.services import print_batch_lock, print_item_record


def _panel(client) -> dict:
    panels = client.get("/").context["panels"]
    return next(p for p in panels if p["template"] == "cards/panel_kecamatan.html")


def test_home_panels(cast, client_for, make_resident, stock, kec_office):
    make_resident(status=KtpStatus.PRR)
    make_resident(status=KtpStatus.PRR)
    stock(1, office=kec_office)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=kec_office, rule_set=default_rule_set(), size=2)
    print_item_record(
        actor=printer, item=batch.items.order_by("rank").first(), result=ItemResult.PRINTED, card_serial="H-1"
    )
    html = client_for(cast.printer).get("/").content.decode()
    assert "Pencetakan KTP-el" in html and f"/cards/batches/{batch.pk}/" in html
    html = client_for(cast.kec_officer).get("/").content.decode()
    assert "Kartu KTP-el di kantor Anda" in html
    assert _panel(client_for(cast.kec_officer))["waiting"] == 1
    html = client_for(cast.outsider).get("/").content.decode()
    assert "Kartu KTP-el di kantor Anda" in html  # their own office: nothing waiting
    assert _panel(client_for(cast.outsider))["waiting"] == 0


def test_dashboard_and_stock_pages_show_the_numbers(cast, client_for, make_resident, stock, dukcapil_office):
    make_resident(age=40)
    make_resident(status=KtpStatus.PRR)
    stock(12)
    response = client_for(cast.head).get(reverse("cards:dashboard"))
    html = response.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in html and 'id="cards-chart-data"' in html
    assert response.context["total"].not_recorded == 1 and response.context["counts"]["prr"] == 1
    html = client_for(cast.head).get(reverse("cards:stock")).content.decode()
    assert dukcapil_office.name in html and ">12<" in html
    html = client_for(None).get(reverse("cards:stock_public")).content.decode()
    assert dukcapil_office.name in html and "12" in html


def test_demo_seed_runs_once(cast, make_resident):
    from warga.cards import demo
    from warga.cards.models import KtpCard, StockEntry
    from warga.cards.selectors import stock_balance
    from warga.cards.services import stock_account_for
    from warga.org.models import Unit

    for _ in range(30):
        make_resident(age=30)
    first = demo.seed(cast.kabupaten, size="small", seed=1)
    assert "10,000" in first and KtpCard.objects.count() > 0
    assert stock_balance(stock_account_for(Unit.objects.get(code="disdukcapil"))) == 1800
    entries = StockEntry.objects.count()
    assert demo.seed(cast.kabupaten, size="small", seed=1) == "card data already present, nothing added"
    assert StockEntry.objects.count() == entries
