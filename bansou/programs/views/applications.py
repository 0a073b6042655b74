from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.views import OrgTemplateView
from bansou.programs import selectors, services
from bansou.programs.forms import DecisionForm
from bansou.programs.models import Application, Side
from bansou.programs.views.base import ProgramView

PAGE_SIZE = 50


class ApplicationQueueView(ProgramView):
    """The screening queue of one program, filtered by status and side."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/applications/queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.get_program()
        status = self.request.GET.get("status", "")
        side = self.request.GET.get("side", "")
        status = status if status in Application.Status.values else ""
        side = side if side in Side.values else ""
        applications = selectors.applications_for_queue(
            program=program, status=status or None, side=side or None
        )
        page = Paginator(applications, PAGE_SIZE).get_page(self.request.GET.get("page"))
        counts = selectors.application_status_counts(program=program, side=side or None)
        context.update(
            page=page,
            applications=page.object_list,
            status=status,
            side=side,
            statuses=[(value, label, counts[value]) for value, label in Application.Status.choices],
            total=sum(counts.values()),
            sides=Side.choices,
            queue_url=reverse(
                "programs:applications",
                kwargs={"org_slug": self.organization.slug, "program_slug": program.slug},
            ),
        )
        return context


class ApplicationDetailView(OrgTemplateView):
    """One application with the three decisions (accept, waitlist, decline) as one form."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/applications/detail.html"

    def get_application(self) -> Application:
        if not hasattr(self, "_application"):
            applications = Application.objects.filter(
                organization=self.organization
            ).select_related("program", "decided_by", "user")
            self._application = get_object_or_404(applications, pk=self.kwargs["application_pk"])
        return self._application

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = self.get_application()
        context.update(
            application=application,
            program=application.program,
            applicant=selectors.applicant_context(application=application),
            is_open=application.status
            in (Application.Status.PENDING, Application.Status.WAITLISTED),
            can_waitlist=application.status == Application.Status.PENDING,
        )
        context.setdefault("form", DecisionForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application = self.get_application()
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        decision = form.cleaned_data["decision"]
        common = {
            "application": application,
            "decided_by": request.user,
            "message": form.cleaned_data["message"],
        }
        name = f"{application.family_name} {application.given_name}"
        try:
            if decision == DecisionForm.ACCEPT:
                outcome = services.application_accept(**common)
                messages.success(
                    request,
                    _("%(name)s has been accepted and invited by email.") % {"name": name},
                )
                if outcome.kept_role:
                    messages.info(
                        request,
                        _(
                            "%(name)s was already a member of this organisation as "
                            "%(role)s; that role has been kept."
                        )
                        % {"name": name, "role": Role(outcome.kept_role).label},
                    )
            elif decision == DecisionForm.WAITLIST:
                services.application_waitlist(
                    **common,
                    notify=form.cleaned_data["notify"],
                )
                messages.success(request, _("%(name)s is on the waiting list.") % {"name": name})
            else:
                services.application_decline(
                    **common,
                    notify=form.cleaned_data["notify"],
                )
                messages.success(
                    request, _("The application of %(name)s has been declined.") % {"name": name}
                )
        except services.ApplicationDecisionError as exc:
            messages.error(request, exc.message)
        return redirect(
            "programs:application", org_slug=self.organization.slug, application_pk=application.pk
        )
