"""Internal meetings: supporters-only meetings that hold calendars and that no client sees.
The list, planning one (``?team=<id>`` ticks the team's members), one meeting's page (to
change or move it) and cancelling it. Clients, partners and viewers are refused by role."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.forms.booking import int_param
from bansou.engagements.forms.meetings import MeetingCancelForm, MeetingForm
from bansou.engagements.models import Meeting
from bansou.engagements.selectors.meetings import (
    When,
    meeting_attendee_choices,
    meeting_for,
    meeting_team_choices,
    meeting_team_for,
    meetings_page,
    team_member_ids,
)
from bansou.engagements.services.meetings import meeting_cancel, meeting_create, meeting_update
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView

STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class MeetingListView(OrgView):
    access_policy = STAFF
    template_name = "engagements/meetings/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        when: When = "past" if self.request.GET.get("when") == "past" else "upcoming"
        page_obj = meetings_page(
            organization=self.organization,
            user=self.user,
            role=self.role,
            query=query,
            when=when,
            page=self.request.GET.get("page"),
        )
        context.update(query=query, when=when, page_obj=page_obj)
        return context


class MeetingFormMixin(OrgView):
    def meeting_form(self, *, for_new: bool, **kwargs: Any) -> MeetingForm:
        teams = None
        if for_new:
            teams = meeting_team_choices(
                organization=self.organization, user=self.user, role=self.role
            )
        choices = meeting_attendee_choices(organization=self.organization)
        return MeetingForm(
            attendee_choices=choices, teams=teams, organization=self.organization, **kwargs
        )


class MeetingCreateView(MeetingFormMixin):
    """Plans a meeting; ``?team=<id>`` (a team this person may choose) ticks its members."""

    access_policy = STAFF
    template_name = "engagements/meetings/form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        team = meeting_team_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            pk=int_param(request, "team"),
        )
        initial: dict[str, Any] = {"day": timezone.localdate(), "attendees": [self.user.pk]}
        if team is not None:
            initial.update(team=team.pk, attendees=team_member_ids(team=team))
        form = self.meeting_form(for_new=True, initial=initial)
        return self.render_to_response(self.get_context_data(form=form, team=team))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.meeting_form(for_new=True, data=request.POST)
        if form.is_valid():
            fields = form.meeting_fields()
            try:
                meeting = meeting_create(organization=self.organization, actor=self.user, **fields)
            except ValidationError as error:
                add_service_errors(form, error, field_map=MeetingForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The meeting has been planned."))
                return redirect("engagements:meeting", self.organization.slug, meeting.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MeetingMixin(MeetingFormMixin):
    """Loads ``self.meeting`` (404 unless this person attends it or coordinates here)."""

    meeting: Meeting

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.meeting = meeting_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["meeting_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meeting = self.meeting
        context.update(
            meeting=meeting,
            can_change=meeting.status == Meeting.Status.SCHEDULED
            and meeting.starts_at > timezone.now(),
        )
        return context


class MeetingDetailView(MeetingMixin):
    """One meeting: when, where and who; until it starts, a form to change or move it."""

    access_policy = STAFF
    template_name = "engagements/meetings/detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.meeting_form(for_new=False, initial=MeetingForm.initial_for(self.meeting))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.meeting_form(for_new=False, data=request.POST)
        if form.is_valid():
            try:
                meeting_update(meeting=self.meeting, actor=self.user, **form.meeting_fields())
            except ValidationError as error:
                add_service_errors(form, error, field_map=MeetingForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The meeting has been saved."))
                return redirect("engagements:meeting", self.organization.slug, self.meeting.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MeetingCancelView(MeetingMixin):
    """Asks first (GET), then cancels (POST): the attendees' time is free again."""

    access_policy = STAFF
    template_name = "engagements/meetings/cancel.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MeetingCancelForm(initial={"sequence": self.meeting.sequence})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MeetingCancelForm(request.POST)
        if form.is_valid():
            try:
                meeting_cancel(
                    meeting=self.meeting, actor=self.user, sequence=form.cleaned_data["sequence"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting has been cancelled."))
                return redirect("engagements:meeting", self.organization.slug, self.meeting.pk)
        return self.render_to_response(self.get_context_data(form=form))
