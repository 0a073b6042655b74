from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Surveys"), "surveys:list", frozenset({Role.COORDINATOR})),
]
