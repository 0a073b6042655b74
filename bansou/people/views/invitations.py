"""Invitations: the coordinator's page (invite, resend, revoke) and the invitee's page
reached from the mailed link (no login; the token is in the URL and never logged)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.access import PUBLIC_IN_ORG, org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView, PublicOrgView
from bansou.orgs.models import Invitation
from bansou.orgs.selectors import (
    invitation_account,
    invitation_by_token,
    invitation_of,
    invitation_problem,
    pending_invitations,
)
from bansou.people.forms import InvitationAcceptForm, InvitationForm
from bansou.people.services.invitations import (
    invitation_accept_new,
    invitation_accept_signed_in,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)

PROBLEM_TEMPLATE = "people/invitations/problem.html"
NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")


class InvitationListView(OrgFormView[InvitationForm]):
    """Invite one person, and the invitations still waiting for an answer."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "people/invitations/list.html"
    form_class = InvitationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitations"] = pending_invitations(organization=self.organization)
        context["now"] = timezone.now()
        return context

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        try:
            invitation = invitation_create(
                organization=self.organization, invited_by=self.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
        )
        return redirect("people:invitations", self.organization.slug)


class InvitationDetailView(OrgView):
    """One pending invitation: resend it (a new link) or withdraw it."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "people/invitations/detail.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = invitation_of(organization=self.organization, pk=kwargs["invitation_pk"])
        if found is None:
            raise Http404
        self.invitation = found
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        context["problem"] = invitation_problem(invitation=self.invitation)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action")
        try:
            if action == "resend":
                invitation_resend(invitation=self.invitation, by=self.user)
                done = _("The invitation to %(email)s has been sent again.")
            elif action == "revoke":
                invitation_revoke(invitation=self.invitation, by=self.user)
                done = _("The invitation to %(email)s has been withdrawn.")
            else:
                return redirect("people:invitation", self.organization.slug, self.invitation.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done % {"email": self.invitation.email})
        return redirect("people:invitations", self.organization.slug)


class InvitationAcceptView(PublicOrgView):
    """The mailed link. Someone with an account signs in and accepts; someone without one
    gives their name, reading and password. Accepting confirms the address."""

    access_policy = PUBLIC_IN_ORG
    template_name = "people/invitations/accept.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = invitation_by_token(organization=self.organization, token=kwargs["token"])
        problem = invitation_problem(invitation=found)
        response: HttpResponseBase
        if found is None or problem is not None:
            response = render(request, PROBLEM_TEMPLATE, {"problem": problem})
        else:
            self.invitation: Invitation = found
            response = super().dispatch(request, *args, **kwargs)
        # The token must not travel to other sites in a Referer.
        response["Referrer-Policy"] = "same-origin"
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return {**accept_context(self.invitation, self.request.user), **context}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data()
        form = InvitationAcceptForm(request.POST, email=self.invitation.email)
        try:
            if context["is_account"] and isinstance(request.user, User):
                invitation_accept_signed_in(invitation=self.invitation, user=request.user)
            elif context["has_account"] or context["signed_in_elsewhere"]:
                return self.render_to_response(context)
            elif form.is_valid():
                user = invitation_accept_new(invitation=self.invitation, **_accept_fields(form))
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return self.render_to_response({**context, "form": form})
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response({**context, "form": form})
        return _welcome(request, self.organization.name, self.organization.slug)


def accept_context(invitation: Invitation, user: User | AnonymousUser) -> dict[str, Any]:
    """Who is looking: the invitation's own account, someone signed in with another one,
    or a visitor whose address has an account (sign in first) or none (create one)."""
    account = invitation_account(invitation=invitation)
    initial = {f: getattr(invitation, f) for f in NAME_FIELDS}
    return {
        "invitation": invitation,
        "form": InvitationAcceptForm(initial=initial, email=invitation.email),
        "has_account": account is not None and account.has_usable_password(),
        "is_account": user.is_authenticated and account is not None and account.pk == user.pk,
        "signed_in_elsewhere": user.is_authenticated and (account is None or account != user),
    }


def _welcome(request: HttpRequest, name: str, slug: str) -> HttpResponse:
    messages.success(request, _("Welcome to %(org)s.") % {"org": name})
    return redirect("orgs:dashboard", slug)


def _accept_fields(form: InvitationAcceptForm) -> dict[str, str]:
    data = form.cleaned_data
    return {"password": data["password1"], **{name: data[name] for name in NAME_FIELDS}}
