from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.inputs import whole_number
from bansou.core.roles import Role
from bansou.engagements.forms import nudge_target_ids
from bansou.engagements.selectors.lookups import NudgeTarget, nudge_target
from bansou.engagements.selectors.radar import RECORD_GRACE_DAYS, continuity_radar
from bansou.engagements.services.nudges import nudge_render, nudge_send
from bansou.orgs.http import OrgView
from bansou.programs.selectors import programs_of

COORDINATOR = org_roles(Role.COORDINATOR)


class RadarView(OrgView):
    access_policy = COORDINATOR
    template_name = "engagements/radar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        programs = list(programs_of(organization=self.organization))
        program_param = self.request.GET.get("program", "")
        program = next((p for p in programs if str(p.pk) == program_param), None)
        days = whole_number(self.request.GET.get("days"), maximum=365) or None
        context.update(
            radar=continuity_radar(
                organization=self.organization, program=program, quiet_days=days
            ),
            programs=programs,
            selected_program=program,
            days=days,
            record_grace_days=RECORD_GRACE_DAYS,
        )
        return context


class NudgeView(OrgView):
    """Preview of the polite email (in the recipient's language), then send."""

    access_policy = COORDINATOR
    template_name = "engagements/nudge.html"

    def _target(self) -> NudgeTarget | None:
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        ids = nudge_target_ids(params)
        return None if ids is None else nudge_target(organization=self.organization, **ids)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        target = self._target()
        context: dict[str, Any] = {"target": target}
        if target is not None:
            context["subject"], context["body"] = nudge_render(
                organization=self.organization, sender=self.user, **target.as_kwargs()
            )
            context.update(target.as_kwargs())
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        target = self._target()
        if target is None:
            messages.error(request, _("Choose someone on the radar first."))
        else:
            nudge_send(organization=self.organization, sent_by=self.user, **target.as_kwargs())
            name = target.recipient.display_name
            messages.success(request, _("The message has been sent to %(name)s.") % {"name": name})
        return redirect("engagements:radar", self.organization.slug)
