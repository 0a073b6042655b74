"""The navigation of an organisation, per role. Apps add their entries here."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bansou.orgs.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[Role]


ALL_ROLES = frozenset(Role)

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Dashboard"), "orgs:dashboard", ALL_ROLES),
    NavItem(_("Members"), "orgs:members", frozenset({Role.COORDINATOR})),
]


def nav_for(*, org_slug: str, role: str, current_path: str) -> list[dict[str, Any]]:
    items = []
    for item in NAV_ITEMS:
        if role in item.roles:
            url = reverse(item.url_name, kwargs={"org_slug": org_slug})
            items.append({"label": item.label, "url": url, "current": url == current_path})
    return items
