from collections.abc import Callable
from typing import cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django_scopes import scope

from bansou.accounts.models import User
from bansou.core.access import OrgRoles, PublicInOrg, SignedIn, policy_for
from bansou.orgs.http import OrgRequest, PublicOrgRequest
from bansou.orgs.models import Organization
from bansou.orgs.selectors import active_membership, active_organization

# Set on a request refused for its organisation (the audit middleware records it).
DENIED_ATTRIBUTE = "bansou_denied_organization"


class TenancyMiddleware:
    """Resolves ``/o/<org_slug>/``, checks membership and role against the view's declared
    policy, and runs the rest of the request (view and template rendering) inside
    ``scope(organization=...)``. Requests outside an organisation run in an empty scope, so
    a query on a tenant model that forgot its organisation fails loudly (ScopeError)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            with scope():
                return self.get_response(request)
        policy = policy_for(match)
        if policy is None:
            raise ImproperlyConfigured(f"The view {match.view_name!r} declares no access policy.")
        if isinstance(policy, OrgRoles):
            return self._org_request(request, policy, match.kwargs.get("org_slug"))
        if isinstance(policy, PublicInOrg):
            return self._public_org_request(request, match.kwargs.get("org_slug"))
        if isinstance(policy, SignedIn) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        with scope():
            return self.get_response(request)

    def _public_org_request(self, request: HttpRequest, org_slug: str | None) -> HttpResponse:
        organization = self._organization(org_slug)
        with scope(organization=organization):
            public_request = cast(PublicOrgRequest, request)
            public_request.organization = organization
            public_request.membership = None
            return self.get_response(public_request)

    @staticmethod
    def _organization(org_slug: str | None) -> Organization:
        if org_slug is None:
            raise ImproperlyConfigured("An organisation policy needs <org_slug> in the URL.")
        organization = active_organization(slug=org_slug)
        if organization is None:
            raise Http404
        return organization

    def _org_request(
        self, request: HttpRequest, policy: OrgRoles, org_slug: str | None
    ) -> HttpResponse:
        if not request.user.is_authenticated:
            if org_slug is None:
                raise ImproperlyConfigured("An organisation policy needs <org_slug> in the URL.")
            return redirect_to_login(request.get_full_path())
        organization = self._organization(org_slug)
        with scope(organization=organization):
            membership = active_membership(organization=organization, user=cast(User, request.user))
            if membership is None or not policy.allows(membership.role):
                setattr(request, DENIED_ATTRIBUTE, organization)
                raise Http404 if membership is None else PermissionDenied
            org_request = cast(OrgRequest, request)
            org_request.organization = organization
            org_request.membership = membership
            return self.get_response(org_request)
