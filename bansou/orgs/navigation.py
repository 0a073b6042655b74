"""The navigation of an organisation, per role. Apps add their entries here."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bansou.core.registry import app_modules
from bansou.core.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[Role]
    # The url name of the entry this one follows, when a higher app's page belongs among a
    # lower app's entries (the team pages, in engagements, sit after People's "Clients").
    after: str = ""


ALL_ROLES = frozenset(Role)

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Dashboard"), "orgs:dashboard", ALL_ROLES - {Role.CLIENT}),
    # Clients are spoken to in plain words, not the organisation's (no "dashboard").
    NavItem(pgettext_lazy("client menu", "Home"), "orgs:dashboard", frozenset({Role.CLIENT})),
]
LAST_ITEMS: list[NavItem] = [
    NavItem(_("Members"), "orgs:members", frozenset({Role.COORDINATOR})),
    NavItem(_("Mail settings"), "orgs:mail_settings", frozenset({Role.COORDINATOR})),
]
# Each app lists its menu entries in <app>/nav.py as NAV_ITEMS; this order is the menu's.
NAV_APPS = [
    "engagements",
    "scheduling",
    "salons",
    "surveys",
    "reports",
    "programs",
    "people",
    "matching",
    "privacy",
    "audit",
    "ops",
]


def all_nav_items() -> list[NavItem]:
    items = list(NAV_ITEMS)
    for module in app_modules(apps=NAV_APPS, module="nav"):
        items.extend(module.NAV_ITEMS)
    for item in [i for i in items if i.after]:
        items.remove(item)
        anchor = next((n for n, i in enumerate(items) if i.url_name == item.after), len(items) - 1)
        items.insert(anchor + 1, item)
    return items + LAST_ITEMS


def nav_for(*, org_slug: str, role: str, current_path: str) -> list[dict[str, Any]]:
    """The role's menu; the entry whose address is the longest that the page's path is (or
    starts with) is the current one, alone: on /members/invitations/ that is 招待, not
    メンバー as well."""
    home = reverse("orgs:dashboard", kwargs={"org_slug": org_slug})
    entries = [
        (item.label, reverse(item.url_name, kwargs={"org_slug": org_slug}))
        for item in all_nav_items()
        if role in item.roles
    ]
    matching = [
        url
        for _, url in entries
        if current_path == url or (url != home and current_path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return [{"label": label, "url": url, "current": url == current} for label, url in entries]
