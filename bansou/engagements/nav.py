from django.utils.translation import gettext_lazy as _

from bansou.orgs.navigation import NavItem
from bansou.orgs.roles import Role

NAV_ITEMS = [
    NavItem(
        _("Engagements"),
        "engagements:list",
        frozenset({Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT}),
    ),
    NavItem(_("My journal"), "engagements:journal", frozenset({Role.CLIENT})),
    NavItem(_("Radar"), "engagements:radar", frozenset({Role.COORDINATOR})),
]
