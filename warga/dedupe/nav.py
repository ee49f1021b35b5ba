from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Duplicates"), "dedupe:queue", "registry.dedupe", icon="people", section=_("Register"), order=240
    )
)
