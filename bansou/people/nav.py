from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

COORDINATOR = frozenset({Role.COORDINATOR})

NAV_ITEMS = [
    NavItem(_("Supporters"), "people:supporters", COORDINATOR),
    NavItem(_("Clients"), "people:clients", COORDINATOR),
    NavItem(_("Invitations"), "people:invitations", COORDINATOR),
    NavItem(_("My profile"), "people:my_supporter_profile", frozenset({Role.SUPPORTER})),
]
