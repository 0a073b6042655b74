from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.http import OrgView
from bansou.programs import selectors
from bansou.programs.filters import EnrolmentFilter
from bansou.programs.forms.programs import ProgramEditor, new_program_initial
from bansou.programs.models import Program, Side
from bansou.programs.services.programs import program_create, program_update
from bansou.programs.views.base import ProgramView

ENROLMENTS_PER_PAGE = 25


class ProgramListView(OrgView):
    """Coordinators: every program, with counts. Supporters and clients: their programs."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
    template_name = "programs/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.role == Role.COORDINATOR:
            context["programs"] = selectors.programs_for_coordinator(organization=self.organization)
            context["is_coordinator"] = True
        else:
            context["programs"] = selectors.programs_visible_to(
                organization=self.organization,
                user=self.user,
                role=self.role,
            )
        context["today"] = timezone.localdate()
        return context


class ProgramEditorPage(OrgView):
    """The program form, for a new program and for an existing one: ``_editor`` builds
    it, ``_save`` calls the service."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/form.html"
    saved_message: str | Promise = ""

    def _editor(self, data: Any = None) -> ProgramEditor:
        raise NotImplementedError

    def _save(self, editor: ProgramEditor) -> Program:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(editor=self._editor()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editor = self._editor(request.POST)
        if editor.is_valid():
            try:
                program = self._save(editor)
            except ValidationError as exc:
                editor.add_service_errors(exc)
            else:
                messages.success(request, str(self.saved_message))
                return redirect(
                    "programs:detail", org_slug=self.organization.slug, program_slug=program.slug
                )
        return self.render_to_response(self.get_context_data(editor=editor))


class ProgramCreateView(ProgramEditorPage):
    saved_message = _("The program has been created.")

    def _editor(self, data: Any = None) -> ProgramEditor:
        initial = new_program_initial(self.request.GET.get("kind"))
        return ProgramEditor(data, organization=self.organization, initial=initial)

    def _save(self, editor: ProgramEditor) -> Program:
        return program_create(
            organization=self.organization, created_by=self.user, **editor.outline_fields()
        )


class ProgramEditView(ProgramView, ProgramEditorPage):
    saved_message = _("The program has been saved.")

    def _editor(self, data: Any = None) -> ProgramEditor:
        outline = selectors.program_outline(program=self.program)
        return ProgramEditor(
            data,
            organization=self.organization,
            program=self.program,
            phases=outline.phases,
            targets=outline.targets,
            topics=[t.name for t in outline.topics],
        )

    def _save(self, editor: ProgramEditor) -> Program:
        return program_update(program=self.program, updated_by=self.user, **editor.outline_fields())


def _enrolment_list(program: Program, params: QueryDict) -> dict[str, Any]:
    """The program page's enrolments, searched, filtered and paged from ``params``."""
    found = EnrolmentFilter(params or None, program=program)
    listing = page_of(found.qs, params=params, per_page=ENROLMENTS_PER_PAGE)
    return {
        **listing,
        "filter": found,
        "enrolments": selectors.enrolment_rows(program=program, enrolments=listing["page"]),
        "enrolment_counts": selectors.enrolment_counts(program=program),
    }


class ProgramDetailView(ProgramView):
    """Coordinators see everything about the program; enrolled supporters and clients a
    read-only page (description, timeline; supporters also topics and their trainings)."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
    template_name = "programs/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        outline = selectors.program_outline(program=self.program)
        context["timeline"] = selectors.program_timeline(
            program=self.program, phases=outline.phases, today=timezone.localdate()
        )
        context["is_coordinator"] = self.role == Role.COORDINATOR
        if self.role == Role.COORDINATOR:
            context.update(self._coordinator_context(outline))
        elif Side.SUPPORTER in selectors.enrollment_sides(program=self.program, user=self.user):
            my_trainings = selectors.my_trainings(program=self.program, user=self.user)
            context.update(
                is_enrolled_supporter=True,
                topics=outline.topics,
                my_trainings=my_trainings,
                is_ready=all(t.attended_on or not t.training.is_required for t in my_trainings),
            )
        return context

    def _coordinator_context(self, outline: selectors.ProgramOutline) -> dict[str, Any]:
        program = self.program
        context: dict[str, Any] = {
            **_enrolment_list(program, self.request.GET),
            "trainings": list(selectors.trainings_of(program=program)),
            "targets": outline.targets,
            "topics": outline.topics,
            "status_counts": selectors.application_status_counts(program=program),
        }
        if program.is_public:
            slugs = {"org_slug": self.organization.slug, "program_slug": program.slug}
            path = reverse("public:program", kwargs=slugs)
            context["public_url"] = self.request.build_absolute_uri(path)
        return context
