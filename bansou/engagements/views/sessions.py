from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.cadence import Rule
from bansou.engagements.forms import (
    AuditedReadForm,
    CadenceForm,
    SessionForm,
    SessionRecordForm,
    SessionStatusForm,
    meeting_url_for,
)
from bansou.engagements.models import Session, SessionNote
from bansou.engagements.rules import is_engagement_supporter
from bansou.engagements.selectors.access import note_for_supporter
from bansou.engagements.services.records import note_read_audited, session_record_save
from bansou.engagements.services.sessions import (
    series_plan,
    session_move,
    session_schedule,
    session_series_create,
    session_set_status,
)
from bansou.engagements.views.base import EngagementView, SessionView
from bansou.orgs.forms import add_service_errors
from bansou.orgs.views import OrgTemplateView
from bansou.programs.models import Phase

TEAM_SIDE = org_roles(Role.COORDINATOR, Role.SUPPORTER)


def _require_team_side(view: EngagementView | SessionView) -> None:
    """Coordinators, or the engagement's own supporters."""
    role = view.membership.role
    if role == Role.SUPPORTER and not is_engagement_supporter(view.user, view.engagement):
        raise PermissionDenied


class SessionCreateView(EngagementView):
    access_policy = TEAM_SIDE
    template_name = "engagements/session_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
        form = SessionForm(initial={"day": timezone.localdate(), "generate_room": True})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session_schedule(
                    engagement=self.engagement, created_by=self.user, **form.session_fields()
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The session has been scheduled."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class CadenceView(EngagementView):
    """Creates a whole series from a rule in one step: preview first, then confirm."""

    access_policy = TEAM_SIDE
    template_name = "engagements/cadence.html"

    def _initial(self) -> dict[str, Any]:
        program = self.engagement.program
        active = Phase.objects.filter(program=program, kind=Phase.Kind.ACTIVE).first()
        first = max(timezone.localdate(), active.starts_on if active else program.starts_on)
        until = active.ends_on if active else program.ends_on
        return {
            "first_day": first,
            "until": until,
            "rule": Rule.TWICE_MONTHLY.value,
            "duration_minutes": 40,
            "generate_room": True,
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
        return self.render_to_response(
            self.get_context_data(form=CadenceForm(initial=self._initial()))
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
        form = CadenceForm(request.POST)
        plan = None
        if form.is_valid():
            data = form.cleaned_data
            plan = series_plan(
                first_day=data["first_day"],
                until=data["until"],
                rule=Rule(data["rule"]),
                limit=data["limit"],
            )
            if "confirm" in request.POST:
                try:
                    sessions = session_series_create(
                        engagement=self.engagement,
                        first_day=data["first_day"],
                        until=data["until"],
                        start_time=data["start_time"],
                        duration_minutes=data["duration_minutes"],
                        rule=Rule(data["rule"]),
                        limit=data["limit"],
                        mode=data["mode"],
                        place=data["place"],
                        meeting_url=meeting_url_for(form),
                        created_by=self.user,
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("%(count)d sessions have been scheduled.") % {"count": len(sessions)},
                    )
                    return redirect(
                        "engagements:detail", self.organization.slug, self.engagement.pk
                    )
        return self.render_to_response(self.get_context_data(form=form, plan=plan))


class SessionEditView(SessionView):
    """Moves one occurrence without touching the rest of its series."""

    access_policy = TEAM_SIDE
    template_name = "engagements/session_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
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
        _require_team_side(self)
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session_move(session=self.session, **form.session_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The session has been moved."))
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form, moving=True))


class SessionStatusView(SessionView):
    access_policy = TEAM_SIDE
    template_name = "engagements/session_status.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
        return self.render_to_response(self.get_context_data(form=SessionStatusForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_team_side(self)
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
        record = getattr(self.session, "record", None)
        initial = {}
        if record is not None:
            initial = {"topics": list(record.topics.all()), "shared_summary": record.shared_summary}
        return SessionRecordForm(data, program=self.engagement.program, initial=initial)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["notes"] = SessionNote.objects.filter(session=self.session).select_related("author")
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


class NoteView(OrgTemplateView):
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
        return context


class NoteAuditedReadView(OrgTemplateView):
    """A coordinator may read a private note only by giving a reason; each read is audited."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/note_audited.html"

    def _note(self) -> SessionNote:
        from django.shortcuts import get_object_or_404

        return get_object_or_404(
            SessionNote.objects.select_related("session__engagement__client", "author"),
            organization=self.organization,
            pk=self.kwargs["note_pk"],
        )

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
