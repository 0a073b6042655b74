from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.inputs import whole_number
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.engagements.filters import EngagementFilter
from bansou.engagements.forms import (
    BulkStatusForm,
    EngagementCreateForm,
    GoalsForm,
    StatusForm,
)
from bansou.engagements.models import OPEN_STATUS_VALUES
from bansou.engagements.selectors.lookups import (
    future_sessions,
    open_rematch_of,
    rematch_request_in,
)
from bansou.engagements.selectors.timeline import engagement_timeline
from bansou.engagements.selectors.work import open_rematch_requests
from bansou.engagements.services.bulk import BulkOutcome, engagements_change_status
from bansou.engagements.services.lifecycle import (
    engagement_change_status,
    engagement_create,
    engagement_update_goals,
    rematch_mark_handled,
    rematch_request,
)
from bansou.engagements.services.records import notes_read_by_supporter
from bansou.engagements.services.reflections import reflections_read_audited
from bansou.engagements.views.base import EngagementView
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView

PEOPLE = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
TEAM_SIDE = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class EngagementListView(OrgView):
    """The engagements this person may see, searched by name, filtered by status and
    program, fifty a page; the filters are in the URL."""

    access_policy = PEOPLE
    template_name = "engagements/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = EngagementFilter(
            self.request.GET or None,
            organization=self.organization,
            user=self.user,
            role=self.role,
        )
        listing = page_of(found.qs, params=self.request.GET)
        context.update(
            listing,
            filter=found,
            engagements=list(listing["page"].object_list),
            open_statuses=OPEN_STATUS_VALUES,
        )
        return context


class EngagementCreateView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/create.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = EngagementCreateForm(organization=self.organization, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = EngagementCreateForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                engagement = engagement_create(
                    program=form.cleaned_data["program"],
                    client=form.cleaned_data["client"],
                    supporter=form.cleaned_data["supporter"],
                    team=form.cleaned_data["team"],
                    goals=form.cleaned_data["goals"],
                    start_now=form.cleaned_data["start_now"],
                    created_by=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The engagement has been created."))
                return redirect("engagements:detail", self.organization.slug, engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class EngagementDetailView(EngagementView):
    access_policy = PEOPLE
    template_name = "engagements/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        timeline = engagement_timeline(
            engagement=self.engagement,
            user=self.user,
            role=self.role,
            is_supporter=self.is_supporter,
            params=self.request.GET,
        )
        context.update(timeline=timeline.items, timeline_page=timeline)
        context["can_manage"] = self.role == Role.COORDINATOR or self.is_supporter
        notes_read_by_supporter(
            notes=[note for item in context["timeline"] for note in item.details.get("notes", [])],
            reader=self.user,
            ip_address=client_ip(self.request),
        )
        if self.role == Role.COORDINATOR:
            context["open_rematch"] = open_rematch_of(engagement=self.engagement)
            if not self.is_supporter:
                reflections_read_audited(
                    engagement=self.engagement,
                    reader=self.user,
                    shown=sum(1 for i in context["timeline"] if i.details.get("reflection")),
                    ip_address=client_ip(self.request),
                )
        return context


class EngagementStatusView(EngagementView):
    access_policy = TEAM_SIDE
    template_name = "engagements/status.html"

    def _form(self, data: Any = None) -> StatusForm:
        upcoming = future_sessions(engagement=self.engagement)
        return StatusForm(data, engagement=self.engagement, upcoming=upcoming)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                engagement_change_status(
                    engagement=self.engagement,
                    to_status=form.cleaned_data["to_status"],
                    reason=form.cleaned_data["reason"],
                    future=form.future(),
                    actor=self.user,
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The status has been changed."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class EngagementGoalsView(EngagementView):
    access_policy = TEAM_SIDE
    template_name = "engagements/goals.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = GoalsForm(
            initial={"goals": self.engagement.goals, "next_steps": self.engagement.next_steps}
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = GoalsForm(request.POST)
        if form.is_valid():
            engagement_update_goals(
                engagement=self.engagement,
                actor=self.user,
                **form.cleaned_data,
            )
            messages.success(request, _("Goals and next steps have been saved."))
            return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RematchRequestView(EngagementView):
    """The client asks quietly, with no reason needed, for a different supporter."""

    access_policy = org_roles(Role.CLIENT)
    template_name = "engagements/rematch.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rematch_request(engagement=self.engagement, client=self.user)
        messages.success(
            request,
            _("Your request has been passed to the coordinators only. They will contact you."),
        )
        return redirect("engagements:detail", self.organization.slug, self.engagement.pk)


class RematchQueueView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/rematch_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["requests"] = open_rematch_requests(organization=self.organization)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pk = whole_number(request.POST.get("request"))
        item = rematch_request_in(organization=self.organization, pk=pk) if pk is not None else None
        if item is None:
            messages.error(request, _("That request no longer exists."))
        else:
            rematch_mark_handled(request=item, handled_by=self.user)
            messages.success(request, _("Marked as handled."))
        return redirect("engagements:rematch_queue", self.organization.slug)


class EngagementBulkStatusView(OrgView):
    """Ends or interrupts several engagements chosen on the list: the page names them and
    asks for one reason; each one's future sessions are cancelled with notice."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/bulk_status.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BulkStatusForm(None, organization=self.organization)
        chosen = form.choose(request.GET.getlist("e"))
        return self.render_to_response(self.get_context_data(form=form, chosen=chosen))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BulkStatusForm(request.POST, organization=self.organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = engagements_change_status(
                    organization=self.organization,
                    ids=[e.pk for e in data["engagements"]],
                    to_status=data["to_status"],
                    actor=self.user,
                    reason=data["reason"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _tell_bulk_outcome(request, outcome)
                return redirect("engagements:list", self.organization.slug)
        chosen = form.cleaned_data.get("engagements") or form.choose(
            request.POST.getlist("engagements")
        )
        return self.render_to_response(self.get_context_data(form=form, chosen=chosen))


def _tell_bulk_outcome(request: HttpRequest, outcome: BulkOutcome) -> None:
    messages.success(
        request,
        _("%(n)s engagement(s) changed; their future sessions were cancelled with notice.")
        % {"n": len(outcome.changed)},
    )
    for engagement, why in outcome.refused:
        messages.warning(request, f"{engagement.client.display_name}: {why}")
