from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

from . import capabilities as caps

SECTION = _("Outreach")

register(
    NavItem(
        _("Stakeholder register"), "stakeholders:list", caps.VIEW, icon="people", section=SECTION, order=870
    ),
    NavItem(
        _("Add a stakeholder"),
        "stakeholders:new",
        caps.MANAGE,
        icon="person-plus",
        section=SECTION,
        order=871,
    ),
    NavItem(
        _("Import stakeholders"),
        "stakeholders:import",
        caps.MANAGE,
        icon="upload",
        section=SECTION,
        order=872,
    ),
)
