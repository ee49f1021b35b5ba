from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Audit log"),
        "audit:list",
        "audit.view",
        icon="journal-text",
        section=_("Administration"),
        order=950,
    )
)
