from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_scopes import scope

from bansou.core.access import PUBLIC, org_roles
from bansou.core.roles import Role
from bansou.engagements.forms import ReflectionForm
from bansou.engagements.models import Reflection
from bansou.engagements.selectors.reflections import (
    LinkProblem,
    reflection_entry_via,
    reflection_link_resolve,
    reflection_of,
)
from bansou.engagements.selectors.work import client_journal
from bansou.engagements.services.reflections import reflection_submit
from bansou.engagements.views.base import SessionView
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView


class ReflectionView(SessionView):
    """The client writes their reflection signed in, or a supporter types it in with them
    during the last minutes of the session."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER)
    template_name = "engagements/reflection.html"

    def _check(self) -> str:
        via = reflection_entry_via(user=self.user, engagement=self.engagement)
        if via is None:
            raise PermissionDenied
        return via

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._check()
        existing = reflection_of(session=self.session)
        return self.render_to_response(
            self.get_context_data(form=ReflectionForm(), existing=existing)
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        via = self._check()
        form = ReflectionForm(request.POST)
        if form.is_valid():
            try:
                reflection_submit(
                    session=self.session,
                    via=via,
                    entered_by=self.user,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you. Your reflection has been saved."))
                if via == Reflection.Via.WEB:
                    return redirect("engagements:journal", self.organization.slug)
                return redirect("engagements:detail", self.organization.slug, self.engagement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ReflectionLinkView(View):
    """The emailed single-use link: no login. The organisation comes from the link."""

    access_policy = PUBLIC
    template_name = "engagements/reflection_link.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            resolved = reflection_link_resolve(token=kwargs["token"])
        except LinkProblem as problem:
            _speak(request, problem.language)
            return render(
                request, "engagements/reflection_link_problem.html", {"problem": problem.message}
            )
        session = resolved.session
        _speak(request, resolved.language)
        with scope(organization=session.organization):
            form = ReflectionForm(request.POST if request.method == "POST" else None)
            if request.method == "POST" and form.is_valid():
                try:
                    reflection_submit(
                        session=session,
                        via=Reflection.Via.LINK,
                        entered_by=None,
                        link=resolved.link,
                        **form.cleaned_data,
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    return render(
                        request, "engagements/reflection_thanks.html", {"session": session}
                    )
            response = render(request, self.template_name, {"form": form, "session": session})
            # The token must not leak to other sites; same-origin still lets the form's own
            # POST carry its Origin for the CSRF check ("no-referrer" would make it null).
            response["Referrer-Policy"] = "same-origin"
            return response


def _speak(request: HttpRequest, language: str | None) -> None:
    """A mailed link speaks the language of the person it was sent to, whatever the
    browser (or whoever opens it) prefers."""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


class JournalView(OrgView):
    access_policy = org_roles(Role.CLIENT)
    template_name = "engagements/journal.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["reflections"] = client_journal(organization=self.organization, user=self.user)
        return context
