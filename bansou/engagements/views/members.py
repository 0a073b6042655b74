"""A coordinator deactivates a membership: the page lists the sessions it cancels."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import ngettext

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.selectors.memberships import member_future_sessions, member_in
from bansou.engagements.services.memberships import membership_deactivate
from bansou.orgs.http import OrgView


class MemberDeactivateView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "engagements/member_deactivate.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = member_in(organization=self.organization, pk=kwargs["member_pk"])
        if found is None:
            raise Http404
        self.member = found
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["member"] = self.member
        context["sessions"] = member_future_sessions(membership=self.member)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reason = str(request.POST.get("reason", ""))[:500].strip()
        try:
            count = membership_deactivate(membership=self.member, actor=self.user, reason=reason)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("engagements:member_deactivate", self.organization.slug, self.member.pk)
        done = ngettext(
            "%(name)s no longer has access; %(count)s session ahead was cancelled with notice.",
            "%(name)s no longer has access; %(count)s sessions ahead were cancelled with notice.",
            count,
        )
        messages.success(request, done % {"name": self.member.user.display_name, "count": count})
        return redirect("orgs:members", self.organization.slug)
