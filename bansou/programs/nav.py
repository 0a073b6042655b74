from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Programs"), "programs:list", frozenset({Role.COORDINATOR})),
    NavItem(_("My programs"), "programs:list", frozenset({Role.SUPPORTER, Role.CLIENT})),
]
