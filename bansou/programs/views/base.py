from typing import Any

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from bansou.orgs.models import Organization
from bansou.orgs.views import OrgTemplateView
from bansou.programs.models import Program
from bansou.programs.selectors import programs_visible_to


class ProgramView(OrgTemplateView):
    """A page about one program (``<program_slug>``). Coordinators reach every program of
    the organisation; supporters and clients only those they are enrolled in; anything
    else answers 404."""

    def get_program(self) -> Program:
        if not hasattr(self, "_program"):
            programs = programs_visible_to(
                organization=self.organization,
                user=self.request.user,  # type: ignore[arg-type]
                role=self.membership.role,
            )
            self._program = get_object_or_404(programs, slug=self.kwargs["program_slug"])
        return self._program

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["program"] = self.get_program()
        return context


class PublicOrgView(TemplateView):
    """A public page of one organisation (policy PUBLIC_IN_ORG): TenancyMiddleware has set
    request.organization and activated its scope."""

    @property
    def organization(self) -> Organization:
        return self.request.organization  # type: ignore[attr-defined]
