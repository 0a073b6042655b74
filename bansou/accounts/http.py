from django.http import HttpRequest

from bansou.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request TenancyMiddleware has let through only for a signed-in user (policies
    ``SIGNED_IN`` and ``org_roles(...)``)."""

    user: User
