from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Satisfaction index (IKM)"),
        "survey:index",
        "survey.view",
        icon="emoji-smile",
        section=_("Statistics"),
        order=880,
    )
)
