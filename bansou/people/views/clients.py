from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.people import selectors, services
from bansou.people.forms import (
    CONSENT_METHOD_LABELS,
    ClientCreateForm,
    ClientProfileForm,
    ConsentWithdrawForm,
    GuardianConsentForm,
)
from bansou.people.models import ClientProfile
from bansou.people.views._base import OrgViewMixin, add_service_errors, int_param

COORDINATOR = org_roles(Role.COORDINATOR)


class ClientProfileMixin(OrgViewMixin):
    kwargs: dict[str, Any]

    def get_profile(self) -> ClientProfile:
        return get_object_or_404(
            selectors.client_profiles_of(organization=self.organization),
            pk=self.kwargs["client_pk"],
        )


class ClientListView(OrgViewMixin, TemplateView):
    access_policy = COORDINATOR
    template_name = "people/clients/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        category = params.get("category", "")
        category = category if category in ClientProfile.Category.values else ""
        venues = list(selectors.client_venues(organization=self.organization))
        venue_id = int_param(params.get("venue"))
        venue_id = venue_id if venue_id in {v.pk for v in venues} else None
        minor_without_consent = params.get("consent") == "missing"
        context.update(
            profiles=list(
                selectors.client_profiles_filtered(
                    organization=self.organization,
                    category=category,
                    venue_id=venue_id,
                    minor_without_consent=minor_without_consent,
                )
            ),
            without_profile=list(
                selectors.client_users_without_profile(organization=self.organization)
            ),
            categories=ClientProfile.Category.choices,
            venues=venues,
            selected={
                "category": category,
                "venue": venue_id,
                "minor_without_consent": minor_without_consent,
            },
            filtered=bool(category or venue_id or minor_without_consent),
        )
        return context


class ClientCreateView(OrgViewMixin, FormView[ClientCreateForm]):
    """A coordinator opens a profile for a client member who has none."""

    access_policy = COORDINATOR
    template_name = "people/clients/create.html"

    def get_form(self, form_class: Any = None) -> ClientCreateForm:
        users = selectors.client_users_without_profile(organization=self.organization)
        return ClientCreateForm(queryset=users, **self.get_form_kwargs())

    def get_initial(self) -> dict[str, Any]:
        return {"user": self.request.GET.get("user")}

    def form_valid(self, form: ClientCreateForm) -> HttpResponse:
        try:
            profile = services.client_profile_create(
                organization=self.organization,
                user=form.cleaned_data["user"],
                category=form.cleaned_data["category"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The client profile has been created."))
        return redirect("people:client_edit", self.organization.slug, profile.pk)


class ClientDetailView(ClientProfileMixin, TemplateView):
    access_policy = COORDINATOR
    template_name = "people/clients/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = self.get_profile()
        context.update(
            profile=profile,
            languages=selectors.language_labels(profile.languages),
            active_consent=selectors.client_active_consent(client=profile),
            block_reason=selectors.client_booking_block_reason(
                organization=self.organization, user=profile.user
            ),
        )
        return context


class ClientEditView(ClientProfileMixin, FormView[ClientProfileForm]):
    access_policy = COORDINATOR
    template_name = "people/clients/edit.html"

    def get_form(self, form_class: Any = None) -> ClientProfileForm:
        self.profile = self.get_profile()
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
            services.client_profile_update(profile=self.profile, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The profile has been saved."))
        return redirect("people:client_detail", self.organization.slug, self.profile.pk)


class ClientConsentView(ClientProfileMixin, TemplateView):
    """Guardian consent: record a new one, see the history, withdraw the active one."""

    access_policy = COORDINATOR
    template_name = "people/clients/consent.html"

    def _page(
        self,
        profile: ClientProfile,
        form: GuardianConsentForm | None = None,
        withdraw_form: ConsentWithdrawForm | None = None,
    ) -> HttpResponse:
        history = list(selectors.guardian_consents_of(client=profile))
        for consent in history:
            consent.method_label = CONSENT_METHOD_LABELS.get(  # type: ignore[attr-defined]
                consent.method, consent.method
            )
        active = next((c for c in history if c.withdrawn_on is None), None)
        return self.render_to_response(
            {
                "profile": profile,
                "history": history,
                "active_consent": active,
                "form": form
                or GuardianConsentForm(
                    initial={"given_on": timezone.localdate()}, prefix="consent"
                ),
                "withdraw_form": withdraw_form
                or ConsentWithdrawForm(
                    initial={"withdrawn_on": timezone.localdate()}, prefix="withdraw"
                ),
                "block_reason": selectors.client_booking_block_reason(
                    organization=self.organization, user=profile.user
                ),
            }
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(self.get_profile())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.get_profile()
        if request.POST.get("action") == "withdraw":
            return self._withdraw(profile)
        form = GuardianConsentForm(request.POST, prefix="consent")
        if form.is_valid():
            try:
                services.guardian_consent_record(
                    client=profile, recorded_by=self.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The guardian's consent has been recorded."))
                return redirect("people:client_consent", self.organization.slug, profile.pk)
        return self._page(profile, form=form)

    def _withdraw(self, profile: ClientProfile) -> HttpResponse:
        form = ConsentWithdrawForm(self.request.POST, prefix="withdraw")
        if form.is_valid():
            try:
                services.guardian_consent_withdraw(
                    client=profile,
                    withdrawn_on=form.cleaned_data["withdrawn_on"],
                    withdrawn_by=self.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(self.request, _("The consent has been marked as withdrawn."))
                return redirect("people:client_consent", self.organization.slug, profile.pk)
        return self._page(profile, withdraw_form=form)
