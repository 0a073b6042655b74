from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.engagements.filters import SessionFilter
from bansou.engagements.forms import (
    AuditedReadForm,
    CadenceForm,
    SessionForm,
    SessionRecordForm,
    SessionStatusForm,
)
from bansou.engagements.models import Session, SessionNote
from bansou.engagements.rules import is_engagement_supporter
from bansou.engagements.selectors.access import note_for_supporter, notes_visible_to
from bansou.engagements.selectors.lookups import (
    note_for_coordinator,
    record_initial,
)
from bansou.engagements.selectors.series import plan_series
from bansou.engagements.services.records import (
    note_read_audited,
    notes_read_by_supporter,
    session_record_save,
)
from bansou.engagements.services.sessions import (
    session_move,
    session_schedule,
    session_series_create,
    session_set_status,
)
from bansou.engagements.views.base import EngagementView, SessionView
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.programs.selectors import active_phase

TEAM_SIDE = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class SessionCreateView(EngagementView):
    access_policy = TEAM_SIDE
    template_name = "engagements/session_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SessionForm(initial={"day": timezone.localdate(), "generate_room": True})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session_schedule(
                    engagement=self.engagement, created_by=self.user, **form.session_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error, field_map=SessionForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The session has been scheduled."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class CadenceView(EngagementView):
    """Creates a whole series from a rule in one step: preview first, then confirm."""

    access_policy = TEAM_SIDE
    template_name = "engagements/cadence.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        program = self.engagement.program
        initial = CadenceForm.initial_for(program=program, phase=active_phase(program=program))
        return self.render_to_response(self.get_context_data(form=CadenceForm(initial=initial)))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CadenceForm(request.POST)
        plan = None
        if form.is_valid():
            try:
                plan = plan_series(engagement=self.engagement, **form.plan_fields())
                if "confirm" in request.POST:
                    sessions = session_series_create(
                        engagement=self.engagement, created_by=self.user, **form.series_fields()
                    )
                    messages.success(
                        request,
                        _("%(count)d sessions have been scheduled.") % {"count": len(sessions)},
                    )
                    return redirect(
                        "engagements:detail", self.organization.slug, self.engagement.pk
                    )
            except ValidationError as error:
                add_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form, plan=plan))


class SessionEditView(SessionView):
    """Moves one occurrence without touching the rest of its series."""

    access_policy = TEAM_SIDE
    template_name = "engagements/session_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        starts = timezone.localtime(self.session.starts_at)
        ends = timezone.localtime(self.session.ends_at)
        form = SessionForm(
            initial={
                "day": starts.date(),
                "start_time": starts.time(),
                "end_time": ends.time(),
                "mode": self.session.mode,
                "place": self.session.place,
                "meeting_url": self.session.meeting_url,
            }
        )
        return self.render_to_response(self.get_context_data(form=form, moving=True))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session_move(session=self.session, **form.session_fields())
            except ValidationError as error:
                add_service_errors(form, error, field_map=SessionForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The session has been moved."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form, moving=True))


class SessionStatusView(SessionView):
    access_policy = TEAM_SIDE
    template_name = "engagements/session_status.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=SessionStatusForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SessionStatusForm(request.POST)
        if form.is_valid():
            try:
                session_set_status(
                    session=self.session,
                    status=form.cleaned_data["status"],
                    cancel_reason=form.cleaned_data["cancel_reason"],
                    actor=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The session has been updated."))
                if form.cleaned_data["status"] == Session.Status.HELD and is_engagement_supporter(
                    self.user, self.engagement
                ):
                    return redirect(
                        "engagements:session_record", self.organization.slug, self.session.pk
                    )
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SessionRecordView(SessionView):
    """The engagement's supporters record topics, the shared summary and private notes."""

    access_policy = org_roles(Role.SUPPORTER)
    template_name = "engagements/session_record.html"

    def _form(self, data: Any = None) -> SessionRecordForm:
        return SessionRecordForm(
            data, program=self.engagement.program, initial=record_initial(session=self.session)
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["notes"] = notes_visible_to(session=self.session, user=self.user)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                session_record_save(
                    session=self.session,
                    author=self.user,
                    topics=list(form.cleaned_data["topics"]),
                    shared_summary=form.cleaned_data["shared_summary"],
                    private_note=form.cleaned_data["private_note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The record has been saved."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class NoteView(OrgView):
    """A private note, for the engagement's supporters only."""

    access_policy = org_roles(Role.SUPPORTER)
    template_name = "engagements/note.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["note"] = note_for_supporter(
            organization=self.organization,
            user=self.user,
            pk=kwargs["note_pk"],
        )
        notes_read_by_supporter(
            notes=[context["note"]], reader=self.user, ip_address=client_ip(self.request)
        )
        return context


class NoteAuditedReadView(OrgView):
    """A coordinator may read a private note only by giving a reason; each read is audited."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/note_audited.html"

    def _note(self) -> SessionNote:
        return note_for_coordinator(organization=self.organization, pk=self.kwargs["note_pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        note = self._note()
        return self.render_to_response(
            self.get_context_data(note_meta=note, form=AuditedReadForm())
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        note = self._note()
        form = AuditedReadForm(request.POST)
        context: dict[str, Any] = {"note_meta": note, "form": form}
        if form.is_valid():
            try:
                context["note"] = note_read_audited(
                    note=note,
                    reader=self.user,
                    reason=form.cleaned_data["reason"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
        return self.render_to_response(self.get_context_data(**context))


class SessionListView(OrgView):
    """Sessions across the engagements this person may see: coming ones first by default,
    or those that passed, or those still waiting for their record; searched by name and
    filtered by dates, status and program, fifty a page; the filters are in the URL."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER)
    template_name = "engagements/session_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = SessionFilter(
            self.request.GET, organization=self.organization, user=self.user, role=self.role
        )
        listing = page_of(found.qs, params=self.request.GET)
        query = listing["query"]
        context.update(
            listing, filter=found, sessions=list(listing["page"].object_list), filtered=bool(query)
        )
        return context
