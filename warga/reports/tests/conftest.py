from __future__ import annotations

import pytest

from warga.reports.services import routing_rules_seed


@pytest.fixture
def rules(cast):
    """The default routing rules from the standard units' topics."""
    routing_rules_seed()
    return cast
