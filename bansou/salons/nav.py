from django.utils.translation import gettext_lazy as _  # noqa: F401

from bansou.core.roles import Role  # noqa: F401
from bansou.orgs.navigation import NavItem

NAV_ITEMS: list[NavItem] = []
