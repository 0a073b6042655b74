"""A coordinator corrects a member (name, reading, address, role), and the person confirms
a new address from the mailed link (no login: the key is in the URL and never logged)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from bansou.accounts.selectors import pending_address
from bansou.core.access import PUBLIC_IN_ORG, org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, PublicOrgView
from bansou.orgs.selectors import membership_of
from bansou.people.forms import MemberCorrectForm
from bansou.people.services.members import (
    NAME_FIELDS,
    Correction,
    email_change_confirm,
    email_change_pending,
    fixed_fields,
    member_correct,
    person_correctable_here,
)


class MemberCorrectView(OrgFormView[MemberCorrectForm]):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "people/members/correct.html"
    form_class = MemberCorrectForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = membership_of(organization=self.organization, pk=kwargs["member_pk"])
        if found is None:
            raise Http404
        self.member = found
        self.shared = not person_correctable_here(membership=found)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        fixed = fixed_fields(membership=self.member, actor=self.user, shared=self.shared)
        return {**super().get_form_kwargs(), "fixed": fixed}

    def get_initial(self) -> dict[str, Any]:
        person = self.member.user
        names = {field: getattr(person, field) for field in NAME_FIELDS}
        return {**names, "email": person.email, "role": self.member.role}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            member=self.member, shared=self.shared, is_self=self.member.user == self.user
        )
        context["pending"] = pending_address(user=self.member.user)
        return context

    def form_valid(self, form: MemberCorrectForm) -> HttpResponse:
        try:
            done = member_correct(membership=self.member, actor=self.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, correction_message(done, self.member.user.display_name))
        if done.role_from and self.member.user == self.user:  # no longer a coordinator
            return redirect("orgs:dashboard", self.organization.slug)
        return redirect("orgs:members", self.organization.slug)


def correction_message(done: Correction, name: str) -> str:
    if not done.changed:
        return _("Nothing was changed.")
    parts = [_("The details of %(name)s have been corrected.") % {"name": name}]
    if done.email_requested:
        parts.append(
            _(
                "A confirmation link has been sent to %(email)s; the address changes once "
                "the person opens it."
            )
            % {"email": done.email_requested}
        )
    return " ".join(parts)


class EmailChangeConfirmView(PublicOrgView):
    """The mailed link: a button confirms the new address (a mail scanner that opens the
    link confirms nothing)."""

    access_policy = PUBLIC_IN_ORG
    template_name = "people/members/email_confirm.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        # The key must not travel to other sites in a Referer.
        response["Referrer-Policy"] = "same-origin"
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pending"] = email_change_pending(
            organization=self.organization, key=self.kwargs["token"]
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            person = email_change_confirm(organization=self.organization, key=kwargs["token"])
        except ValidationError as error:
            return self.render_to_response({"problem": " ".join(error.messages)})
        return self.render_to_response({"confirmed": person.email})
