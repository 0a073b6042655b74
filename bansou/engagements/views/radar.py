from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bansou.core.access import org_roles
from bansou.core.inputs import whole_number
from bansou.core.roles import Role
from bansou.engagements.forms import nudge_target_ids
from bansou.engagements.forms.nudges import nudge_choice_ids
from bansou.engagements.selectors.lookups import (
    NudgeChoice,
    NudgeTarget,
    nudge_target,
    nudge_targets,
)
from bansou.engagements.selectors.radar import (
    CATEGORIES,
    RECORD_GRACE_DAYS,
    radar_app_sections,
    radar_sections,
)
from bansou.engagements.services.nudges import (
    NUDGE_BULK_LIMIT,
    nudge_bulk_problem,
    nudge_previews,
    nudge_render,
    nudge_send,
    nudges_send,
)
from bansou.orgs.http import OrgView
from bansou.programs.selectors import programs_of

COORDINATOR = org_roles(Role.COORDINATOR)


def _without(params: QueryDict, name: str) -> str:
    """The query string without ``name``, for that category's pager (filters and the other
    categories' pages stay)."""
    query = params.copy()
    query.pop(name, None)
    return query.urlencode()


class RadarView(OrgView):
    """Each category of the radar a page at a time (``<category>_page``), with its count,
    then the sections of the apps above (``RADAR_APPS``: the salons' signals); the program
    and quiet-days filters stay in the URL."""

    access_policy = COORDINATOR
    template_name = "engagements/radar.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        programs = list(programs_of(organization=self.organization))
        program = next((p for p in programs if str(p.pk) == params.get("program", "")), None)
        days = whole_number(params.get("days"), maximum=365) or None
        sections = radar_app_sections(
            organization=self.organization, program=program, params=params
        )
        context.update(
            radar=radar_sections(
                organization=self.organization,
                program=program,
                quiet_days=days,
                pages={key: params.get(f"{key}_page") for key in CATEGORIES},
            ),
            pager_queries={key: _without(params, f"{key}_page") for key in CATEGORIES},
            app_sections=[(section, _without(params, section.param)) for section in sections],
            programs=programs,
            selected_program=program,
            days=days,
            record_grace_days=RECORD_GRACE_DAYS,
            nudge_limit=NUDGE_BULK_LIMIT,
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


class NudgeSeveralView(OrgView):
    """Nudging several people ticked on the radar: the page names each recipient and shows
    one message of each kind as its recipient will read it; sending mails each their own,
    in their language (one transaction each), and names those who could not be nudged."""

    access_policy = COORDINATOR
    template_name = "engagements/nudge_several.html"

    def _choose(self, params: QueryDict) -> tuple[NudgeChoice | None, str | None]:
        wanted, unreadable = nudge_choice_ids(params.getlist("t"))
        problem = nudge_bulk_problem(len(wanted) + unreadable)
        if problem is not None:
            return None, problem
        choice = nudge_targets(organization=self.organization, wanted=wanted)
        choice.missing += unreadable
        return choice, None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        choice, problem = self._choose(request.GET)
        previews = []
        if choice is not None:
            previews = nudge_previews(
                organization=self.organization, sender=self.user, targets=choice.targets
            )
        context = {"choice": choice, "problem": problem, "previews": previews}
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        choice, problem = self._choose(request.POST)
        if choice is None:
            messages.error(request, problem or "")
        elif choice.targets:
            sent = nudges_send(
                organization=self.organization, targets=choice.targets, sent_by=self.user
            )
            _tell_sent(request, len(sent))
        else:
            messages.error(request, _("Nothing was sent: none of the chosen can be nudged."))
        if choice is not None:
            _tell_refused(request, choice)
        return redirect("engagements:radar", self.organization.slug)


def _tell_sent(request: HttpRequest, count: int) -> None:
    messages.success(
        request,
        ngettext(
            "%(n)s nudge sent, in its recipient's language.",
            "%(n)s nudges sent, each in its recipient's language.",
            count,
        )
        % {"n": count},
    )


def _tell_refused(request: HttpRequest, choice: NudgeChoice) -> None:
    for user, why in choice.refused:
        messages.warning(
            request, _("Not sent to %(name)s: %(why)s.") % {"name": user.display_name, "why": why}
        )
    if choice.missing:
        messages.warning(
            request,
            ngettext(
                "%(n)s choice named nobody in this organisation and was left out.",
                "%(n)s choices named nobody in this organisation and were left out.",
                choice.missing,
            )
            % {"n": choice.missing},
        )
