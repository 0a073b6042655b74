"""No-shows: marking a past session held or no-show in one tap, and the coordinators'
no-show rates per program, supporter and venue."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.forms.no_shows import NoShowPeriodForm, SessionMarkForm, safe_next
from bansou.engagements.models import Session
from bansou.engagements.selectors.no_shows import awaiting_mark, no_show_rates
from bansou.engagements.services.sessions import session_set_status
from bansou.engagements.views.base import SessionView
from bansou.orgs.http import OrgView

MARKED = {
    Session.Status.HELD.value: _("Marked held: %(name)s, %(day)s."),
    Session.Status.NO_SHOW.value: _("Marked as a no-show: %(name)s, %(day)s."),
}


class SessionMarkView(SessionView):
    """One tap from a session list: held or no-show, then back where the tap came from.
    GET shows the same two buttons on a page of their own."""

    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER)  # as SessionStatusView
    template_name = "engagements/session_mark.html"

    def _back(self) -> str:
        detail = reverse("engagements:detail", args=[self.organization.slug, self.engagement.pk])
        return safe_next(self.request, fallback=detail)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(back=self._back(), awaiting=awaiting_mark(self.session))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SessionMarkForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose held or no-show."))
            return redirect(self._back())
        status = form.cleaned_data["status"]
        try:
            session_set_status(session=self.session, status=status, actor=self.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            day = date_format(timezone.localtime(self.session.starts_at), "DATE_FORMAT")
            name = self.engagement.client.display_name
            messages.success(request, MARKED[status] % {"name": name, "day": day})
        return redirect(self._back())


class NoShowRatesView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/no_shows.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = NoShowPeriodForm(self.request.GET or None, today=timezone.localdate())
        since, until = form.period()
        context.update(
            form=form,
            rates=no_show_rates(organization=self.organization, since=since, until=until),
        )
        return context
