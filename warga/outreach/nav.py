from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

from .capabilities import (
    OUTREACH_DEVICES,
    OUTREACH_FIELD,
    OUTREACH_PLAN,
    OUTREACH_REVIEW,
    OUTREACH_STATS,
    OUTREACH_VIEW,
)

register(
    NavItem(_("Outreach"), "outreach:events", OUTREACH_VIEW, icon="truck", section=_("Outreach"), order=400),
    NavItem(
        _("Outreach planner"),
        "outreach:planner",
        OUTREACH_PLAN,
        icon="calendar-range",
        section=_("Outreach"),
        order=401,
    ),
    NavItem(_("Field app"), "outreach:app", OUTREACH_FIELD, icon="phone", section=_("Outreach"), order=402),
    NavItem(
        _("Field devices"),
        "outreach:devices",
        OUTREACH_DEVICES,
        icon="shield-lock",
        section=_("Outreach"),
        order=403,
    ),
    NavItem(
        _("Records to review"),
        "outreach:review",
        OUTREACH_REVIEW,
        icon="inbox",
        section=_("Outreach"),
        order=404,
    ),
    NavItem(
        _("Residents served elsewhere"),
        "outreach:moved",
        OUTREACH_VIEW,
        icon="signpost-split",
        section=_("Outreach"),
        order=405,
    ),
    NavItem(
        _("Outreach results"),
        "outreach:results",
        OUTREACH_STATS,
        icon="bar-chart",
        section=_("Outreach"),
        order=406,
    ),
)
