"""The former citizen reports move into cases: same rows, with a code, a category and a clock."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_existing_reports_move_into_cases(regions):
    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0001_initial")])
    old = executor.loader.project_state([("reports", "0001_initial")]).apps
    Report = old.get_model("reports", "CitizenReport")
    Report.objects.create(channel="sms", phone="+6281200000001", text="Listrik padam", region_id="32.14")
    Report.objects.create(
        channel="counter", text="Banjir", category="Jalan", status="routed", region_id="32.14"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("reports"))
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes("reports")).apps
    Case = new.get_model("reports", "Case")
    first, second = Case._base_manager.order_by("pk")
    assert first.reporter_phone == "+6281200000001" and first.text == "Listrik padam"
    assert first.category == "lainnya" and first.status == "new" and first.verify_due_on is not None
    assert (second.category, second.status) == ("jalan", "assigned")
    assert len(first.tracking_code) == 10 and first.tracking_code != second.tracking_code
