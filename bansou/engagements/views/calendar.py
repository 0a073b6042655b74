"""Week calendars: a supporter's own week, and a program's supporters side by side for
its coordinators. ``?week=`` names any day of the week shown (an ISO date); anything
else shows this week with a message."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.selectors.calendar import (
    calendar_programs,
    program_supporters_page,
    week_calendar,
    week_from_param,
)
from bansou.orgs.http import OrgView
from bansou.programs.views.base import ProgramView

BAD_WEEK = _("That week could not be read (use a date such as 2026-12-07), so this week is shown.")


class WeekMixin(OrgView):
    """Reads ``?week=`` into ``self.week_start`` (a Monday) and says when it was refused."""

    def week_context(self) -> dict[str, Any]:
        self.week_start, valid = week_from_param(self.request.GET.get("week"))
        return {"week_error": None if valid else BAD_WEEK}


class MyWeekView(WeekMixin):
    """「今週の予定」: the signed-in supporter's (or coordinator's) own week."""

    access_policy = org_roles(Role.SUPPORTER, Role.COORDINATOR)
    template_name = "engagements/calendar_week.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.week_context())
        context["calendar"] = week_calendar(
            organization=self.organization, user_ids=[self.user.pk], week_start=self.week_start
        )
        context["person"] = context["calendar"].people[0]
        if self.role == Role.COORDINATOR:
            context["programs"] = calendar_programs(organization=self.organization)
        return context


class ProgramCalendarView(WeekMixin, ProgramView):
    """A program's supporters side by side for one week: booked sessions, open time,
    closed days, weekly hours against their limits. Ten supporters a page, by name."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/calendar_program.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.week_context())
        search = self.request.GET.get("q", "").strip()[:100]
        page = program_supporters_page(
            organization=self.organization,
            program=self.program,
            search=search,
            page=self.request.GET.get("page"),
        )
        context["calendar"] = week_calendar(
            organization=self.organization,
            user_ids=[user.pk for user in page.object_list],
            week_start=self.week_start,
            program=self.program,
        )
        context.update(page=page, search=search)
        return context
