import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.accounts.selectors import user_for_link

SESSION_LOGIN_AT_KEY = "bansou_login_at"


class AbsoluteSessionLimitMiddleware:
    """Ends a session 12 hours after login however active it is. The idle limit is
    Django's own SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(SESSION_LOGIN_AT_KEY, now)
            if now - int(login_at) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


# Pages reached from a mailed link that names its owner (uidb36): they speak the owner's
# language, whatever the browser prefers (the reflection link does the same in its view).
MAILED_LINK_URL_NAMES = frozenset({"account_reset_password_from_key"})


class UserLanguageMiddleware:
    """A signed-in person sees their own language (profile setting) unless they chose one
    with the language switcher in this browser, which sets the language cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            activate_user_language(request, cast(User, request.user))
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        if match is None or match.url_name not in MAILED_LINK_URL_NAMES:
            return None
        owner = user_for_link(uidb36=str(view_kwargs.get("uidb36", "")))
        if owner is not None and owner.language in dict(settings.LANGUAGES):
            translation.activate(owner.language)
            request.LANGUAGE_CODE = owner.language
        return None


def activate_user_language(request: HttpRequest, user: User) -> None:
    """The person's profile language, unless this browser chose one with the switcher.
    Called on every request and again at login, so that the messages written while
    signing in ("Signed in as ...") are already in the person's language."""
    language = user.language
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and language in dict(
        settings.LANGUAGES
    ):
        translation.activate(language)
        request.LANGUAGE_CODE = language
