from typing import Any

from django.http import HttpRequest, HttpResponseBase

from bansou.orgs.http import OrgView
from bansou.programs.models import Program
from bansou.programs.selectors import program_for


class ProgramView(OrgView):
    """A page about one program (``<program_slug>``), loaded as ``self.program`` by
    ``program_for``: coordinators reach every program of the organisation, supporters and
    clients only those they are enrolled in; anything else answers 404."""

    program: Program

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.program = program_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            slug=kwargs["program_slug"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context
