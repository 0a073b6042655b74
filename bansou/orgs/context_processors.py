from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bansou.orgs.navigation import nav_for
from bansou.orgs.selectors import memberships_for_user


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    nav = (
        nav_for(org_slug=organization.slug, role=membership.role, current_path=request.path)
        if organization and membership
        else []
    )
    return {
        "org_nav": nav,
        "current_organization": organization,
        "current_membership": membership,
        "my_memberships": SimpleLazyObject(
            lambda: memberships_for_user(user=user) if user and user.is_authenticated else []
        ),
    }
