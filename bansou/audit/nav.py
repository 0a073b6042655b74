from django.utils.translation import gettext_lazy as _

from bansou.orgs.navigation import NavItem
from bansou.orgs.roles import Role

NAV_ITEMS = [NavItem(_("Audit log"), "audit:list", frozenset({Role.COORDINATOR}))]
