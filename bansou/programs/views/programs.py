from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.views import OrgTemplateView
from bansou.programs import selectors, services
from bansou.programs.forms import ProgramEditor
from bansou.programs.models import Program, Side
from bansou.programs.views.base import ProgramView


class ProgramListView(OrgTemplateView):
    """Coordinators: every program, with counts. Supporters and clients: their programs."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
    template_name = "programs/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.membership.role == Role.COORDINATOR:
            context["programs"] = selectors.programs_for_coordinator(organization=self.organization)
            context["is_coordinator"] = True
        else:
            context["programs"] = selectors.programs_visible_to(
                organization=self.organization,
                user=self.request.user,  # type: ignore[arg-type]
                role=self.membership.role,
            )
        context["today"] = timezone.localdate()
        return context


class ProgramCreateView(OrgTemplateView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/form.html"

    def _editor(self, data: Any = None) -> ProgramEditor:
        kind = self.request.GET.get("kind")
        return ProgramEditor(
            data,
            organization=self.organization,
            initial={
                "kind": kind if kind in Program.Kind.values else Program.Kind.MENTORING,
                "topics": "\n".join(str(t) for t in services.DEFAULT_TOPICS),
                "reflection_enabled": True,
                "quiet_after_days": 21,
                "accepts_supporters": True,
                "accepts_clients": True,
            },
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(editor=self._editor()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editor = self._editor(request.POST)
        if editor.is_valid():
            try:
                program = services.program_create(
                    organization=self.organization,
                    data=editor.program_data(),
                    phases=editor.phase_inputs(),
                    targets=editor.target_inputs(),
                    topics=editor.topic_names(),
                    created_by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                editor.add_service_errors(exc)
            else:
                messages.success(request, _("The program has been created."))
                return redirect(
                    "programs:detail", org_slug=self.organization.slug, program_slug=program.slug
                )
        return self.render_to_response(self.get_context_data(editor=editor))


class ProgramEditView(ProgramView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/form.html"

    def _editor(self, data: Any = None) -> ProgramEditor:
        program = self.get_program()
        return ProgramEditor(
            data,
            organization=self.organization,
            program=program,
            phases=list(program.phases.all()),
            targets=list(program.targets.all()),
            topics=[t.name for t in program.topics.all()],
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(editor=self._editor()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editor = self._editor(request.POST)
        if editor.is_valid():
            try:
                program = services.program_update(
                    program=self.get_program(),
                    data=editor.program_data(),
                    phases=editor.phase_inputs(),
                    targets=editor.target_inputs(),
                    topics=editor.topic_names(),
                    updated_by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                editor.add_service_errors(exc)
            else:
                messages.success(request, _("The program has been saved."))
                return redirect(
                    "programs:detail", org_slug=self.organization.slug, program_slug=program.slug
                )
        return self.render_to_response(self.get_context_data(editor=editor))


class ProgramDetailView(ProgramView):
    """Coordinators see everything about the program; enrolled supporters and clients a
    read-only page (description, timeline; supporters also topics and their trainings)."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
    template_name = "programs/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.get_program()
        today = timezone.localdate()
        role = self.membership.role
        phases = list(program.phases.all())
        context["timeline"] = selectors.program_timeline(
            program=program, phases=phases, today=today
        )
        context["is_coordinator"] = role == Role.COORDINATOR
        if role == Role.COORDINATOR:
            context["readiness"] = selectors.supporter_readiness(program=program)
            context["clients"] = selectors.enrolled_clients(program=program)
            context["trainings"] = list(selectors.trainings_of(program=program))
            context["targets"] = list(program.targets.all())
            context["topics"] = list(program.topics.all())
            context["status_counts"] = selectors.application_status_counts(program=program)
            if program.is_public:
                context["public_url"] = self.request.build_absolute_uri(
                    reverse(
                        "public:program",
                        kwargs={"org_slug": self.organization.slug, "program_slug": program.slug},
                    )
                )
        else:
            sides = selectors.enrollment_sides(program=program, user=self.request.user)  # type: ignore[arg-type]
            if Side.SUPPORTER in sides:
                context["is_enrolled_supporter"] = True
                context["topics"] = list(program.topics.all())
                context["my_trainings"] = selectors.my_trainings(
                    program=program,
                    user=self.request.user,  # type: ignore[arg-type]
                )
                context["is_ready"] = all(
                    t.attended_on or not t.training.is_required for t in context["my_trainings"]
                )
        return context
