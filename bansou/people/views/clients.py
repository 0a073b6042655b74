from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.people import selectors
from bansou.people.filters import ClientFilter
from bansou.people.forms import (
    ClientCreateForm,
    ClientProfileForm,
    ConsentWithdrawForm,
    GuardianConsentForm,
    consent_history,
)
from bansou.people.models import ClientProfile
from bansou.people.services import consent as consents
from bansou.people.services import profiles
from bansou.people.widgets import SEARCH_ROLE_SETS, STAFF_SEARCH

COORDINATOR = org_roles(Role.COORDINATOR)
STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)
CONSENT_RECORDED = _("The guardian's consent has been recorded.")
CONSENT_WITHDRAWN = _("The consent has been marked as withdrawn.")


def _profile(view: OrgView | OrgFormView[Any]) -> ClientProfile:
    """The client profile of the URL's ``<client_pk>`` (404 outside the organisation)."""
    return selectors.client_profile_for(organization=view.organization, pk=view.kwargs["client_pk"])


class ClientListView(OrgView):
    """Clients found by name, reading (kana or romaji) or address, filtered and ordered
    from the query string, fifty a page."""

    access_policy = COORDINATOR
    template_name = "people/clients/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = ClientFilter(self.request.GET or None, organization=self.organization)
        listing = page_of(found.qs, params=self.request.GET)
        context.update(
            listing,
            filter=found,
            profiles=list(listing["page"].object_list),
            without_profile=list(
                selectors.client_users_without_profile(organization=self.organization)
            ),
            filtered=found.is_filtered,
        )
        return context


class ClientCreateView(OrgFormView[ClientCreateForm]):
    """A coordinator opens a profile for a client member who has none."""

    access_policy = COORDINATOR
    template_name = "people/clients/create.html"

    def get_form(self, form_class: Any = None) -> ClientCreateForm:
        users = selectors.client_users_without_profile(organization=self.organization)
        return ClientCreateForm(
            queryset=users, organization=self.organization, **self.get_form_kwargs()
        )

    def get_initial(self) -> dict[str, Any]:
        return {"user": self.request.GET.get("user")}

    def form_valid(self, form: ClientCreateForm) -> HttpResponse:
        try:
            profile = profiles.client_profile_create(
                organization=self.organization,
                user=form.cleaned_data["user"],
                category=form.cleaned_data["category"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The client profile has been created."))
        return redirect("people:client_edit", self.organization.slug, profile.pk)


class ClientDetailView(OrgView):
    access_policy = COORDINATOR
    template_name = "people/clients/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = _profile(self)
        context.update(
            profile=profile,
            languages=selectors.language_labels(profile.languages),
            active_consent=selectors.client_active_consent(client=profile),
            block_reason=selectors.client_booking_block_reason(
                organization=self.organization, user=profile.user
            ),
        )
        return context


class ClientEditView(OrgFormView[ClientProfileForm]):
    access_policy = COORDINATOR
    template_name = "people/clients/edit.html"

    def get_form(self, form_class: Any = None) -> ClientProfileForm:
        self.profile = _profile(self)
        kwargs = self.get_form_kwargs()
        kwargs["initial"] = ClientProfileForm.initial_for(self.profile)
        return ClientProfileForm(
            venues=selectors.client_venues(organization=self.organization), **kwargs
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        return context

    def form_valid(self, form: ClientProfileForm) -> HttpResponse:
        try:
            profiles.client_profile_update(profile=self.profile, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The profile has been saved."))
        return redirect("people:client_detail", self.organization.slug, self.profile.pk)


class ClientConsentView(OrgView):
    """Guardian consent: record a new one, see the history, withdraw the active one."""

    access_policy = COORDINATOR
    template_name = "people/clients/consent.html"

    def _page(self, profile: ClientProfile, **forms: Form) -> HttpResponse:
        history = consent_history(selectors.guardian_consents_of(client=profile))
        return self.render_to_response(
            {
                "profile": profile,
                "history": history,
                "active_consent": next((c for c in history if c.withdrawn_on is None), None),
                "form": forms.get("form") or GuardianConsentForm(),
                "withdraw_form": forms.get("withdraw_form") or ConsentWithdrawForm(),
                "block_reason": selectors.client_booking_block_reason(
                    organization=self.organization, user=profile.user
                ),
            }
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(_profile(self))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = _profile(self)
        withdraw = request.POST.get("action") == "withdraw"
        form: Form = (ConsentWithdrawForm if withdraw else GuardianConsentForm)(request.POST)
        if form.is_valid():
            data = {"client": profile, **form.cleaned_data}
            try:
                if withdraw:
                    consents.guardian_consent_withdraw(withdrawn_by=self.user, **data)
                else:
                    consents.guardian_consent_record(recorded_by=self.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, CONSENT_WITHDRAWN if withdraw else CONSENT_RECORDED)
                return redirect("people:client_consent", self.organization.slug, profile.pk)
        return self._page(profile, **{"withdraw_form" if withdraw else "form": form})


class PersonSearchView(OrgView):
    """The choices under a person search box (``people.widgets.PersonSearchInput``): the
    matching people as radio buttons (or checkboxes) named after the form's field. A
    supporter, who plans internal meetings, may look up staff only, never clients."""

    access_policy = STAFF
    template_name = "people/widgets/person_choices.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        roles = SEARCH_ROLE_SETS.get(params.get("role", ""), ())
        if self.role != Role.COORDINATOR and set(roles) - set(STAFF_SEARCH):
            roles = ()
        field = params.get("field", "")
        field = field if field.isidentifier() and len(field) <= 40 else "person"
        query = params.get(f"{field}_q", "")[:100]
        people, more = (
            selectors.people_search(organization=self.organization, roles=roles, query=query)
            if roles
            else ([], False)
        )
        context.update(
            people=people,
            more=more,
            name=field,
            multiple=params.get("multiple") == "1",
            searched=bool(query.strip()),
        )
        return context
