from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone, translation

from bansou.core.access import PUBLIC_IN_ORG
from bansou.core.network import client_address
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import PublicOrgView
from bansou.programs import selectors
from bansou.programs.forms.applications import ApplicationForm
from bansou.programs.models import Program, Side
from bansou.programs.services.applications import program_accepts, questions_for
from bansou.programs.services.public_limits import application_submit_limited


class PublicPrivacyView(PublicOrgView):
    """The organisation's privacy notice: its purposes of use of personal data (APPI 第21条)
    and whom to ask, linked from every public form."""

    access_policy = PUBLIC_IN_ORG
    template_name = "public/privacy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context


class PublicProgramMixin(PublicOrgView):
    """Only a public program of the organisation exists here; anything else is 404."""

    access_policy = PUBLIC_IN_ORG

    program: Program

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.program = selectors.public_program_for(
            organization=self.organization, slug=kwargs["program_slug"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_side(self) -> str:
        side: str = self.kwargs["side"]
        if side not in Side.values:
            raise Http404
        return side

    def _check_side(self) -> str:
        """The side in the URL if the program takes applications on it; 404 otherwise."""
        side = self.get_side()
        program = self.program
        takes = program.accepts_supporters if side == Side.SUPPORTER else program.accepts_clients
        if not takes:
            raise Http404
        return side

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.program
        context["program"] = program
        context["organization"] = self.organization
        return context


class PublicProgramView(PublicProgramMixin):
    template_name = "public/program.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program = self.program
        today = timezone.localdate()
        context["timeline"] = selectors.program_timeline(
            program=program, phases=selectors.phases_of(program=program), today=today
        )
        context["open_sides"] = [
            (value, label) for value, label in Side.choices if program_accepts(program, value)
        ]
        context["has_ended"] = program.ends_on < today
        context["required_trainings"] = (
            selectors.required_trainings(program=program) if program.accepts_supporters else []
        )
        return context


class PublicApplyView(PublicProgramMixin):
    """The application form for one side. A side the program does not take is 404; a
    program that has ended shows that applications are closed."""

    template_name = "public/apply.html"

    def _form(self, data: Any = None) -> ApplicationForm:
        side = self._check_side()
        return ApplicationForm(data, questions=questions_for(self.program, side), side=side)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        side = self._check_side()
        context["side"] = side
        context["side_label"] = Side(side).label
        context["is_open"] = program_accepts(self.program, side)
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        side = self._check_side()
        form = self._form(request.POST)
        if form.is_valid() and not form.is_from_a_bot():
            try:
                application_submit_limited(
                    program=self.program,
                    address=client_address(request),
                    side=side,
                    language=translation.get_language() or "ja",
                    **form.applicant_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.is_valid():  # stored, or a bot's: thanked like anyone, nothing stored
            return redirect("public:thanks", self.organization.slug, self.program.slug, side)
        return self.render_to_response(self.get_context_data(form=form))


class PublicThanksView(PublicProgramMixin):
    """The same page whatever happened to the application (never reveals whether the
    email was known or the application a duplicate)."""

    template_name = "public/thanks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["side"] = self.get_side()
        return context
