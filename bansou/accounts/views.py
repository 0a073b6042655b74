from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from bansou.accounts.forms import ProfileForm
from bansou.accounts.http import AuthenticatedRequest
from bansou.accounts.services import user_update_profile
from bansou.core.access import SIGNED_IN


class ProfileView(FormView[ProfileForm]):
    access_policy = SIGNED_IN
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")
    request: AuthenticatedRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user
        return kwargs

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        user_update_profile(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your profile has been saved."))
        response = super().form_valid(form)
        response.set_cookie("django_language", form.cleaned_data["language"], samesite="Lax")
        return response
