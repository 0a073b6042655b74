from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.people import selectors
from bansou.people.filters import SupporterFilter
from bansou.people.forms import SupporterCreateForm, SupporterProfileForms
from bansou.people.models import SupporterProfile
from bansou.people.services import profiles

COORDINATOR = org_roles(Role.COORDINATOR)


class SupporterListView(OrgView):
    """Supporters found by name, reading (kana or romaji) or email, filtered by program,
    qualification, specialty, language and load, ordered and paged from the query string."""

    access_policy = COORDINATOR
    template_name = "people/supporters/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = SupporterFilter(self.request.GET or None, organization=self.organization)
        listing = page_of(found.qs, params=self.request.GET)
        context.update(
            listing,
            filter=found,
            rows=selectors.supporter_rows(
                organization=self.organization, profiles=listing["page"].object_list
            ),
            without_profile=list(
                selectors.supporter_users_without_profile(organization=self.organization)
            ),
            filtered=found.is_filtered,
        )
        return context


class SupporterCreateView(OrgFormView[SupporterCreateForm]):
    """A coordinator opens a profile for a supporter member who has none."""

    access_policy = COORDINATOR
    template_name = "people/supporters/create.html"

    def get_form(self, form_class: Any = None) -> SupporterCreateForm:
        users = selectors.supporter_users_without_profile(organization=self.organization)
        return SupporterCreateForm(
            queryset=users, organization=self.organization, **self.get_form_kwargs()
        )

    def get_initial(self) -> dict[str, Any]:
        return {"user": self.request.GET.get("user")}

    def form_valid(self, form: SupporterCreateForm) -> HttpResponse:
        try:
            profile = profiles.supporter_profile_create(
                organization=self.organization, user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The supporter profile has been created."))
        return redirect("people:supporter_edit", self.organization.slug, profile.pk)


class SupporterDetailView(OrgView):
    access_policy = COORDINATOR
    template_name = "people/supporters/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = selectors.supporter_profile_for(
            organization=self.organization, pk=self.kwargs["supporter_pk"]
        )
        context.update(
            profile=profile,
            row=selectors.supporter_row(profile=profile),
            teams=list(selectors.teams_of_user(organization=self.organization, user=profile.user)),
        )
        return context


class SupporterProfileEditBase(OrgView):
    """The profile form and the qualifications formset, saved together by one service."""

    template_name = "people/supporters/edit.html"
    own_profile = False

    def get_profile(self) -> SupporterProfile:
        raise NotImplementedError

    def success_url(self, profile: SupporterProfile) -> str:
        raise NotImplementedError

    def _forms(self, data: Any = None) -> SupporterProfileForms:
        profile = self.get_profile()
        suggestions = selectors.specialty_suggestions(organization=self.organization)
        return SupporterProfileForms(profile, data, suggestions=suggestions)

    def _render(self, forms: SupporterProfileForms) -> HttpResponse:
        cancel_url = self.success_url(forms.profile)
        return self.render_to_response(
            {**forms.as_context(), "own_profile": self.own_profile, "cancel_url": cancel_url}
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self._forms())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forms = self._forms(request.POST)
        if forms.is_valid():
            try:
                profiles.supporter_profile_update(**forms.update_fields())
            except ValidationError as exc:
                add_service_errors(forms.form, exc)
            else:
                messages.success(request, _("The profile has been saved."))
                return redirect(self.success_url(forms.profile))
        return self._render(forms)


class SupporterEditView(SupporterProfileEditBase):
    access_policy = COORDINATOR

    def get_profile(self) -> SupporterProfile:
        return selectors.supporter_profile_for(
            organization=self.organization, pk=self.kwargs["supporter_pk"]
        )

    def success_url(self, profile: SupporterProfile) -> str:
        return reverse("people:supporter_detail", args=[self.organization.slug, profile.pk])


class MySupporterProfileView(SupporterProfileEditBase):
    """A supporter keeps their own profile; it is created on the first visit."""

    access_policy = org_roles(Role.SUPPORTER)
    own_profile = True

    def get_profile(self) -> SupporterProfile:
        profiles.supporter_profile_ensure(organization=self.organization, user=self.user)
        return selectors.own_supporter_profile(organization=self.organization, user=self.user)

    def success_url(self, profile: SupporterProfile) -> str:
        return reverse("people:my_supporter_profile", args=[self.organization.slug])
