from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Today's salons"), "salons:today", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(_("Salons"), "salons:blocks", frozenset({Role.COORDINATOR})),
    NavItem(_("Venues"), "salons:venues", frozenset({Role.COORDINATOR})),
    NavItem(_("Reserve a salon visit"), "salons:reserve", frozenset({Role.CLIENT})),
    NavItem(_("Events"), "salons:events", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(_("My school"), "salons:schools", frozenset({Role.PARTNER})),
    NavItem(_("Sharing with teachers"), "salons:my_sharing", frozenset({Role.CLIENT})),
]
