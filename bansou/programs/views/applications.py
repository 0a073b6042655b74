from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property

from bansou.accounts.selectors import account_for_address
from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.http import OrgView
from bansou.programs import selectors
from bansou.programs.filters import ApplicationFilter
from bansou.programs.forms.applications import DecisionForm
from bansou.programs.models import Application
from bansou.programs.services.applications import ApplicationDecisionError, application_decide
from bansou.programs.views.base import ProgramView

# An application still waiting for a decision (it can be accepted or declined).
UNDECIDED = (Application.Status.PENDING, Application.Status.WAITLISTED)


class ApplicationQueueView(ProgramView):
    """The screening queue of one program: applicants found by name, reading or email,
    filtered by status (chips with counts), side, category and minors without a guardian's
    consent, ordered and paged from the query string."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/applications/queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = ApplicationFilter(self.request.GET or None, program=self.program)
        listing = page_of(found.qs, params=self.request.GET)
        counts = found.status_counts()
        context.update(
            listing,
            filter=found,
            applications=list(listing["page"].object_list),
            status=found.values.get("status", ""),
            statuses=[(value, label, counts[value]) for value, label in Application.Status.choices],
            total=sum(counts.values()),
            without_status=found.query_without_status(),
            filtered=found.is_filtered,
        )
        return context


class ApplicationDetailView(OrgView):
    """One application with the three decisions (accept, waitlist, decline) as one form."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/applications/detail.html"

    @cached_property
    def application(self) -> Application:
        pk = self.kwargs["application_pk"]
        return selectors.application_for(organization=self.organization, pk=pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = self.application
        context.update(
            application=application,
            program=application.program,
            applicant=selectors.applicant_context(application=application),
            is_open=application.status in UNDECIDED,
            can_waitlist=application.status == Application.Status.PENDING,
            address_unconfirmed=account_for_address(email=application.email).unconfirmed,
        )
        context.setdefault("form", DecisionForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application = self.application
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            outcome = application_decide(
                application=application, decided_by=self.user, **form.cleaned_data
            )
        except ApplicationDecisionError as exc:
            messages.error(request, exc.message)
        else:
            for level, text in form.done_messages(application, outcome):
                messages.add_message(request, level, text)
        return redirect(request.path)
