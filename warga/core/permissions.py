"""Roles and capabilities.

A role is what a person is (kecamatan verifier); a capability is what the code checks
(`applications.verify`). Each app declares the capabilities it checks and which roles hold
them in its own `capabilities.py`, by calling `grant()`; the table is collected at start-up.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DESA_OPERATOR = "desa_operator", _("Desa/kelurahan operator")
    KECAMATAN_COUNTER = "kecamatan_counter", _("Kecamatan counter officer")
    KECAMATAN_VERIFIER = "kecamatan_verifier", _("Kecamatan verifier")
    DISDUKCAPIL_VERIFIER = "disdukcapil_verifier", _("Disdukcapil verifier")
    PRINTING_OPERATOR = "printing_operator", _("Printing operator")
    DISDUKCAPIL_HEAD = "disdukcapil_head", _("Head of Disdukcapil")
    OUTREACH_OFFICER = "outreach_officer", _("Outreach officer")
    PPID_OFFICER = "ppid_officer", _("PPID officer")
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    AGENCY_HEAD = "agency_head", _("Agency head")
    REGIONAL_VIEWER = "regional_viewer", _("Regional head (viewer)")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


_GRANTS: dict[str, set[str]] = defaultdict(set)
_DESCRIPTIONS: dict[str, str] = {}


def grant(capability: str, *roles: str, description: str = "") -> str:
    """Declare a capability and the roles that hold it. Returns the capability name."""
    _GRANTS[capability].update(roles)
    if description:
        _DESCRIPTIONS[capability] = description
    return capability


def capabilities_of(roles: set[str] | frozenset[str]) -> frozenset[str]:
    return frozenset(cap for cap, holders in _GRANTS.items() if holders & roles)


def roles_with(capability: str) -> frozenset[str]:
    return frozenset(_GRANTS.get(capability, set()))


def all_capabilities() -> dict[str, frozenset[str]]:
    return {cap: frozenset(roles) for cap, roles in sorted(_GRANTS.items())}
