from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bansou.core.roles import Role
from bansou.orgs.navigation import NavItem

NAV_ITEMS = [
    NavItem(_("Engagements"), "engagements:list", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(
        pgettext_lazy("client menu", "My supporter"), "engagements:list", frozenset({Role.CLIENT})
    ),
    NavItem(_("Sessions"), "engagements:sessions", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(_("My journal"), "engagements:journal", frozenset({Role.CLIENT})),
    NavItem(_("My week"), "engagements:calendar", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(_("Meetings"), "engagements:meetings", frozenset({Role.COORDINATOR, Role.SUPPORTER})),
    NavItem(_("Book a session"), "engagements:book", frozenset({Role.CLIENT})),
    NavItem(_("Radar"), "engagements:radar", frozenset({Role.COORDINATOR})),
    NavItem(_("Reminders"), "engagements:reminders", frozenset({Role.COORDINATOR})),
    NavItem(_("Teams"), "engagements:teams", frozenset({Role.COORDINATOR}), after="people:clients"),
    NavItem(
        _("Calendar sync"),
        "engagements:feed",
        frozenset({Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT}),
    ),
]
