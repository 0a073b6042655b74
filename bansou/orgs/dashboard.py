"""The dashboard of an organisation, per role. Apps add their sections here.

Each app in ``DASHBOARD_APPS`` may have a ``<app>/dashboard.py`` with
``dashboard_context(*, role, organization, user) -> dict``; the dashboard merges them in
this order. Loading them by name keeps this app from importing the apps built on it (the
same registry as the menu in ``navigation.py``).
"""

from typing import Any

from bansou.accounts.models import User
from bansou.core.registry import app_modules
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.orgs.selectors import members_of, role_counts, venues_of

DASHBOARD_APPS = ["orgs", "programs", "engagements"]


def dashboard_context(*, role: str, organization: Organization, user: User) -> dict[str, Any]:
    """The organisation's own section: members by role, venues, whom to contact."""
    context: dict[str, Any] = {}
    if role in (Role.COORDINATOR, Role.VIEWER):
        counts = role_counts(organization=organization)
        context["role_counts"] = counts
        context["role_count_max"] = max((n for _, n in counts), default=0) or 1
    if role in (Role.COORDINATOR, Role.PARTNER, Role.VIEWER):
        context["venues"] = list(venues_of(organization=organization))
    if role in (Role.SUPPORTER, Role.CLIENT, Role.PARTNER):
        context["coordinators"] = list(members_of(organization=organization, role=Role.COORDINATOR))
    return context


def collect_dashboard(*, role: str, organization: Organization, user: User) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for module in app_modules(apps=DASHBOARD_APPS, module="dashboard"):
        context.update(module.dashboard_context(role=role, organization=organization, user=user))
    return context
