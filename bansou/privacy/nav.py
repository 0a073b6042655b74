from django.utils.translation import gettext_lazy as _

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(_("My data"), "privacy:my_data", frozenset({Role.CLIENT})),
    NavItem(_("Retention period"), "privacy:retention", frozenset({Role.COORDINATOR})),
    NavItem(_("Privacy policy"), "privacy:notice_settings", frozenset({Role.COORDINATOR})),
]
