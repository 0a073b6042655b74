from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS = [
    NavItem(
        _("Availability"),
        "scheduling:availability",
        frozenset({Role.SUPPORTER, Role.COORDINATOR}),
    ),
    NavItem(_("Closures"), "scheduling:closures", frozenset({Role.COORDINATOR})),
]
