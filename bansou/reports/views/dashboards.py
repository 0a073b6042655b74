"""The report pages of coordinators and viewers (funders): the organisation's and each
program's, for a period chosen in the query string (the current 年度 by default)."""

from typing import Any

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.http import OrgView
from bansou.programs.models import Program
from bansou.reports.forms import period_from
from bansou.reports.selectors.dashboard import (
    report_page,
    report_program_for,
    report_programs,
)
from bansou.reports.selectors.targets import ROUNDING_RULE

REPORT_ROLES = org_roles(Role.COORDINATOR, Role.VIEWER)


class ReportView(OrgView):
    access_policy = REPORT_ROLES
    template_name = "reports/report.html"

    def program(self) -> Program | None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        period = period_from(self.request.GET)
        program = self.program()
        page = report_page(
            organization=self.organization,
            program=program,
            start=period.start,
            end=period.end,
            role=self.role,
        )
        return super().get_context_data(
            period=period,
            report=page,
            programs=report_programs(organization=self.organization),
            rounding_rule=ROUNDING_RULE,
            **kwargs,
        )


class OrganizationReportView(ReportView):
    """The whole organisation's figures, and the way to each program's report."""


class ProgramReportView(ReportView):
    """One program: its targets against their actuals, then every figure."""

    def program(self) -> Program:
        return report_program_for(organization=self.organization, slug=self.kwargs["program_slug"])
