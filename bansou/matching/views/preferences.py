from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.matching.forms import PreferencesForm
from bansou.matching.selectors import matching_profile_of
from bansou.matching.services.profiles import matching_profile_save
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView


class PreferencesView(OrgView):
    """A client or supporter edits what matching uses: times, modes, areas, preferences."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER)
    template_name = "matching/preferences.html"

    @property
    def side(self) -> str:
        return "client" if self.role == Role.CLIENT else "supporter"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = matching_profile_of(organization=self.organization, user=self.user)
        initial: dict[str, Any] = {}
        if profile is not None:
            initial = {
                "slots": profile.slots,
                "areas": ", ".join(profile.areas),
                "modes": profile.modes,
                "preferred_mode": profile.preferred_mode,
                "preferred_gender": profile.preferred_gender,
                "keep_previous": profile.keep_previous,
                "experience_level": profile.experience_level,
            }
        form = PreferencesForm(side=self.side, initial=initial)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PreferencesForm(request.POST, side=self.side)
        if form.is_valid():
            try:
                matching_profile_save(
                    organization=self.organization, user=self.user, values=form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your matching preferences have been saved."))
                return redirect("matching:preferences", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))
