"""Planner statistics of the register after a bulk change (see warga.core.statistics)."""

from __future__ import annotations

from warga.core.statistics import tables_analyze

from ..models import Family, FamilyMembership, Phone, Resident
from ..search_index import NAME_KEY_TABLE


def register_analyze() -> list[str]:
    """Refresh the statistics of the register's tables; call it after an import, a generated
    register or a restore has committed, so name search and NIK lookup plan on real figures. On
    PostgreSQL, outside a transaction, the tables are vacuumed too (their new pages marked
    all-visible, see warga.core.statistics)."""
    return tables_analyze(Resident, Family, FamilyMembership, Phone, NAME_KEY_TABLE, vacuum=True)
