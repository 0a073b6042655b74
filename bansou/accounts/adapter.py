from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """People join an organisation by invitation (or an accepted application), never by
    open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
