from typing import Any

from django.http import HttpRequest, HttpResponseBase

from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.engagements.selectors.access import engagement_for, session_for
from bansou.orgs.http import OrgView


class EngagementView(OrgView):
    """Loads ``self.engagement`` (404 unless this person may see it)."""

    engagement: Engagement
    supporters_only = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.engagement = engagement_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            pk=kwargs["engagement_pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    @property
    def is_supporter(self) -> bool:
        """``engagement_for`` lets a supporter through only to their own engagements."""
        return self.role == Role.SUPPORTER

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(engagement=self.engagement, role=self.role, is_supporter=self.is_supporter)
        return context


class SessionView(OrgView):
    """Loads ``self.session`` and its engagement (404 unless this person may see it)."""

    session: Session

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.session = session_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            pk=kwargs["session_pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    @property
    def engagement(self) -> Engagement:
        return self.session.engagement

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(session=self.session, engagement=self.engagement)
        return context
