"""Access policies. Every URL's view declares exactly one policy, here or on the view.

- ``PUBLIC``: anyone, signed in or not.
- ``SIGNED_IN``: any signed-in user; not tied to an organisation.
- ``PUBLIC_IN_ORG``: anyone; a URL with ``<org_slug>`` whose organisation must exist (else
  404) and whose scope is active while the view runs.
- ``org_roles(...)``: a URL under ``/o/<org_slug>/``; the user must be an active member of
  that organisation (else 404) holding one of the roles (else 403).

TenancyMiddleware enforces the policy before the view runs; a view without a policy is a
configuration error that stops the request (and fails the permission-matrix test).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.urls import ResolverMatch

from bansou.core.roles import Role

POLICY_ATTR = "access_policy"


@dataclass(frozen=True)
class Public:
    def __str__(self) -> str:
        return "public"


@dataclass(frozen=True)
class SignedIn:
    def __str__(self) -> str:
        return "signed-in"


@dataclass(frozen=True)
class PublicInOrg:
    """A public page of one organisation (e.g. a program's application page): no login,
    but the organisation is resolved from ``<org_slug>`` and its scope is active."""

    def __str__(self) -> str:
        return "public-in-org"


@dataclass(frozen=True)
class OrgRoles:
    roles: frozenset[Role]

    def allows(self, role: str) -> bool:
        return role in self.roles

    def __str__(self) -> str:
        return "org:" + ",".join(sorted(self.roles))


Policy = Public | SignedIn | PublicInOrg | OrgRoles

PUBLIC = Public()
SIGNED_IN = SignedIn()
PUBLIC_IN_ORG = PublicInOrg()


def org_roles(*roles: Role) -> OrgRoles:
    if not roles:
        raise ValueError("An organisation policy needs at least one role.")
    return OrgRoles(frozenset(roles))


ANY_MEMBER = OrgRoles(frozenset(Role))

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def declare(policy: Policy) -> Callable[[ViewT], ViewT]:
    """Declares the policy of a function view: ``@declare(PUBLIC)``."""

    def decorate(view: ViewT) -> ViewT:
        setattr(view, POLICY_ATTR, policy)
        return view

    return decorate


# Views this project does not write, declared by URL name. A new URL from a library
# upgrade is undeclared until someone decides its policy here.
THIRD_PARTY_POLICIES: dict[str, Policy] = {
    "set_language": PUBLIC,
    # allauth: account
    "account_login": PUBLIC,
    "account_signup": PUBLIC,
    "account_logout": PUBLIC,
    "account_request_login_code": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_reauthenticate": SIGNED_IN,
    # 65.22: confirming who you are again by an emailed code (for accounts without a
    # password), before a change of address.
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_inactive": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    # allauth: multi-factor authentication
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": PUBLIC,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
}


def policy_for(match: ResolverMatch) -> Policy | None:
    view_class = getattr(match.func, "view_class", None)
    declared = getattr(view_class, POLICY_ATTR, None) or getattr(match.func, POLICY_ATTR, None)
    if declared is not None:
        return declared
    return THIRD_PARTY_POLICIES.get(match.view_name)
