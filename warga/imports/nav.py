from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Import"), "imports:upload", "registry.import", icon="upload", section=_("Register"), order=230
    ),
    NavItem(
        _("Export"), "imports:export", "registry.export", icon="download", section=_("Register"), order=231
    ),
)
