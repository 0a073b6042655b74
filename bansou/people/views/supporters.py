from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from django.views.generic.base import TemplateResponseMixin

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.people import selectors, services
from bansou.people.forms import (
    QualificationFormSet,
    SupporterCreateForm,
    SupporterProfileForm,
    qualification_initial,
    qualification_inputs,
)
from bansou.people.models import LANGUAGE_CHOICES, Qualification, SupporterProfile
from bansou.people.views._base import OrgViewMixin, add_service_errors

COORDINATOR = org_roles(Role.COORDINATOR)


class SupporterListView(OrgViewMixin, TemplateView):
    access_policy = COORDINATOR
    template_name = "people/supporters/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        suggestions = selectors.specialty_suggestions(organization=self.organization)
        specialty = params.get("specialty", "")
        specialty = specialty if specialty in suggestions else ""
        language = params.get("language", "")
        language = language if language in dict(LANGUAGE_CHOICES) else ""
        qualification = params.get("qualification", "")
        qualification = qualification if qualification in Qualification.Kind.values else ""
        context.update(
            rows=selectors.supporter_rows(
                organization=self.organization,
                specialty=specialty,
                language=language,
                qualification=qualification,
            ),
            without_profile=list(
                selectors.supporter_users_without_profile(organization=self.organization)
            ),
            specialties=suggestions,
            languages=LANGUAGE_CHOICES,
            qualification_kinds=Qualification.Kind.choices,
            selected={"specialty": specialty, "language": language, "qualification": qualification},
            filtered=bool(specialty or language or qualification),
        )
        return context


class SupporterCreateView(OrgViewMixin, FormView[SupporterCreateForm]):
    """A coordinator opens a profile for a supporter member who has none."""

    access_policy = COORDINATOR
    template_name = "people/supporters/create.html"

    def get_form(self, form_class: Any = None) -> SupporterCreateForm:
        users = selectors.supporter_users_without_profile(organization=self.organization)
        return SupporterCreateForm(queryset=users, **self.get_form_kwargs())

    def get_initial(self) -> dict[str, Any]:
        return {"user": self.request.GET.get("user")}

    def form_valid(self, form: SupporterCreateForm) -> HttpResponse:
        try:
            profile = services.supporter_profile_create(
                organization=self.organization, user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The supporter profile has been created."))
        return redirect("people:supporter_edit", self.organization.slug, profile.pk)


class SupporterDetailView(OrgViewMixin, TemplateView):
    access_policy = COORDINATOR
    template_name = "people/supporters/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = get_object_or_404(
            selectors.supporter_profiles_of(organization=self.organization),
            pk=self.kwargs["supporter_pk"],
        )
        context.update(
            profile=profile,
            row=selectors.supporter_row(profile=profile),
            teams=list(selectors.teams_of_user(organization=self.organization, user=profile.user)),
        )
        return context


class SupporterProfileEditBase(OrgViewMixin, TemplateResponseMixin, View):
    """The profile form and the qualifications formset, saved together by one service."""

    template_name = "people/supporters/edit.html"
    own_profile = False

    def get_profile(self) -> SupporterProfile:
        raise NotImplementedError

    def success_url(self, profile: SupporterProfile) -> str:
        raise NotImplementedError

    def _forms(
        self, profile: SupporterProfile, data: Any = None
    ) -> tuple[SupporterProfileForm, Any]:
        suggestions = selectors.specialty_suggestions(organization=self.organization)
        form = SupporterProfileForm(
            data, initial=SupporterProfileForm.initial_for(profile), suggestions=suggestions
        )
        formset = QualificationFormSet(
            data, initial=qualification_initial(profile), prefix="qualifications"
        )
        return form, formset

    def _render(
        self, profile: SupporterProfile, form: SupporterProfileForm, formset: Any
    ) -> HttpResponse:
        return self.render_to_response(
            {
                "profile": profile,
                "form": form,
                "formset": formset,
                "own_profile": self.own_profile,
                "cancel_url": self.success_url(profile),
            }
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.get_profile()
        form, formset = self._forms(profile)
        return self._render(profile, form, formset)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.get_profile()
        form, formset = self._forms(profile, request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                services.supporter_profile_update(
                    profile=profile,
                    specialties=data["all_specialties"],
                    languages=data["languages"],
                    bio=data["bio"],
                    gender=data["gender"],
                    monthly_capacity=data["monthly_capacity"],
                    max_concurrent=data["max_concurrent"],
                    qualifications=qualification_inputs(formset),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The profile has been saved."))
                return redirect(self.success_url(profile))
        return self._render(profile, form, formset)


class SupporterEditView(SupporterProfileEditBase):
    access_policy = COORDINATOR

    def get_profile(self) -> SupporterProfile:
        return get_object_or_404(
            selectors.supporter_profiles_of(organization=self.organization),
            pk=self.kwargs["supporter_pk"],
        )

    def success_url(self, profile: SupporterProfile) -> str:
        return reverse("people:supporter_detail", args=[self.organization.slug, profile.pk])


class MySupporterProfileView(SupporterProfileEditBase):
    """A supporter keeps their own profile; it is created on the first visit."""

    access_policy = org_roles(Role.SUPPORTER)
    own_profile = True

    def get_profile(self) -> SupporterProfile:
        services.supporter_profile_ensure(organization=self.organization, user=self.user)
        return selectors.supporter_profiles_of(organization=self.organization).get(user=self.user)

    def success_url(self, profile: SupporterProfile) -> str:
        return reverse("people:my_supporter_profile", args=[self.organization.slug])
