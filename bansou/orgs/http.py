"""The one base family for pages of an organisation.

TenancyMiddleware resolves ``<org_slug>``, checks the view's declared policy and then
fills the request in; these classes only give that request a type:

- ``accounts.http.AuthenticatedRequest`` (policy ``SIGNED_IN``): ``user`` is a ``User``.
- ``OrgRequest`` / ``OrgView`` (policy ``org_roles(...)``): an active member is signed in,
  so ``organization``, ``membership``, ``user`` and ``role`` are always there.
- ``PublicOrgRequest`` / ``PublicOrgView`` (policy ``PUBLIC_IN_ORG``): anyone, so only
  ``organization`` is there and ``membership`` is None.

``OrgView`` is a ``TemplateView`` (override ``get``/``post`` as needed); ``OrgFormView`` is
the same for a ``FormView``. Both take their attributes from ``OrgMixin``.
"""

from typing import TypeVar

from django import forms
from django.http import HttpRequest
from django.views.generic import FormView, TemplateView

from bansou.accounts.http import AuthenticatedRequest
from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization

FormT = TypeVar("FormT", bound=forms.BaseForm)


class OrgRequest(AuthenticatedRequest):
    """A request of an active member under ``/o/<org_slug>/``."""

    organization: Organization
    membership: Membership


class PublicOrgRequest(HttpRequest):
    """A request to a public page of one organisation (no membership needed)."""

    organization: Organization
    membership: None


class OrgMixin:
    """``organization``, ``membership``, ``user`` and ``role`` of an organisation page."""

    request: OrgRequest

    @property
    def organization(self) -> Organization:
        return self.request.organization

    @property
    def membership(self) -> Membership:
        return self.request.membership

    @property
    def user(self) -> User:
        return self.request.user

    @property
    def role(self) -> Role:
        return Role(self.request.membership.role)


class OrgView(OrgMixin, TemplateView):
    """Base for template pages under ``/o/<org_slug>/`` (policy ``org_roles(...)``)."""

    request: OrgRequest


class OrgFormView(OrgMixin, FormView[FormT]):
    """Base for one-form pages under ``/o/<org_slug>/`` (policy ``org_roles(...)``)."""

    request: OrgRequest


class PublicOrgView(TemplateView):
    """Base for public pages of one organisation (policy ``PUBLIC_IN_ORG``)."""

    request: PublicOrgRequest

    @property
    def organization(self) -> Organization:
        return self.request.organization
