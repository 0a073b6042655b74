from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Nudge
from bansou.engagements.selectors.radar import continuity_radar
from bansou.engagements.services.nudges import SUBJECTS, nudge_send
from bansou.orgs.models import Membership
from bansou.orgs.views import OrgTemplateView
from bansou.programs.models import Program

COORDINATOR = org_roles(Role.COORDINATOR)


class RadarView(OrgTemplateView):
    access_policy = COORDINATOR
    template_name = "engagements/radar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        programs = Program.objects.filter(organization=self.organization)
        program_param = self.request.GET.get("program", "")
        program = programs.filter(pk=program_param).first() if program_param.isdigit() else None
        days_param = self.request.GET.get("days", "")
        days = int(days_param) if days_param.isdigit() and 1 <= int(days_param) <= 365 else None
        context.update(
            radar=continuity_radar(
                organization=self.organization, program=program, quiet_days=days
            ),
            programs=programs,
            selected_program=program,
            days=days,
        )
        return context


class NudgeView(OrgTemplateView):
    """Preview of the polite email (in the recipient's language), then send."""

    access_policy = COORDINATOR
    template_name = "engagements/nudge.html"

    def _target(self) -> tuple[str, Any, Engagement | None] | None:
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        kind, recipient, engagement_id = (
            params.get("kind", ""),
            params.get("recipient", ""),
            params.get("engagement", ""),
        )
        if kind not in Nudge.Kind.values or not recipient.isdigit():
            return None
        membership = (
            Membership.objects.filter(
                organization=self.organization, user_id=int(recipient), is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            return None
        engagement = None
        if engagement_id.isdigit():
            engagement = Engagement.objects.filter(
                organization=self.organization, pk=int(engagement_id)
            ).first()
            if engagement is None:
                return None
        return kind, membership.user, engagement

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        target = self._target()
        context: dict[str, Any] = {"target": target}
        if target is not None:
            kind, recipient, engagement = target
            with translation.override(recipient.language):
                context["subject"] = str(SUBJECTS[Nudge.Kind(kind)])
                context["body"] = render_to_string(
                    f"engagements/email/nudge_{kind}.txt",
                    {
                        "organization": self.organization,
                        "engagement": engagement,
                        "sender": self.user,
                        "recipient": recipient,
                    },
                )
            context.update(kind=kind, recipient=recipient, engagement=engagement)
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        target = self._target()
        if target is None:
            messages.error(request, _("Choose someone on the radar first."))
        else:
            kind, recipient, engagement = target
            nudge_send(
                organization=self.organization,
                kind=kind,
                recipient=recipient,
                engagement=engagement,
                sent_by=self.user,
            )
            messages.success(
                request,
                _("The message has been sent to %(name)s.") % {"name": recipient.display_name},
            )
        return redirect("engagements:radar", self.organization.slug)
