from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Matching"), "matching:index", frozenset({Role.COORDINATOR})),
    NavItem(_("Find a supporter"), "matching:choose_home", frozenset({Role.CLIENT})),
    NavItem(_("Match requests"), "matching:requests", frozenset({Role.SUPPORTER})),
    NavItem(
        _("Matching preferences"),
        "matching:preferences",
        frozenset({Role.CLIENT, Role.SUPPORTER}),
    ),
]
