from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone, translation

from bansou.core.access import PUBLIC_IN_ORG
from bansou.programs import selectors, services
from bansou.programs.forms import ApplicationForm
from bansou.programs.models import Program, Side
from bansou.programs.views.base import PublicOrgView


class PublicProgramMixin(PublicOrgView):
    """Only a public program of the organisation exists here; anything else is 404."""

    access_policy = PUBLIC_IN_ORG

    def get_program(self) -> Program:
        if not hasattr(self, "_program"):
            self._program = get_object_or_404(
                selectors.public_programs(organization=self.organization),
                slug=self.kwargs["program_slug"],
            )
        return self._program

    def get_side(self) -> str:
        side: str = self.kwargs["side"]
        if side not in Side.values:
            raise Http404
        return side

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.get_program()
        context["program"] = program
        context["organization"] = self.organization
        return context


class PublicProgramView(PublicProgramMixin):
    template_name = "public/program.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.get_program()
        today = timezone.localdate()
        context["timeline"] = selectors.program_timeline(
            program=program, phases=list(program.phases.all()), today=today
        )
        context["open_sides"] = [
            (value, label)
            for value, label in Side.choices
            if services.program_accepts(program, value)
        ]
        context["has_ended"] = program.ends_on < today
        context["required_trainings"] = (
            [t for t in program.trainings.all() if t.is_required]
            if program.accepts_supporters
            else []
        )
        return context


class PublicApplyView(PublicProgramMixin):
    """The application form for one side. A side the program does not take is 404; a
    program that has ended shows that applications are closed."""

    template_name = "public/apply.html"

    def _check_side(self) -> str:
        side = self.get_side()
        program = self.get_program()
        takes = program.accepts_supporters if side == Side.SUPPORTER else program.accepts_clients
        if not takes:
            raise Http404
        return side

    def _form(self, data: Any = None) -> ApplicationForm:
        return ApplicationForm(
            data, questions=services.questions_for(self.get_program(), self._check_side())
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        side = self._check_side()
        context["side"] = side
        context["side_label"] = Side(side).label
        context["is_open"] = services.program_accepts(self.get_program(), side)
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        side = self._check_side()
        program = self.get_program()
        form = self._form(request.POST)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.application_submit(
                    program=program,
                    side=side,
                    email=c["email"],
                    family_name=c["family_name"],
                    given_name=c["given_name"],
                    family_name_kana=c["family_name_kana"],
                    given_name_kana=c["given_name_kana"],
                    answers=form.answers(),
                    message=c["message"],
                    language=translation.get_language() or "ja",
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect(
                    "public:thanks",
                    org_slug=self.organization.slug,
                    program_slug=program.slug,
                    side=side,
                )
        return self.render_to_response(self.get_context_data(form=form))


class PublicThanksView(PublicProgramMixin):
    """The same page whatever happened to the application (never reveals whether the
    email was known or the application a duplicate)."""

    template_name = "public/thanks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["side"] = self.get_side()
        return context
