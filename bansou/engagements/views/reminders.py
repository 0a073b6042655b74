"""The coordinator's view of the reminder queue: what goes out next, and what went."""

from typing import Any

from django.utils import timezone

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.forms.reminders import ReminderFilterForm
from bansou.engagements.selectors.calendar import calendar_programs
from bansou.engagements.selectors.reminders import reminders_waiting
from bansou.orgs.http import OrgView


class RemindersView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/reminders.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = ReminderFilterForm(
            self.request.GET, programs=calendar_programs(organization=self.organization)
        )
        context["now"] = timezone.now()
        context["page"] = reminders_waiting(
            organization=self.organization,
            now=context["now"],
            page=self.request.GET.get("page"),
            **filters.filters(),
        )
        context.update(filters.context())
        return context
