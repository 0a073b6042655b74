"""Group events (職業講話, ガイダンス, 保護者セミナー, supporter training): the list, planning
one, its page, changing and cancelling it (coordinators), and recording it as held
(coordinators and the event's staff). Clients, partners and viewers are refused by role."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.salons.forms.events import EventForm, EventRecordForm
from bansou.salons.models import GroupEvent
from bansou.salons.selectors.events import (
    event_attendee_choices,
    event_for,
    event_for_recording,
    event_program_choices,
    event_staff_choices,
    event_venue_choices,
    events_page,
    may_record,
)
from bansou.salons.services.events import event_cancel, event_create, event_record, event_update

STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)
COORDINATOR = org_roles(Role.COORDINATOR)


class EventListView(OrgView):
    """Every group event here, the latest first, searched and filtered in the URL."""

    access_policy = STAFF
    template_name = "salons/events_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found, listing = events_page(organization=self.organization, params=self.request.GET)
        context.update(listing, filter=found, events=list(listing["page"].object_list))
        return context


class EventFormMixin(OrgView):
    def event_form(self, *, event: GroupEvent | None = None, **kwargs: Any) -> EventForm:
        organization = self.organization
        current = event.venue if event is not None else None
        return EventForm(
            organization=organization,
            venues=event_venue_choices(organization=organization, current=current),
            programs=event_program_choices(organization=organization),
            staff=event_staff_choices(organization=organization),
            **kwargs,
        )


class EventCreateView(EventFormMixin):
    access_policy = COORDINATOR
    template_name = "salons/events_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.event_form(initial={"day": timezone.localdate(), "staff": [self.user.pk]})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.event_form(data=request.POST)
        if form.is_valid():
            try:
                event = event_create(
                    organization=self.organization, actor=self.user, **form.event_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error, field_map=EventForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The event has been planned."))
                return redirect("salons:event", self.organization.slug, event.pk)
        return self.render_to_response(self.get_context_data(form=form))


class EventMixin(EventFormMixin):
    """Loads ``self.event`` (404 unless it is this organisation's)."""

    event: GroupEvent

    def load_event(self, pk: int) -> GroupEvent:
        return event_for(organization=self.organization, pk=pk)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.event = self.load_event(kwargs["event_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        event = self.event
        context.update(
            event=event,
            is_cancelled=event.status == GroupEvent.Status.CANCELLED,
            may_change=self.role == Role.COORDINATOR,
            may_record=may_record(event=event, user=self.user, role=self.role),
            has_started=event.starts_at <= timezone.now(),
        )
        return context


class EventDetailView(EventMixin):
    """When, where, who runs it and, once held, how many came."""

    access_policy = STAFF
    template_name = "salons/events_detail.html"


class EventEditView(EventMixin):
    access_policy = COORDINATOR
    template_name = "salons/events_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.event_form(event=self.event, initial=EventForm.initial_for(self.event))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.event_form(event=self.event, data=request.POST)
        if form.is_valid():
            try:
                event_update(event=self.event, actor=self.user, **form.event_fields())
            except ValidationError as error:
                add_service_errors(form, error, field_map=EventForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The event has been saved."))
                return redirect("salons:event", self.organization.slug, self.event.pk)
        return self.render_to_response(self.get_context_data(form=form))


class EventCancelView(EventMixin):
    """Asks first (GET), then cancels (POST)."""

    access_policy = COORDINATOR
    template_name = "salons/events_cancel.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            event_cancel(event=self.event, actor=self.user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("The event has been cancelled."))
        return redirect("salons:event", self.organization.slug, self.event.pk)


class EventRecordView(EventMixin):
    """How many came and, for coordinators, the students who came by name (the person
    search offers students to coordinators only)."""

    access_policy = STAFF
    template_name = "salons/events_record.html"

    def load_event(self, pk: int) -> GroupEvent:
        return event_for_recording(
            organization=self.organization, user=self.user, role=self.role, pk=pk
        )

    def record_form(self, **kwargs: Any) -> EventRecordForm:
        students = None
        if self.role == Role.COORDINATOR:
            students = event_attendee_choices(organization=self.organization)
        return EventRecordForm(organization=self.organization, students=students, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.record_form(initial=EventRecordForm.initial_for(self.event))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.record_form(data=request.POST)
        if form.is_valid():
            try:
                event_record(event=self.event, actor=self.user, **form.record_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The event has been recorded as held."))
                return redirect("salons:event", self.organization.slug, self.event.pk)
        return self.render_to_response(self.get_context_data(form=form))
