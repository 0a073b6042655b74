"""The private calendar address: a signed-in page to make, renew or stop it, and the
address itself (``.ics``), which a calendar reads without signing in: the token is the
only key, so an unknown or revoked one is a 404 like any page that does not exist."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bansou.core.access import PUBLIC_IN_ORG, org_roles
from bansou.core.roles import Role
from bansou.engagements.ical import feed_calendar
from bansou.engagements.selectors.feeds import feed_content, feed_live
from bansou.orgs.http import OrgView, PublicOrgView
from bansou.scheduling.services.feeds import feed_issue, feed_mark_read, feed_revoke


class FeedView(OrgView):
    access_policy = org_roles(Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT)
    template_name = "engagements/feed.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            feed=feed_live(organization=self.organization, user=self.user), role=self.role
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action")
        try:
            if action == "issue":
                token = feed_issue(user=self.user, organization=self.organization)
                return self.render_to_response(self.get_context_data(**self._addresses(token)))
            if action == "revoke":
                feed_revoke(user=self.user, organization=self.organization)
                messages.success(request, _("The address has been stopped."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("engagements:feed", self.organization.slug)

    def _addresses(self, token: str) -> dict[str, str]:
        """The new address (shown once), and the same as webcal:// for calendar apps."""
        path = reverse(
            "engagements:feed_ics",
            kwargs={"org_slug": self.organization.slug, "feed_token": token},
        )
        url = settings.BANSOU_BASE_URL.rstrip("/") + path
        return {"new_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


class FeedIcsView(PublicOrgView):
    """The feed itself. No login: calendars cannot sign in; the token decides."""

    access_policy = PUBLIC_IN_ORG

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        content = feed_content(organization=self.organization, token=kwargs["feed_token"])
        if content is None:
            raise Http404
        feed_mark_read(feed=content.feed)
        body = feed_calendar(
            user=content.feed.user,
            organization=self.organization,
            sessions=content.sessions,
            meetings=content.meetings,
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private"
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
